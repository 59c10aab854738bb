// The rules a person's decision must pass, shared by every review front end (CLI today, a
// local UI later). The ledger enforces state and hash again inside its write transaction;
// checking here first lets the CLI refuse before it asks the reviewer anything.

import type { Decision, Ledger, StoredProposal } from "../../runtime/ledger/ledger.ts";
import { changeSetHash } from "../../runtime/ledger/hash.ts";

export type DecisionKind = "approved" | "rejected";

export type RefusalCode = "NOT_FOUND" | "NOT_REVIEWABLE" | "ROLE_REQUIRED" | "HASH_MISMATCH";

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export interface DecisionRequest {
  proposalId: string;
  decision: DecisionKind;
  actor: string;
  role?: string;
  reason?: string;
}

const VERB: Record<DecisionKind, string> = { approved: "approved", rejected: "rejected" };

/**
 * Why this person may not decide this proposal now, or undefined when they may.
 * The required role gates approval only: rejecting is the safe direction (nothing is ever
 * written), and any reviewer must be able to stop a change they find wrong.
 */
export function refusalFor(proposal: StoredProposal | undefined, request: DecisionRequest): Refusal | undefined {
  const id = request.proposalId;
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${id} in this store.` };
  if (proposal.state !== "review_required") {
    return {
      code: "NOT_REVIEWABLE",
      message: `Proposal ${id} is ${proposal.state}; only a proposal in review_required can be ${VERB[request.decision]}. Nothing changed.`,
    };
  }
  const required = proposal.approval.requiredRole;
  if (request.decision === "approved" && required !== undefined && request.role !== required) {
    const given = request.role === undefined ? "no --role was given" : `--role ${request.role} was given`;
    return {
      code: "ROLE_REQUIRED",
      message: `Proposal ${id} must be approved by the role ${required}, but ${given}. Pass --role ${required} if you hold it. Nothing changed.`,
    };
  }
  if (changeSetHash(proposal) !== proposal.hash) {
    return {
      code: "HASH_MISMATCH",
      message: `Proposal ${id} no longer matches its hash: the stored change set was altered after it was proposed, so it cannot be ${VERB[request.decision]}.`,
    };
  }
  return undefined;
}

export type DecisionResult = { ok: true; decision: Decision; proposal: StoredProposal } | { ok: false; refusal: Refusal };

/** Checks the rules against the stored row, then records the decision bound to that row's hash. */
export function decideProposal(ledger: Ledger, request: DecisionRequest, expected?: StoredProposal): DecisionResult {
  const proposal = expected ?? ledger.getProposal(request.proposalId);
  const refusal = refusalFor(proposal, request);
  if (refusal) return { ok: false, refusal };
  const outcome = ledger.decide({
    proposalId: request.proposalId,
    decision: request.decision,
    actor: request.actor,
    expectedHash: proposal!.hash,
    ...(request.role !== undefined ? { role: request.role } : {}),
    ...(request.reason !== undefined ? { reason: request.reason } : {}),
  });
  if (outcome.ok) return outcome;
  // Someone else decided, or the row changed, between our check and the ledger's transaction.
  const fresh = ledger.getProposal(request.proposalId);
  const late = refusalFor(fresh, request);
  if (late) return { ok: false, refusal: late };
  return {
    ok: false,
    refusal: {
      code: outcome.reason === "hash_mismatch" ? "HASH_MISMATCH" : "NOT_REVIEWABLE",
      message: `Proposal ${request.proposalId} changed while it was being ${VERB[request.decision]}; show it again and decide on what is stored now.`,
    },
  };
}
