// The writeback protocol, version 1.0: what a trusted process sends to an executor after a
// person approved a proposal, and the receipt it gets back. The same request goes to the
// built-in sql_update executor, an app's HTTP handler (JSON body) and a command handler (stdin).
// schemas/writeback-job.v1.schema.json describes the request for other languages.

import type { Scalar } from "../values.ts";

export const WRITEBACK_PROTOCOL_VERSION = "1.0";

export interface WritebackRequest {
  protocol_version: typeof WRITEBACK_PROTOCOL_VERSION;
  proposal_id: string;
  /** `<proposal id>:<object id>`; the same key is sent on every retry of the same proposal. */
  idempotency_key: string;
  /** ISO 8601 UTC time the request was issued; handlers reject stale requests. */
  issued_at: string;
  change_set: ChangeSet;
  approval: { actor: string; role: string | null; approved_at: string; proposal_hash: string };
}

export interface ChangeSet {
  /** The canonical capability name, e.g. billing.propose_late_fee_waiver. */
  action: string;
  scope: { tenant_id: string; object_id: string };
  principal: { id: string };
  target: { schema: string | null; table: string; primary_key: { column: string; value: string } };
  before: Record<string, unknown>;
  patch: Record<string, Scalar>;
  after: Record<string, unknown>;
  guards: {
    tenant: { column: string; value: string };
    expected_version: { column: string; value: Scalar } | null;
    transitions: Array<{ column: string; from: Scalar[]; to: Scalar[] }>;
  };
  evidence: { bundle_id: string };
}

export type ReceiptStatus = "applied" | "already_applied" | "conflict" | "failed";

/**
 * Whether the source database changed. "unknown" when a handler had the request but gave no
 * valid receipt (timeout, killed, unreadable reply): it may have written, so never false.
 */
export type SourceMutation = boolean | "unknown";

export interface Receipt {
  status: ReceiptStatus;
  rows_affected: number;
  source_database_mutated: SourceMutation;
  previous_version: Scalar;
  new_version: Scalar;
  /** Set on conflict and failed: a stable code, never raw driver or handler text. */
  safe_error_code: string | null;
  /** One sentence for the operator, written by us. */
  message: string;
  /** `truncated` is set when a handler's effects were cut down to the bounds a receipt keeps. */
  details: { effects: Array<Record<string, unknown>>; truncated?: true };
}

/** Safe codes used by the built-in executors and the handler helper. */
export const SAFE_ERROR_CODES = [
  "ROW_NOT_FOUND_OR_WRONG_TENANT",
  "ROW_CHANGED_AFTER_PROPOSAL",
  "TRANSITION_NOT_ALLOWED",
  "PRECONDITION_NOT_MET",
  "MULTI_ROW_BLOCKED",
  "RECEIPTS_TABLE_MISSING",
  "WRITE_PERMISSION_DENIED",
  "WRITER_UNAVAILABLE",
  "HANDLER_UNREACHABLE",
  "HANDLER_TIMEOUT",
  "HANDLER_HTTP_ERROR",
  "HANDLER_BAD_RESPONSE",
  "HANDLER_FAILED",
  "HANDLER_REJECTED_AUTH",
  "UNKNOWN_ACTION",
  "IDEMPOTENCY_KEY_COLLISION",
  "INTERNAL",
] as const;
export type SafeErrorCode = (typeof SAFE_ERROR_CODES)[number];
