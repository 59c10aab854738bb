// The review state machine, written once for every ledger backend. Nothing here touches
// storage: the rules look at records a backend fetched and say what may happen next; the
// backend only stores the result, with a compare-and-set on the state the rules saw.

import type { ReceiptStatus } from "../executors/protocol.ts";
import { addDuration } from "../duration.ts";
import { changeSetHash } from "./hash.ts";
import type { Decision, EstablishedBy, ProposalState, StoredProposal, WritebackJob } from "./records.ts";

export const PROPOSAL_STATES: readonly ProposalState[] = [
  "review_required",
  "approved",
  "rejected",
  "applied",
  "already_applied",
  "conflict",
  "failed",
  "expired",
];

/**
 * Which state may follow which (SPEC §5): review_required → approved | rejected | expired;
 * approved → applied | already_applied | conflict | failed; failed may be retried. An approved
 * proposal nothing was written for may also be retired (expired: an approval window or a stale
 * plan). Every transition (a decision, an expiry, a receipt) and the storages' compare-and-set
 * obey this one table, so no path, and no second process, moves a proposal out of a final state.
 */
export const TRANSITIONS: Readonly<Record<ProposalState, readonly ProposalState[]>> = {
  review_required: ["approved", "rejected", "expired"],
  approved: ["applied", "already_applied", "conflict", "failed", "expired"],
  failed: ["applied", "already_applied", "conflict", "failed"],
  rejected: [],
  expired: [],
  applied: [],
  already_applied: [],
  conflict: [],
};

/**
 * The states the open-proposal cap (limits.open_proposals_per_tenant) counts: waiting for a
 * decision, or approved and waiting for apply; each leaves by a decision, an apply or an expiry.
 * failed is left out: only an operator's successful retry moves it, so counting it could lock a
 * tenant's agents out for good over an executor outage that is not theirs to fix.
 */
export const OPEN_STATES: readonly ProposalState[] = ["review_required", "approved"];

/** States nothing ever leaves: rejected, expired, applied, already_applied, conflict. */
export const FINAL_STATES: ReadonlySet<ProposalState> = new Set(PROPOSAL_STATES.filter((s) => TRANSITIONS[s].length === 0));

export function mayMove(from: ProposalState, to: ProposalState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states `to` may be reached from: what a storage's compare-and-set accepts as the state it replaces. */
export function statesBefore(to: ProposalState): ProposalState[] {
  return PROPOSAL_STATES.filter((from) => mayMove(from, to));
}

/** What `proposals expire` may retire: nothing has been written for these yet. */
export const EXPIRABLE_STATES: ReadonlySet<ProposalState> = new Set(statesBefore("expired"));

/** States a proposal only reaches after a person approved it: jobs and receipts belong to these. */
export const APPROVED_STATES: ReadonlySet<ProposalState> = new Set(["approved", "applied", "already_applied", "conflict", "failed"]);

/** States an executor may still be run for: approved, and failed (a retry). */
export const WRITABLE_STATES: ReadonlySet<ProposalState> = new Set(statesBefore("applied"));

/** Transitions that only retire a proposal: nothing is ever written for it afterwards. */
const RETIRING_STATES: ReadonlySet<ProposalState> = new Set(["rejected", "expired"]);

export const DECISION_EVENTS = { approved: "proposal_approved", rejected: "proposal_rejected" } as const;

export const EXPIRY_EVENT = "proposal_expired";

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
  | "UNVERIFIED"
  | "SELF_APPROVAL"
  | "APPROVAL_REQUIRED"
  | "JOB_NOT_FOUND"
  | "NOT_EXPIRABLE"
  | "WRITE_IN_DOUBT"
  | "FINAL_STATE"
  | "NOT_ALLOWED"
  /** The proposal's review deadline passed: it expires instead of being decided. */
  | "EXPIRED"
  /** The approval is older than the proposal's approval window (approval.valid_for): nothing is sent on it. */
  | "APPROVAL_WINDOW_PASSED"
  /** Reviewers are declared for this proposal's capability, and the decision names a self-declared one. */
  | "REVIEWER_NOT_ESTABLISHED";

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
  /**
   * How the actor was established (records.ts EstablishedBy); recorded and sealed with the
   * decision. Default self_declared: a caller that does not say is taken at its word, and says so.
   */
  establishedBy?: EstablishedBy;
  /**
   * Other names the deciding person goes by (the OS user running the CLI, a declared reviewer's
   * os_users): none of them may be the proposal's principal either. Checked, never recorded.
   */
  alsoKnownAs?: readonly string[];
  /** The hash of the proposal the person was shown; a proposal that changed since is refused. */
  expectedHash?: string;
}

