// The trusted apply path: an approved proposal, checked against its approval and re-checked
// against the compiled capability, becomes one writeback request, one executor run and one
// stored receipt. Nothing here is reachable from MCP, and nothing here throws for a store
// fault: every outcome, a ledger that fails after the executor committed included, is a value
// with a stable code and a message that says what to do.

import type { Contract } from "../../compiler/config/contract.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredReceipt } from "../../runtime/ledger/records.ts";
import { approvalWindowRefusal, type ReviewRefusal, type ReviewRefusalCode } from "../../runtime/ledger/review-rules.ts";
import { approvalWindowDetail } from "../../runtime/ledger/review-log.ts";
import { canonicalJson } from "../../runtime/ledger/hash.ts";
import type { Receipt, WritebackRequest } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { LedgerKeyError } from "../../runtime/ledger/keys/key-ring.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { compiledProposal } from "./compiled-capability.ts";
import { executorFor } from "./executor-for.ts";
import { reconcileFromTarget } from "./reconcile.ts";
import { recheckProposal } from "./recheck.ts";

export type ApplyRefusalCode =
  | "APPROVAL_REQUIRED"
  | "NOT_FOUND"
  | "CAPABILITY_NOT_FOUND"
  | "POLICY_VIOLATION"
  | "CONFIGURATION"
  /** The ledger could not be read or written before anything was sent: nothing was written. */
  | "STORE_UNAVAILABLE"
  /** The executor ran, but the ledger could not record its receipt: reconcile once the store works. */
  | "RECEIPT_NOT_RECORDED"
  | ReviewRefusalCode;

export type ApplyRefusal = { code: ApplyRefusalCode; message: string };

/**
 * Where the answer comes from: this run's executor (`executor`); the target database's receipt
 * table, recorded because the ledger missed the run that wrote it (`target_receipt`); or the
 * ledger, because the proposal was already applied (`ledger`: nothing was sent again, or this
 * run lost a race to another apply and its answer was kept as a late-receipt event).
 */
export type ApplySource = "executor" | "target_receipt" | "ledger";

export type ApplyOutcome =
  | {
      ok: true;
      /** This run's answer. */
      receipt: Receipt;
      /** The receipt on record as the proposal's outcome (absent only for a proposal applied without one). */
      stored: StoredReceipt | undefined;
      source: ApplySource;
      request?: WritebackRequest;
    }
  | {
      ok: false;
      refusal: ApplyRefusal;
      /** What the executor reported, when it ran but the ledger could not record it. */
      receipt?: Receipt;
    };

