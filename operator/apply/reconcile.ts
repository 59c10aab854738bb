// Brings the ledger up to date from the target database's receipt table, which is
// authoritative: when an apply's executor committed but the ledger could not record its receipt
// (the store was locked, read-only or full), the write happened and the ledger must say so. Used
// by `apply` before it runs anything, and by `receipts reconcile`.

import type { Contract } from "../../compiler/config/contract.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import type { Executor } from "../../runtime/executors/executor.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import type { Receipt, WritebackRequest } from "../../runtime/executors/protocol.ts";
import { LIST_LIMIT, type Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import { WRITABLE_STATES, type ReviewRefusal } from "../../runtime/ledger/review-rules.ts";
import { compiledProposal } from "./compiled-capability.ts";
import { executorFor } from "./executor-for.ts";

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

export interface ReconcileReport {
  proposalId: string;
  /** The state before, and after. */
  from: string;
  state: string;
  /** recorded: the target's receipt is now the outcome; nothing_to_do: no receipt there (not written); skipped: see code; error: the target could not be read. */
  outcome: "recorded" | "nothing_to_do" | "skipped" | "error";
  code?: string;
  receiptId?: string;
  message: string;
}

export interface ReconcileAllInput {
  contract: Contract;
  plan: BuildPlan;
  ledger: Ledger;
  /** Only this proposal; else every approved and failed proposal in the store. */
  proposalId?: string;
  env?: NodeJS.ProcessEnv;
}

/** Proposals a missed receipt can concern: the states a write may still happen in (approved, failed). */
const OPEN_STATES = [...WRITABLE_STATES];

/** `receipts reconcile`: brings every open proposal (or one) up to date from the target database's receipt table. */
export async function reconcileProposals(input: ReconcileAllInput): Promise<ReconcileReport[]> {
  const { ledger } = input;
  const ids = input.proposalId
    ? [input.proposalId]
    : (await Promise.all(OPEN_STATES.map((state) => ledger.proposals.list({ state, limit: LIST_LIMIT })))).flat().map((p) => p.id);
  const reports: ReconcileReport[] = [];
  for (const id of ids) reports.push(await reconcileOne(input, id));
  return reports;
}

async function reconcileOne(input: ReconcileAllInput, id: string): Promise<ReconcileReport> {
  const { ledger } = input;
  const approved = await ledger.proposals.approval(id);
  if (!approved.ok) {
    const { code, message, state } = approved.refusal;
    return { proposalId: id, from: state ?? "unknown", state: state ?? "unknown", outcome: "skipped", code, message: `${message} Nothing to reconcile.` };
  }
  const { proposal, approval } = approved;
  const skip = (code: string, message: string): ReconcileReport => ({ proposalId: id, from: proposal.state, state: proposal.state, outcome: "skipped", code, message });
  const capability = compiledProposal(input.plan, proposal.capability);
  if (!capability) return skip("CAPABILITY_NOT_FOUND", `The config no longer has the capability ${proposal.capability}; reconcile with the config it was proposed under.`);
  const choice = executorFor(input.contract, input.plan, capability, input.env);
  if (!choice.ok) return skip("CONFIGURATION", choice.message);
  try {
    const request = buildWritebackRequest(proposal, approval, new Date().toISOString());
    const result = await reconcileFromTarget({ ledger, proposal, request, executor: choice.executor, executorInfo: { name: choice.name, type: choice.type } });
    switch (result.status) {
      case "recorded":
        return {
          proposalId: id,
          from: proposal.state,
          state: result.stored.receipt.status,
          outcome: "recorded",
          receiptId: result.stored.id,
          message: `The target database holds this proposal's receipt (${result.stored.receipt.status}); it is now recorded in the ledger as ${result.stored.id}.`,
        };
      case "absent":
        return {
          proposalId: id,
          from: proposal.state,
          state: proposal.state,
          outcome: "nothing_to_do",
          message: "The target database has no receipt for this proposal: its change was not written. Apply it when ready.",
        };
      case "unsupported":
        return skip("NOT_READABLE", `Executor '${choice.name}' (${choice.type}) keeps its receipts in the app's own database; apply again instead: its idempotency key makes the retry safe and its answer is recorded.`);
      case "unavailable":
        // The raw cause stays in the ledger for the operator (`errors`), never on the terminal.
        await ledger.reads
          .recordFailure({ capability: proposal.capability, tenantId: proposal.tenantId, principal: approval.actor, source: proposal.source, code: "WRITER_UNAVAILABLE", internal: result.internal })
          .catch(() => undefined);
        return {
          proposalId: id,
          from: proposal.state,
          state: proposal.state,
          outcome: "error",
          code: "WRITER_UNAVAILABLE",
          message: "The target database's receipt table could not be read with the write credential; check the database and the source's write_url_env, then run reconcile again. Nothing changed.",
        };
      case "refused":
        return skip(result.refusal.code, result.refusal.message);
    }
  } finally {
    await choice.executor.close().catch(() => undefined);
  }
}