/** Why nothing more happens to a proposal in a final state, in words that say what to do instead. */
export function finalStateMessage(id: string, state: ProposalState): string {
  switch (state) {
    case "conflict":
      return `Proposal ${id} ended in conflict, which is final: the row no longer matched the proposal when it was applied, so it is never applied again, ` +
        "not even onto a row that was put back or re-created. Nothing was written. Have the agent read the row again and propose the change anew.";
    case "applied":
    case "already_applied":
      return `Proposal ${id} is ${state}, which is final: its change is in place and it is never written again. Nothing changed.`;
    case "rejected":
      return `Proposal ${id} was rejected, which is final; a rejected proposal is never applied. Nothing changed.`;
    case "expired":
      return `Proposal ${id} expired, which is final; an expired proposal is never applied. Propose the change again.`;
    default:
      return `Proposal ${id} is ${state}. Nothing changed.`;
  }
}

/**
 * Why this proposal's state may not move to `next`, or undefined when it may: the one rule every
 * transition (a decision, an expiry, a receipt) obeys. The move must be in TRANSITIONS, so a
 * final state never moves. And because each transition re-seals the state it read, that state's
 * own seal must verify: re-sealing a state someone set in the file would make their edit genuine
 * (an applied proposal set back to approved, then expired as "never applied"). Moving towards a
 * write (approved, or a receipt's status) needs the immutable record to verify too; retiring
 * (rejected, expired) does not, so a reviewer can always stop a change whose record no longer
 * verifies. A proposal stored before keyed MACs (record and state both unsealed) may be retired
 * as well: its record can never verify, so sealing its new state vouches for nothing.
 */
export function transitionRefusal(proposal: StoredProposal, next: ProposalState): ReviewRefusal | undefined {
  const verification = proposal.verification;
  const { record, state } = verification.seals;
  const allowed = RETIRING_STATES.has(next)
    ? state === "verified" || (record === "unsealed" && state === "unsealed")
    : verification.verified;
  if (!allowed) return { code: "UNVERIFIED", message: `${verification.message} Nothing changed.`, state: proposal.state };
  if (!mayMove(proposal.state, next)) {
    const final = FINAL_STATES.has(proposal.state);
    return {
      code: final ? "FINAL_STATE" : "NOT_ALLOWED",
      message: final ? finalStateMessage(proposal.id, proposal.state) : `Proposal ${proposal.id} is ${proposal.state}; it cannot become ${next}. Nothing changed.`,
      state: proposal.state,
    };
  }
  return undefined;
}

/**
 * Why this person may not decide this proposal now, or undefined when they may. A proposal past
 * its review deadline may not be decided at all (EXPIRED): the ledger expires it instead.
 * The required role gates approval only, and so do the record's keyed MAC and the proposer rule:
 * rejecting is the safe direction (nothing is ever written), and any reviewer must be able to
 * stop a change they find wrong, a proposal whose record no longer verifies included (its state
 * seal must still verify, as for every transition: see transitionRefusal).
 */