export interface ApplyInput {
  contract: Contract;
  /** The contract compiled up to plan (compiled-capability.ts): what apply checks against and runs. */
  plan: BuildPlan;
  ledger: Ledger;
  proposalId: string;
  /** A job file from `proposals writeback-job`; when absent the request is built now. */
  job?: WritebackRequest;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

const refuse = (code: ApplyRefusalCode, message: string): ApplyOutcome => ({ ok: false, refusal: { code, message } });

/** A record that does not verify, or an approval that does not cover it, is a policy violation for apply. */
const APPLY_CODES: Partial<Record<ReviewRefusalCode, ApplyRefusalCode>> = { UNVERIFIED: "POLICY_VIOLATION", HASH_MISMATCH: "POLICY_VIOLATION" };

export async function applyProposal(input: ApplyInput): Promise<ApplyOutcome> {
  try {
    return await applyChecked(input);
  } catch (err) {
    // Only store faults (and an unusable key file) reach here, all before the executor ran:
    // once it has run, applyChecked answers with a value (RECEIPT_NOT_RECORDED) instead.
    if (err instanceof StoreUnavailableError || err instanceof LedgerKeyError) {
      return refuse("STORE_UNAVAILABLE", `${err.message.replace(/\.$/, "")}. Nothing was sent to the executor and nothing was written; fix that and apply again.`);
    }
    throw err;
  }
}

async function applyChecked(input: ApplyInput): Promise<ApplyOutcome> {
  const { contract, ledger } = input;
  // Before anything else: the proposal, its state and its approval must verify against the ledger
  // keys (keyed MACs), and the approval must be bound to this proposal as stored. A record edited
  // in the store file, or written with keys this process lacks, stops here and nothing is written.
  const approved = await ledger.proposals.approval(input.proposalId);
  if (!approved.ok) {
    const { code, message, state } = approved.refusal;
    if (settled(approved.refusal)) return alreadyDone(ledger, input.proposalId, message);
    return refuse(APPLY_CODES[code] ?? code, message);
  }
  const { proposal, approval } = approved;

  // An approval older than its window authorises nothing; an approved proposal nothing was sent
  // for is retired on the spot (the ledger's writeback job refuses it as well).
  const lapsed = approvalWindowRefusal(proposal, approval, input.now?.() ?? new Date());
  if (lapsed) {
    if (proposal.state !== "approved") return refuse(lapsed.code, lapsed.message);
    const expired = await ledger.proposals.expire(proposal.id, approvalWindowDetail(proposal, approval));
    return refuse(lapsed.code, `${lapsed.message} ${expired.ok ? "The proposal is now expired. Nothing was sent to the executor." : expired.refusal.message}`);
  }

  const capability = compiledProposal(input.plan, proposal.capability);
  if (!capability) {
    return refuse("CAPABILITY_NOT_FOUND", `The config no longer has the proposal capability ${proposal.capability}; apply with the config it was proposed under.`);
  }
  if (proposal.planHash !== capability.planHash) {
    return refuse(
      "POLICY_VIOLATION",
      `${capability.name} changed since proposal ${proposal.id} was made (${proposal.planHash === null ? "the proposal records no plan hash: an older build made it" : "its compiled plan is different"}), ` +
        "so the approval does not cover what apply would run now. " +
        "The agent must propose again; retire stranded proposals with `synapsor-runner proposals expire --stale-plan`.",
    );
  }
  const differences = recheckProposal({ proposal, approval, evidence: await ledger.reads.getEvidence(proposal.evidenceId), capability });
  if (differences.length > 0) {
    return refuse(
      "POLICY_VIOLATION",
      `Proposal ${proposal.id} does not match the compiled capability ${capability.name}: ${differences.join("; ")}. Nothing was sent to the executor.`,
    );
  }

  // A job file is accepted only if it is exactly what the ledger would send (any issue time):
  // nothing in it can redirect the write to another table, row, tenant or value.
  const issuedAt = input.job?.issued_at ?? (input.now?.() ?? new Date()).toISOString();
  const request = buildWritebackRequest(proposal, approval, issuedAt);
  if (input.job && canonicalJson(input.job) !== canonicalJson(request)) {
    return refuse("POLICY_VIOLATION", `The job file does not match proposal ${proposal.id} and its approval; write it again with \`proposals writeback-job\`.`);
  }

  const choice = executorFor(contract, input.plan, capability, input.env);
  if (!choice.ok) return refuse("CONFIGURATION", choice.message);
  const executorInfo = { name: choice.name, type: choice.type };

  try {
    // The target database's receipt table is authoritative: if it already holds this proposal's
    // receipt (an earlier run committed, then the ledger failed), record that, and run nothing.
    const reconciled = await reconcileFromTarget({ ledger, proposal, request, executor: choice.executor, executorInfo });
    if (reconciled.status === "recorded") return { ok: true, receipt: reconciled.stored.receipt, stored: reconciled.stored, source: "target_receipt", request };
    if (reconciled.status === "refused") {
      // A racing apply recorded the same receipt first: the change is in place once, as asked.
      if (settled(reconciled.refusal)) return alreadyDone(ledger, proposal.id, reconciled.refusal.message);
      return refuse(reconciled.refusal.code, reconciled.refusal.message);
    }

    const created = await ledger.writeback.createJob(proposal.id, request as unknown as Record<string, unknown>);
    if (!created.ok) {
      if (settled(created.refusal)) return alreadyDone(ledger, proposal.id, created.refusal.message);
      return refuse(created.refusal.code, created.refusal.message);
    }
    const job = created.value;
    const result = await choice.executor.execute(request);
    if (result.internal) await recordDetail(ledger, { ...proposal, actor: approval.actor }, result.receipt.safe_error_code, result.internal);
    try {
      const recorded = await ledger.writeback.recordReceipt({ proposalId: proposal.id, jobId: job.id, executor: executorInfo, receipt: result.receipt });
      if (recorded.ok) return { ok: true, receipt: result.receipt, stored: recorded.value, source: "executor", request };
      // Another apply made the proposal final first: its receipt stays the outcome, ours is kept as an event.
      if (recorded.refusal.code === "FINAL_STATE") {
        return { ok: true, receipt: result.receipt, stored: await latestReceipt(ledger, proposal.id).catch(() => undefined), source: "ledger", request };
      }
      return { ok: false, refusal: { code: recorded.refusal.code, message: recorded.refusal.message }, receipt: result.receipt };
    } catch (err) {
      return receiptNotRecorded(proposal.id, result.receipt, err, Boolean(choice.executor.findReceipt));
    }
  } finally {
    await choice.executor.close().catch(() => undefined);
  }
}

/**
 * The refusal says the change is already in place: the proposal is applied, and its record
 * verifies. A record that does not verify (edited, or sealed with keys this process lacks) proves
 * nothing, so "already applied" would be a claim read from untrusted bytes: it is refused instead.
 */
function settled(refusal: ReviewRefusal): boolean {
  return refusal.code !== "UNVERIFIED" && (refusal.state === "applied" || refusal.state === "already_applied");
}

/** An applied proposal is never sent again; the answer is its receipt on record. */
async function alreadyDone(ledger: Ledger, proposalId: string, why: string): Promise<ApplyOutcome> {
  const stored = await latestReceipt(ledger, proposalId);
  const earlier = stored?.receipt;
  const receipt: Receipt = {
    status: "already_applied",
    rows_affected: 0,
    source_database_mutated: false,
    previous_version: earlier?.previous_version ?? null,
    new_version: earlier?.new_version ?? null,
    safe_error_code: null,
    message: `${why.replace(/ Nothing changed\.$/, "")} Nothing was sent to the executor again.`,
    details: { effects: [] },
  };
  return { ok: true, receipt, stored, source: "ledger" };
}

async function latestReceipt(ledger: Ledger, proposalId: string): Promise<StoredReceipt | undefined> {
  return (await ledger.writeback.listReceipts({ proposalId, limit: 1 }))[0];
}

/** Keeps the executor's raw failure detail in the ledger; losing it never hides the receipt. */
async function recordDetail(
  ledger: Ledger,
  p: { capability: string; tenantId: string; actor: string; source: string },
  code: string | null,
  internal: string,
): Promise<void> {
  try {
    await ledger.reads.recordFailure({ capability: p.capability, tenantId: p.tenantId, principal: p.actor, source: p.source, code: code ?? "INTERNAL", internal });
  } catch (err) {
    // The receipt below still records the outcome; only the raw detail is lost. Store faults carry a
    // plain message of ours; anything else is named by kind only, never by its raw text.
    const why = err instanceof StoreUnavailableError ? err.message : "an unexpected ledger error";
    process.stderr.write(`synapsor-runner: could not store the executor's failure detail (${terminalSafe(why)}); the receipt still records the outcome.\n`);
  }
}

/** The executor ran but its receipt is not in the ledger: say what happened and how the ledger catches up. */
function receiptNotRecorded(proposalId: string, receipt: Receipt, err: unknown, targetKeepsReceipts: boolean): ApplyOutcome {
  const why = err instanceof StoreUnavailableError ? err.message : "an unexpected ledger error";
  const written =
    receipt.source_database_mutated === "unknown"
      ? "The handler may have written to the source database (check the row)"
      : receipt.source_database_mutated
        ? "The change WAS written to the source database"
        : "Nothing was written to the source database";
  const fix = targetKeepsReceipts
    ? `The target database's receipt table is authoritative: once the store works again, run \`synapsor-runner receipts reconcile --proposal ${proposalId} --config <config> --store <store>\` (or apply again); either records this outcome without writing twice.`
    : "Once the store works again, apply again: the handler's idempotency key makes the retry safe, and its answer is recorded.";
  return {
    ok: false,
    refusal: { code: "RECEIPT_NOT_RECORDED", message: `The executor answered ${receipt.status}, but the ledger could not record it (${why}). ${written}. ${fix}` },
    receipt,
  };
}
