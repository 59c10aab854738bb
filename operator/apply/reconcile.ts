// Brings the ledger up to date from the target database's receipt table, which is
// authoritative: when an apply's executor committed but the ledger could not record its receipt
// (the store was locked, read-only or full), the write happened and the ledger must say so. Used
// by `apply` before it runs anything, and by `receipts reconcile`.

import type { Executor } from "../../runtime/executors/executor.ts";
import type { Receipt, WritebackRequest } from "../../runtime/executors/protocol.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import type { ReviewRefusal } from "../../runtime/ledger/review-rules.ts";

export type Reconciled =
  /** The target database holds this proposal's receipt; it is now the proposal's outcome in the ledger. */
  | { status: "recorded"; stored: StoredReceipt }
  /** No receipt in the target database: the write has not happened. */
  | { status: "absent" }
  /** The executor keeps no receipt the runner can read (app handlers): apply again instead. */
  | { status: "unsupported" }
  /** The receipt table could not be read; `internal` is the raw cause, for the ledger only. */
  | { status: "unavailable"; internal: string }
  /** The ledger refused the receipt (the proposal moved meanwhile, or no longer verifies). */
  | { status: "refused"; refusal: ReviewRefusal; receipt: Receipt };

export interface ReconcileInput {
  ledger: Ledger;
  proposal: StoredProposal;
  /** The request apply would send: its idempotency key names the receipt row. */
  request: WritebackRequest;
  executor: Executor;
  executorInfo: StoredReceipt["executor"];
}

/** Looks up the proposal's receipt in the target database and records it in the ledger when found. */
export async function reconcileFromTarget(input: ReconcileInput): Promise<Reconciled> {
  const { ledger, proposal, executor } = input;
  if (!executor.findReceipt) return { status: "unsupported" };
  const found = await executor.findReceipt(input.request);
  if (found.status !== "found") return found;
  // The receipt belongs to the job whose run committed it: the newest job with this key (jobs
  // are stored before the executor runs). A store that never saw that run gets a job recording
  // the request now, so the receipt still hangs off the request it answers.
  const jobs = await ledger.writeback.listJobs(proposal.id);
  let job = jobs.find((j) => j.request.idempotency_key === input.request.idempotency_key);
  if (!job) {
    const created = await ledger.writeback.createJob(proposal.id, input.request as unknown as Record<string, unknown>);
    if (!created.ok) return { status: "refused", refusal: created.refusal, receipt: found.receipt };
    job = created.value;
  }
  const recorded = await ledger.writeback.recordReceipt({
    proposalId: proposal.id,
    jobId: job.id,
    executor: input.executorInfo,
    receipt: found.receipt,
    origin: "target_receipt",
  });
  return recorded.ok ? { status: "recorded", stored: recorded.value } : { status: "refused", refusal: recorded.refusal, receipt: found.receipt };
}