export function decisionRefusal(proposal: StoredProposal | undefined, request: DecisionRequest, now: Date = new Date()): ReviewRefusal | undefined {
  const id = request.proposalId;
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${id} in this store.` };
  const state = proposal.state;
  const approving = request.decision === "approved";
  const refused = transitionRefusal(proposal, request.decision);
  if (refused && refused.code !== "UNVERIFIED") {
    return {
      code: "NOT_REVIEWABLE",
      message: `Proposal ${id} is ${state}${FINAL_STATES.has(state) ? " (final)" : ""}; only a proposal in review_required can be ${request.decision}. Nothing changed.`,
      state,
    };
  }
  if (refused) return refused;
  if (reviewDeadlinePassed(proposal, now)) {
    return {
      code: "EXPIRED",
      message: `Proposal ${id} expired at ${reviewDeadline(proposal)}: a proposal waits for a decision only until its deadline ` +
        `(approval.expires_after ${proposal.approval.expiresAfter}), and then it can never be approved or applied. Propose the change again.`,
      state,
    };
  }
  if (proposal.approval.reviewers === "declared" && (request.establishedBy ?? "self_declared") === "self_declared") {
    return {
      code: "REVIEWER_NOT_ESTABLISHED",
      message: `Proposal ${id} was made under a contract that declares its reviewers, so a decision must come from an established reviewer, ` +
        "not a name typed on the command line. Pass --config (the contract, whose reviewers say who you are) and decide as the OS user that maps to you, " +
        "or as --reviewer ID with your token; or use the review console's sign-in link. Nothing changed.",
      state,
    };
  }
  if (approving && [request.actor, ...(request.alsoKnownAs ?? [])].some((name) => sameParty(name, proposal.principal))) {
    return {
      code: "SELF_APPROVAL",
      message: `Proposal ${id} was proposed by ${proposal.principal}; whoever proposed a change can never approve it. Another person must approve it. Nothing changed.`,
      state,
    };
  }
  const required = proposal.approval.requiredRole;
  if (approving && required !== undefined && request.role !== required) {
    const given = request.role === undefined ? "no --role was given" : `--role ${request.role} was given`;
    return {
      code: "ROLE_REQUIRED",
      message: `Proposal ${id} must be approved by the role ${required}, but ${given}. Pass --role ${required} if you hold it. Nothing changed.`,
      state,
    };
  }
  if (approving && changeSetHash(proposal) !== proposal.hash) {
    return {
      code: "HASH_MISMATCH",
      message: `Proposal ${id} no longer matches its hash: the stored change set was altered after it was proposed, so it cannot be approved.`,
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

/** Principals and actors are names typed by people and configs; case and surrounding blanks do not make a second person. */
function sameParty(actor: string, principal: string): boolean {
  return actor.trim().toLowerCase() === principal.trim().toLowerCase();
}

export type ApprovalCheck = { ok: true; approval: Decision } | { ok: false; refusal: ReviewRefusal };

/**
 * The approval that authorises writing this proposal, or why there is none. Both records must
 * verify (keyed MACs), the approval must be bound to this proposal's MAC and before-row (its
 * verification says so), and the stored change set must still hash to what was approved.
 */
export function approvalFor(proposal: StoredProposal | undefined, decisions: readonly Decision[], proposalId: string): ApprovalCheck {
  const refuse = (code: ReviewRefusalCode, message: string): ApprovalCheck => ({ ok: false, refusal: { code, message, ...(proposal ? { state: proposal.state } : {}) } });
  if (!proposal) return refuse("NOT_FOUND", `No proposal ${proposalId} in this store.`);
  if (!proposal.verification.verified) return refuse("UNVERIFIED", `${proposal.verification.message} Nothing was written.`);
  const id = proposal.id;
  if (proposal.state === "review_required") {
    return refuse("APPROVAL_REQUIRED", `Proposal ${id} has not been approved; a person must run \`synapsor-runner proposals approve ${id}\` first.`);
  }
  // Never approved: there is no approval to check.
  if (!APPROVED_STATES.has(proposal.state)) return refuse("APPROVAL_REQUIRED", finalStateMessage(id, proposal.state));
  // Approved once, but final now (applied, already_applied, conflict): nothing is ever sent again.
  if (!WRITABLE_STATES.has(proposal.state)) return refuse("FINAL_STATE", finalStateMessage(id, proposal.state));
  // Any decision on record that does not verify taints the proposal: an edited rejection is as telling as an edited approval.
  const tampered = decisions.find((d) => !d.verification.verified);
  if (tampered) return refuse("UNVERIFIED", `${tampered.verification.message} Nothing was written.`);
  const approval = decisions.filter((d) => d.decision === "approved").at(-1);
  if (!approval) return refuse("APPROVAL_REQUIRED", `Proposal ${id} has no approval on record.`);
  if (approval.proposalId !== id || approval.proposalHash !== proposal.hash || changeSetHash(proposal) !== proposal.hash) {
    return refuse("HASH_MISMATCH", `Proposal ${id} changed after it was approved; its approval does not cover the stored change set.`);
  }
  return { ok: true, approval };
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

