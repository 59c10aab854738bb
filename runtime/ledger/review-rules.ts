// The review state machine, written once for every ledger backend. Nothing here touches
// storage: the rules look at records a backend fetched and say what may happen next; the
// backend only stores the result, with a compare-and-set on the state the rules saw.

import type { ReceiptStatus } from "../executors/protocol.ts";
import { changeSetHash } from "./hash.ts";
import type { ProposalState, StoredProposal, WritebackJob } from "./records.ts";

export const PROPOSAL_STATES: readonly ProposalState[] = [
  "review_required",
  "approved",
  "rejected",
  "applied",
  "already_applied",
  "conflict",
  "failed",
];

/** No decision, receipt or apply changes these (failed is not final: apply may retry it). */
export const TERMINAL_STATES: ReadonlySet<ProposalState> = new Set(["rejected", "applied", "already_applied", "conflict"]);

/** States a proposal only reaches after a person approved it: jobs and receipts belong to these. */
export const APPROVED_STATES: ReadonlySet<ProposalState> = new Set(["approved", "applied", "already_applied", "conflict", "failed"]);

/** States a receipt moves; a later receipt for an applied or conflicted proposal is kept but changes nothing. */
const RECEIPT_MOVES_FROM: ReadonlySet<ProposalState> = new Set(["approved", "failed"]);

export const DECISION_EVENTS = { approved: "proposal_approved", rejected: "proposal_rejected" } as const;

export const RECEIPT_EVENTS: Record<ReceiptStatus, string> = {
  applied: "writeback_applied",
  already_applied: "writeback_already_applied",
  conflict: "writeback_conflict",
  failed: "writeback_failed",
};

export type ReviewRefusalCode =
  | "NOT_FOUND"
  | "NOT_REVIEWABLE"
  | "ROLE_REQUIRED"
  | "HASH_MISMATCH"
  | "APPROVAL_REQUIRED"
  | "JOB_NOT_FOUND";

/** Why the ledger will not take a review step; a value, never thrown. */
export interface ReviewRefusal {
  code: ReviewRefusalCode;
  message: string;
  /** The proposal's state when the rules looked, if there was a proposal. */
  state?: ProposalState;
}

export type DecisionKind = "approved" | "rejected";

export interface DecisionRequest {
  proposalId: string;
  decision: DecisionKind;
  actor: string;
  role?: string;
  reason?: string;
  /** The hash of the proposal the person was shown; a proposal that changed since is refused. */
  expectedHash?: string;
}

/** The state a receipt with `status` moves a proposal in `state` to, or undefined when it stays. */
export function stateAfterReceipt(state: ProposalState, status: ReceiptStatus): ProposalState | undefined {
  return RECEIPT_MOVES_FROM.has(state) ? status : undefined;
}

/**
 * Why this person may not decide this proposal now, or undefined when they may.
 * The required role gates approval only: rejecting is the safe direction (nothing is ever
 * written), and any reviewer must be able to stop a change they find wrong.
 */
export function decisionRefusal(proposal: StoredProposal | undefined, request: DecisionRequest): ReviewRefusal | undefined {
  const id = request.proposalId;
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${id} in this store.` };
  const state = proposal.state;
  if (state !== "review_required") {
    return {
      code: "NOT_REVIEWABLE",
      message: `Proposal ${id} is ${state}; only a proposal in review_required can be ${request.decision}. Nothing changed.`,
      state,
    };
  }
  const required = proposal.approval.requiredRole;
  if (request.decision === "approved" && required !== undefined && request.role !== required) {
    const given = request.role === undefined ? "no --role was given" : `--role ${request.role} was given`;
    return {
      code: "ROLE_REQUIRED",
      message: `Proposal ${id} must be approved by the role ${required}, but ${given}. Pass --role ${required} if you hold it. Nothing changed.`,
      state,
    };
  }
  if (changeSetHash(proposal) !== proposal.hash) {
    return {
      code: "HASH_MISMATCH",
      message: `Proposal ${id} no longer matches its hash: the stored change set was altered after it was proposed, so it cannot be ${request.decision}.`,
      state,
    };
  }
  if (request.expectedHash !== undefined && request.expectedHash !== proposal.hash) {
    return {
      code: "HASH_MISMATCH",
      message: `Proposal ${id} changed after it was shown; show it again and decide on what is stored now.`,
      state,
    };
  }
  return undefined;
}

/** Why no writeback job may be recorded for this proposal, or undefined when it may. */
export function jobRefusal(proposal: StoredProposal | undefined, proposalId: string): ReviewRefusal | undefined {
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${proposalId} for a writeback job.` };
  if (!APPROVED_STATES.has(proposal.state)) {
    return {
      code: "APPROVAL_REQUIRED",
      message: `Proposal ${proposalId} is ${proposal.state}; a writeback job needs an approved proposal.`,
      state: proposal.state,
    };
  }
  return undefined;
}

/** Why this receipt may not be recorded, or undefined when it may. */
export function receiptRefusal(proposal: StoredProposal | undefined, job: WritebackJob | undefined, input: { proposalId: string; jobId: string }): ReviewRefusal | undefined {
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${input.proposalId} for a receipt.` };
  if (!APPROVED_STATES.has(proposal.state)) {
    return {
      code: "APPROVAL_REQUIRED",
      message: `Proposal ${input.proposalId} is ${proposal.state}; a receipt needs an approved proposal.`,
      state: proposal.state,
    };
  }
  if (!job || job.proposalId !== input.proposalId) {
    return { code: "JOB_NOT_FOUND", message: `Writeback job ${input.jobId} does not belong to proposal ${input.proposalId}.`, state: proposal.state };
  }
  return undefined;
}
