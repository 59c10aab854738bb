// One interface for every way an approved proposal is carried out. An executor never throws
// for an expected failure: every outcome, including timeouts and bad handler replies, is a
// receipt. Raw failure text goes to `internal`, for the ledger only.

import type { Receipt, WritebackRequest } from "./protocol.ts";
import type { TargetReceipt } from "./receipts-read.ts";

export interface ExecutionResult {
  receipt: Receipt;
  /** Raw cause (driver text, handler body excerpt) for the ledger's internal errors; never printed. */
  internal?: string;
}

export interface Executor {
  readonly type: "sql_update" | "http_handler" | "command_handler";
  execute(request: WritebackRequest): Promise<ExecutionResult>;
  /**
   * Reads the target database's receipt for this request, when the executor keeps one there
   * (sql_update's synapsor_writeback_receipts); app handlers keep theirs out of reach and answer
   * a repeated idempotency key with already_applied instead.
   */
  findReceipt?(request: WritebackRequest): Promise<TargetReceipt>;
  close(): Promise<void>;
}