/**
 * Why this proposal may not expire now, or undefined when it may. `jobs` is how many writeback
 * jobs it has: an approved proposal with a job has no receipt yet (any receipt moves it on), so
 * its write may have happened with the ledger missing the receipt; expiring it (final) would
 * leave a written change that reconcile and apply both skip.
 */
export function expiryRefusal(proposal: StoredProposal | undefined, proposalId: string, jobs: number): ReviewRefusal | undefined {
  if (!proposal) return { code: "NOT_FOUND", message: `No proposal ${proposalId} in this store.` };
  const refused = transitionRefusal(proposal, "expired");
  if (refused?.code === "UNVERIFIED") return refused;
  if (refused) {
    return {
      code: "NOT_EXPIRABLE",
      message: `Proposal ${proposalId} is ${proposal.state}; only a proposal in review_required or approved can expire.`,
      state: proposal.state,
    };
  }
  if (proposal.state === "approved" && jobs > 0) {
    return {
      code: "WRITE_IN_DOUBT",
      message: `Proposal ${proposalId} was sent to its executor but the ledger has no receipt for it, so the change may have been written. ` +
        `It does not expire: run \`synapsor-runner receipts reconcile --proposal ${proposalId}\` to record what the target database says.`,
      state: proposal.state,
    };
  }
  return undefined;
}

/** When a proposal stops waiting for a decision (fixed into it when it was made), or undefined when no deadline was configured. */
export function reviewDeadline(proposal: Pick<StoredProposal, "approval">): string | undefined {
  return proposal.approval.expiresAfter === undefined && proposal.approval.expiresAt === undefined ? undefined : String(proposal.approval.expiresAt);
}

/**
 * Whether a proposal in review_required is past its deadline at `now`. Fails closed: a deadline
 * that does not read as a time (the record would not verify either) counts as passed.
 */
export function reviewDeadlinePassed(proposal: Pick<StoredProposal, "approval" | "state">, now: Date): boolean {
  if (proposal.state !== "review_required") return false;
  const deadline = reviewDeadline(proposal);
  if (deadline === undefined) return false;
  const at = Date.parse(deadline);
  return Number.isNaN(at) || now.getTime() >= at;
}

/** Until when an approval may be acted on (approval time plus approval.valid_for), or undefined when it does not lapse; "" when unreadable. */
export function approvalValidUntil(proposal: Pick<StoredProposal, "approval">, approval: Pick<Decision, "createdAt">): string | undefined {
  const window = proposal.approval.validFor;
  if (window === undefined) return undefined;
  return addDuration(approval.createdAt, window) ?? "";
}

/**
 * Why nothing may be sent on this approval any more, or undefined while it is valid. Apply and
 * the ledger's writeback job both ask; reconciling what was already written does not (a receipt
 * records the past, whatever the window). Fails closed on an unreadable window.
 */
export function approvalWindowRefusal(proposal: StoredProposal, approval: Decision, now: Date): ReviewRefusal | undefined {
  const until = approvalValidUntil(proposal, approval);
  if (until === undefined) return undefined;
  const at = Date.parse(until);
  if (!Number.isNaN(at) && now.getTime() < at) return undefined;
  return {
    code: "APPROVAL_WINDOW_PASSED",
    message: `The approval ${approval.id} of proposal ${proposal.id} was valid until ${until || "(unreadable)"} (approval.valid_for ${proposal.approval.validFor} after it was given); ` +
      "nothing is sent on an approval that old. The agent must propose the change again, and a person approve it anew.",
    state: proposal.state,
  };
}

/** The next deadline a person should know about: the review deadline while pending, the approval window once approved. */
export function currentDeadline(proposal: StoredProposal, approval: Decision | undefined): { kind: "review" | "approval"; at: string } | null {
  if (proposal.state === "review_required") {
    const at = reviewDeadline(proposal);
    return at === undefined ? null : { kind: "review", at };
  }
  if (WRITABLE_STATES.has(proposal.state) && approval) {
    const at = approvalValidUntil(proposal, approval);
    return at === undefined ? null : { kind: "approval", at };
  }
  return null;
}
