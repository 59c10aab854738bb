// What the ledger records: reads (evidence and query audit), proposals, decisions, writeback
// jobs, receipts and lifecycle events. Plain data, shared by every backend and every caller.

import type { Receipt } from "../executors/protocol.ts";
import type { Scalar } from "../values.ts";

export interface ReadRecord {
  capability: string;
  tenantId: string;
  principal: string;
  /** The caller's verified roles (http_jwt with claims.roles); absent when no roles claim is mapped. */
  roles?: readonly string[];
  source: string;
  /** "schema.table" or "table". */
  table: string;
  /** SHA-256 (hex, first 16 chars is fine) of the fixed statement text. */
  statementFingerprint: string;
  /** Model arguments as received (after validation). */
  args: Record<string, unknown>;
  /** Bound parameter values with trusted-context values replaced by their names. */
  redactedParams: unknown[];
  /** Projected rows exactly as returned to the model. */
  rows: Record<string, unknown>[];
  /** Primary-key values of the rows, as strings. */
  objectIds: string[];
  durationMs: number;
  /** Write an evidence bundle (false only when a capability says evidence: "optional" and nothing was found). */
  withEvidence: boolean;
  /** The caller's W3C traceparent (version 00, validated), when the call carried one. */
  traceparent?: string;
}

export interface EvidenceBundle {
  id: string;
  capability: string;
  tenantId: string;
  principal: string;
  /** The caller's verified roles, when an http_jwt roles claim gave them. */
  roles?: string[];
  table: string;
  objectIds: string[];
  args: Record<string, unknown>;
  rows: Record<string, unknown>[];
  queryAuditId: string;
  createdAt: string;
}

export interface QueryAuditRecord {
  id: string;
  capability: string;
  tenantId: string;
  principal: string;
  source: string;
  table: string;
  statementFingerprint: string;
  rowCount: number;
  durationMs: number;
  redactedParams: unknown[];
  outcome: "ok" | "error";
  errorCode?: string;
  /** The evidence bundle this read also wrote (same key), or null (a failure, or a read without evidence). */
  evidenceId: string | null;
  /** The caller's W3C traceparent, or null (none sent, an invalid one, or a store written before it was kept). */
  traceparent: string | null;
  createdAt: string;
}

export interface ProposalGuards {
  tenant: { column: string; value: string };
  conflict?: { column: string; expected: Scalar };
  transitions?: Array<{ column: string; from: Scalar[]; to: Scalar[] }>;
  /** Read-only preconditions the row met when proposed; apply's UPDATE requires them again. */
  preconditions?: Array<{ column: string; oneOf: Scalar[] }>;
}

export type ProposalState =
  | "review_required"
  | "approved"
  | "rejected"
  | "applied"
  | "already_applied"
  | "conflict"
  | "failed"
  | "expired";

/** Why a review record does not verify against this process's ledger keys. */
export type VerificationProblem =
  /** Stored before records were sealed with a keyed MAC, or its MAC was removed. */
  | "unsealed"
  /** Sealed with a key this process does not have (lost, not shared, or its key id was edited). */
  | "unknown_key"
  /** Its keyed MAC does not match: it was changed outside synapsor-runner. */
  | "mismatch";

/** Whether a proposal or decision is exactly what synapsor-runner wrote (keyed MAC, see seal.ts). */
export interface Verification {
  verified: boolean;
  /** The key that sealed the record; null when it was never sealed. */
  keyId: string | null;
  problem: VerificationProblem | null;
  /** What does not verify and what to do, naming the key id and where keys are read from; null when verified. */
  message: string | null;
}

/** One keyed MAC checked on its own: "verified", or why it does not verify. */
export type SealStatus = "verified" | VerificationProblem;

/**
 * A proposal's verification, with its two seals also apart: `verified` needs both, while the
 * review rules ask about the state seal alone (every transition re-seals the state it read).
 */
export interface ProposalVerification extends Verification {
  seals: {
    /** The immutable record (change set, hash, plan hash, ids). */
    record: SealStatus;
    /** The current state and its time, bound to the record's MAC. */
    state: SealStatus;
  };
}

/**
 * Who must approve a proposal, and for how long: the capability's settings, carried by every
 * proposal (part of its hashed, sealed change set) so the ledger's rules enforce them with no
 * config at hand.
 */
export interface ProposalApproval {
  mode: "human";
  requiredRole?: string;
  /** approval.expires_after as configured ("72h"): how long the proposal waits for a decision. */
  expiresAfter?: string;
  /** approval.valid_for as configured ("24h"): how long an approval stays valid for apply. */
  validFor?: string;
  /**
   * "declared": the capability was built with reviewers declared, so a decision must come from an
   * established reviewer (an OS user, a credential, a console link or a verified token), never a
   * self-declared one. Absent: reviewers name themselves.
   */
  reviewers?: "declared";
  /**
   * The review deadline, fixed by the ledger when it stores the proposal (its creation time plus
   * expiresAfter); whatever a caller passes here is replaced. Absent when expiresAfter is.
   */
  expiresAt?: string;
}

export interface NewProposal {
  capability: string;
  tenantId: string;
  principal: string;
  /** The proposer's verified roles (http_jwt with claims.roles); part of the hashed change set when present. */
  roles?: readonly string[];
  source: string;
  target: { schema?: string; table: string; primaryKey: { column: string; value: string } };
  /** The visible row before the change. */
  before: Record<string, unknown>;
  patch: Record<string, Scalar>;
  after: Record<string, unknown>;
  guards: ProposalGuards;
  args: Record<string, unknown>;
  evidenceId: string;
  approval: ProposalApproval;
  executor: { name: string; type: "sql_update" | "http_handler" | "command_handler" };
  /** The capability's compiled plan hash when proposed; apply refuses a proposal made under another plan. */
  planHash?: string | null;
}

