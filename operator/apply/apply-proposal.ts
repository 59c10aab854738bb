// The trusted apply path: an approved proposal, checked against its approval and re-checked
// against the compiled capability, becomes one writeback request, one executor run and one
// stored receipt. Nothing here is reachable from MCP.

import type { Contract } from "../../compiler/config/contract.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredReceipt } from "../../runtime/ledger/records.ts";
import type { ReviewRefusalCode } from "../../runtime/ledger/review-rules.ts";
import { canonicalJson } from "../../runtime/ledger/hash.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { compiledProposal } from "./compiled-capability.ts";
import { executorFor } from "./executor-for.ts";
import { recheckProposal } from "./recheck.ts";

export type ApplyRefusal = { code: "APPROVAL_REQUIRED" | "NOT_FOUND" | "CAPABILITY_NOT_FOUND" | "POLICY_VIOLATION" | "CONFIGURATION" | ReviewRefusalCode; message: string };

export type ApplyOutcome = { ok: true; stored: StoredReceipt; request: WritebackRequest } | { ok: false; refusal: ApplyRefusal };

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

const refuse = (code: ApplyRefusal["code"], message: string): ApplyOutcome => ({ ok: false, refusal: { code, message } });

/** A record that does not verify, or an approval that does not cover it, is a policy violation for apply. */
const APPLY_CODES: Partial<Record<ReviewRefusalCode, ApplyRefusal["code"]>> = { UNVERIFIED: "POLICY_VIOLATION", HASH_MISMATCH: "POLICY_VIOLATION" };

export async function applyProposal(input: ApplyInput): Promise<ApplyOutcome> {
  const { contract, ledger } = input;
  // Before anything else: the proposal, its state and its approval must verify against the ledger
  // keys (keyed MACs), and the approval must be bound to this proposal as stored. A record edited
  // in the store file, or written with keys this process lacks, stops here and nothing is written.
  const approved = await ledger.proposals.approval(input.proposalId);
  if (!approved.ok) return refuse(APPLY_CODES[approved.refusal.code] ?? approved.refusal.code, approved.refusal.message);
  const { proposal, approval } = approved;

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

  const created = await ledger.writeback.createJob(proposal.id, request as unknown as Record<string, unknown>);
  if (!created.ok) return refuse(created.refusal.code, created.refusal.message);
  const job = created.value;
  let result;
  try {
    result = await choice.executor.execute(request);
  } finally {
    await choice.executor.close().catch(() => undefined);
  }
  if (result.internal) {
    try {
      await ledger.reads.recordFailure({
        capability: proposal.capability,
        tenantId: proposal.tenantId,
        principal: approval.actor,
        source: proposal.source,
        code: result.receipt.safe_error_code ?? "INTERNAL",
        internal: result.internal,
      });
    } catch (err) {
      // The receipt below still records the outcome; only the raw detail is lost. Store faults carry a
      // plain message of ours; anything else is named by kind only, never by its raw text.
      const why = err instanceof StoreUnavailableError ? err.message : "an unexpected ledger error";
      process.stderr.write(`synapsor-runner: could not store the executor's failure detail (${terminalSafe(why)}); the receipt still records the outcome.\n`);
    }
  }
  const recorded = await ledger.writeback.recordReceipt({
    proposalId: proposal.id,
    jobId: job.id,
    executor: { name: choice.name, type: choice.type },
    receipt: result.receipt,
  });
  if (!recorded.ok) return refuse(recorded.refusal.code, recorded.refusal.message);
  return { ok: true, stored: recorded.value, request };
}
