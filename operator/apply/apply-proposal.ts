// The trusted apply path: an approved proposal, checked against its approval and the current
// config, becomes one writeback request, one executor run and one stored receipt.
// Nothing here is reachable from MCP.

import type { Contract, ProposalCapabilityConfig } from "../../compiler/config/contract.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { Decision, StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import type { ReviewRefusalCode } from "../../runtime/ledger/review-rules.ts";
import { canonicalJson, changeSetHash } from "../../runtime/ledger/hash.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { describeCause } from "../../runtime/errors.ts";
import { executorFor } from "./executor-for.ts";

export type ApplyRefusal = { code: "APPROVAL_REQUIRED" | "NOT_FOUND" | "CAPABILITY_NOT_FOUND" | "POLICY_VIOLATION" | "CONFIGURATION" | ReviewRefusalCode; message: string };

export type ApplyOutcome = { ok: true; stored: StoredReceipt; request: WritebackRequest } | { ok: false; refusal: ApplyRefusal };

export interface ApplyInput {
  contract: Contract;
  ledger: Ledger;
  proposalId: string;
  /** A job file from `proposals writeback-job`; when absent the request is built now. */
  job?: WritebackRequest;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

const refuse = (code: ApplyRefusal["code"], message: string): ApplyOutcome => ({ ok: false, refusal: { code, message } });

export async function applyProposal(input: ApplyInput): Promise<ApplyOutcome> {
  const { contract, ledger } = input;
  const proposal = await ledger.proposals.get(input.proposalId);
  if (!proposal) return refuse("NOT_FOUND", `No proposal ${input.proposalId} in this store.`);
  if (proposal.state === "review_required") {
    return refuse("APPROVAL_REQUIRED", `Proposal ${proposal.id} has not been approved; a person must run \`synapsor-runner proposals approve ${proposal.id}\` first.`);
  }
  if (proposal.state === "rejected") return refuse("APPROVAL_REQUIRED", `Proposal ${proposal.id} was rejected; a rejected proposal is never applied.`);

  const approval = await approvalOf(ledger, proposal);
  if (!approval) return refuse("APPROVAL_REQUIRED", `Proposal ${proposal.id} has no approval on record.`);
  // The approval binds to the hash; the stored change set must still produce it.
  if (approval.proposalHash !== proposal.hash || changeSetHash(proposal) !== proposal.hash) {
    return refuse("POLICY_VIOLATION", `Proposal ${proposal.id} changed after it was approved; its approval does not cover the stored change set.`);
  }

  const capability = contract.capabilities.find((c): c is ProposalCapabilityConfig => c.name === proposal.capability && c.kind === "proposal");
  if (!capability) {
    return refuse("CAPABILITY_NOT_FOUND", `The config no longer has the proposal capability ${proposal.capability}; apply with the config it was proposed under.`);
  }
  const outside = Object.keys(proposal.patch).filter((column) => !capability.allowed_columns.includes(column));
  if (outside.length > 0) {
    return refuse("POLICY_VIOLATION", `The config no longer allows ${capability.name} to change ${outside.join(", ")}.`);
  }

  // A job file is accepted only if it is exactly what the ledger would send (any issue time):
  // nothing in it can redirect the write to another table, row, tenant or value.
  const issuedAt = input.job?.issued_at ?? (input.now?.() ?? new Date()).toISOString();
  const request = buildWritebackRequest(proposal, approval, issuedAt);
  if (input.job && canonicalJson(input.job) !== canonicalJson(request)) {
    return refuse("POLICY_VIOLATION", `The job file does not match proposal ${proposal.id} and its approval; write it again with \`proposals writeback-job\`.`);
  }

  const choice = executorFor(contract, capability, input.env);
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
      process.stderr.write(`synapsor-runner: could not store the executor's failure detail: ${describeCause(err)}\n`);
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

async function approvalOf(ledger: Ledger, proposal: StoredProposal): Promise<Decision | undefined> {
  return (await ledger.proposals.decisions(proposal.id))
    .filter((d) => d.decision === "approved")
    .at(-1);
}