export interface StoredProposal extends NewProposal {
  id: string;
  planHash: string | null;
  /** SHA-256 of the canonical JSON of the immutable change set; approvals bind to it. */
  hash: string;
  state: ProposalState;
  createdAt: string;
  /** The proposal record and its state, checked against the ledger keys when read. */
  verification: ProposalVerification;
}

/** A proposal's replay is named after it: `replay_` + the proposal id (the synapsor://replay/ resource, `replay show`). */
export const REPLAY_ID_PREFIX = "replay_";

export interface LedgerEvent {
  id: number;
  type: string;
  proposalId?: string;
  tenantId?: string;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** The ids a recorded read gets; both share one key, so either finds the read. */
export interface ReadIds {
  evidenceId: string | null;
  queryAuditId: string;
}

/** What recordReads answers per record: recordRead's result, or what it failed with. */
export type ReadOutcome = ({ ok: true } & ReadIds) | { ok: false; error: unknown };

/** A failed query: an audit row with the stable code; the raw detail is kept for operators only. */
export interface FailureRecord {
  capability: string;
  tenantId?: string;
  principal?: string;
  roles?: readonly string[];
  source?: string;
  table?: string;
  statementFingerprint?: string;
  code: string;
  internal: string;
  /** The caller's W3C traceparent, validated, when the failed call carried one. */
  traceparent?: string;
}

/** A failure's raw detail, kept for the operator (credentials redacted), with the call it belongs to. */
export interface InternalErrorRecord {
  id: number;
  code: string;
  queryAuditId: string;
  capability: string | null;
  tenantId: string | null;
  principal: string | null;
  source: string | null;
  table: string | null;
  detail: string;
  createdAt: string;
}

export interface InternalErrorFilter {
  code?: string;
  capability?: string;
  /** ISO 8601 time; only errors recorded at or after it. */
  since?: string;
  limit?: number;
}

export interface ReadFilter {
  tenantId?: string;
  capability?: string;
  /** Only reads that returned this object: as ProposalFilter.object (a key value, or table:value). */
  object?: string;
  source?: string;
  /** Only reads of this table, named bare ("invoices") or schema-qualified ("public.invoices"). */
  table?: string;
  /** ISO 8601 time: only records created at or after it. */
  since?: string;
  /** ISO 8601 time: only records created at or before it. */
  until?: string;
  /** Query audit only: the read that wrote this evidence bundle. */
  evidenceId?: string;
  /** Query audit only. */
  outcome?: "ok" | "error";
  /** Query audit only: calls whose traceparent carries this trace-id (32 lowercase hex digits). */
  traceId?: string;
  limit?: number;
}

export interface ProposalFilter {
  tenantId?: string;
  state?: ProposalState;
  capability?: string;
  /**
   * Only proposals for this object: its primary-key value ("INV-3001"), or that value after the
   * table and a colon, the table bare or schema-qualified ("invoices:INV-3001", "public.invoices:INV-3001").
   */
  object?: string;
  source?: string;
  /** The target table, bare ("invoices") or schema-qualified ("public.invoices"). */
  table?: string;
  /** ISO 8601 times, both inclusive, on the proposal's creation. */
  since?: string;
  until?: string;
  /** The proposal made on this evidence bundle. */
  evidenceId?: string;
  limit?: number;
}

/**
 * Without afterId: the latest events, newest first. With afterId: the events after that id,
 * oldest first, so a tail can page forward by passing the last id it saw without skipping any.
 */
export interface EventFilter {
  afterId?: number;
  limit?: number;
  proposalId?: string;
}

export interface ReceiptFilter {
  proposalId?: string;
  tenantId?: string;
  limit?: number;
}

/** An event about to be appended; the ledger assigns its id. */
export interface NewEvent {
  type: string;
  proposalId?: string;
  tenantId?: string;
  detail: Record<string, unknown>;
  createdAt: string;
}

/**
 * How the person who decided was established: `self_declared` (they typed --actor and --role; no
 * reviewers are declared), `os_user` (the CLI's operating-system user, mapped to a declared
 * reviewer), `credential` (a declared reviewer named at the CLI with their token), `console_link`
 * (the review console's sign-in link of a declared reviewer), `verified_token` (a token the
 * configured identity provider verified).
 */
export type EstablishedBy = "self_declared" | "os_user" | "credential" | "console_link" | "verified_token";

export const ESTABLISHED_BY: readonly EstablishedBy[] = ["self_declared", "os_user", "credential", "console_link", "verified_token"];

/** A person's decision on a proposal, bound to the proposal's keyed MAC and the before-row it was shown. */
export interface Decision {
  /** `apr_…` */
  id: string;
  proposalId: string;
  decision: "approved" | "rejected";
  actor: string;
  role: string | null;
  reason: string | null;
  /** How the actor was established; null for decisions stored before it was recorded (all self-declared). */
  establishedBy: EstablishedBy | null;
  proposalHash: string;
  /** SHA-256 of the before-row the person was shown; null for decisions stored before keyed MACs. */
  beforeHash: string | null;
  createdAt: string;
  /** The decision's keyed MAC, and its binding to the proposal's MAC and before-row. */
  verification: Verification;
}

export interface WritebackJob {
  /** `job_…` */
  id: string;
  proposalId: string;
  /** The WritebackRequest sent to the executor, exactly as sent. */
  request: Record<string, unknown>;
  createdAt: string;
}

export interface StoredReceipt {
  /** `rcp_…` */
  id: string;
  proposalId: string;
  jobId: string;
  tenantId: string;
  executor: { name: string; type: "sql_update" | "http_handler" | "command_handler" };
  receipt: Receipt;
  createdAt: string;
}
