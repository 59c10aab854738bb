// The local ledger: evidence, query audit, proposals and lifecycle events.
// One interface so a Postgres-backed ledger can replace SQLite without touching callers.

import type { Receipt } from "../executors/protocol.ts";
import type { Scalar } from "../values.ts";

export interface ReadRecord {
  capability: string;
  tenantId: string;
  principal: string;
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
}

export interface EvidenceBundle {
  id: string;
  capability: string;
  tenantId: string;
  principal: string;
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
  createdAt: string;
}

export interface ProposalGuards {
  tenant: { column: string; value: string };
  conflict?: { column: string; expected: Scalar };
  transitions?: Array<{ column: string; from: Scalar[]; to: Scalar[] }>;
}

export type ProposalState =
  | "review_required"
  | "approved"
  | "rejected"
  | "applied"
  | "already_applied"
  | "conflict"
  | "failed";

export interface NewProposal {
  capability: string;
  tenantId: string;
  principal: string;
  source: string;
  target: { schema?: string; table: string; primaryKey: { column: string; value: string } };
  /** The visible row before the change. */
  before: Record<string, unknown>;
  patch: Record<string, Scalar>;
  after: Record<string, unknown>;
  guards: ProposalGuards;
  args: Record<string, unknown>;
  evidenceId: string;
  approval: { mode: "human"; requiredRole?: string };
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
}

export interface LedgerEvent {
  id: number;
  type: string;
  proposalId?: string;
  tenantId?: string;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** What recordReads answers per record: recordRead's result, or what it threw. */
export type ReadOutcome = { ok: true; evidenceId: string | null; queryAuditId: string } | { ok: false; error: unknown };

/** A person's decision on a proposal, bound to the proposal's hash at the time. */
export interface Decision {
  /** `apr_…` */
  id: string;
  proposalId: string;
  decision: "approved" | "rejected";
  actor: string;
  role: string | null;
  reason: string | null;
  proposalHash: string;
  createdAt: string;
}

export type DecisionOutcome =
  | { ok: true; decision: Decision; proposal: StoredProposal }
  | { ok: false; reason: "not_found" | "not_reviewable" | "hash_mismatch"; state?: ProposalState };

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

export interface Ledger {
  /** Writes the query audit row and (when asked) the evidence bundle in one transaction. */
  recordRead(record: ReadRecord): { evidenceId: string | null; queryAuditId: string };
  /**
   * Records several reads in one transaction (group commit); one outcome per record, in order.
   * A bad record fails alone; a store fault fails them all.
   */
  recordReads(records: readonly ReadRecord[]): ReadOutcome[];
  /** Records a failed query: audit row with the stable code, raw detail kept internally. */
  recordFailure(input: {
    capability: string;
    tenantId?: string;
    principal?: string;
    source?: string;
    table?: string;
    statementFingerprint?: string;
    code: string;
    internal: string;
  }): void;
  createProposal(input: NewProposal): StoredProposal;
  /** With tenantId, only a proposal of that tenant is returned. */
  getProposal(id: string, tenantId?: string): StoredProposal | undefined;
  getEvidence(id: string, tenantId?: string): EvidenceBundle | undefined;
  listProposals(filter?: { tenantId?: string; state?: ProposalState; capability?: string; limit?: number }): StoredProposal[];
  listEvidence(filter?: { tenantId?: string; capability?: string; limit?: number }): EvidenceBundle[];
  listQueryAudit(filter?: { tenantId?: string; capability?: string; limit?: number }): QueryAuditRecord[];
  listEvents(filter?: { afterId?: number; limit?: number; proposalId?: string }): LedgerEvent[];
  /**
   * Approves or rejects atomically: only a proposal in review_required whose stored hash equals
   * expectedHash changes state; appends proposal_approved / proposal_rejected in the same transaction.
   */
  decide(input: {
    proposalId: string;
    decision: "approved" | "rejected";
    actor: string;
    role?: string;
    reason?: string;
    expectedHash: string;
  }): DecisionOutcome;
  listDecisions(proposalId: string): Decision[];
  /** Stores the request about to be sent and appends writeback_job_created. */
  createWritebackJob(proposalId: string, request: Record<string, unknown>): WritebackJob;
  getWritebackJob(id: string): WritebackJob | undefined;
  /**
   * Stores an executor's receipt, moves the proposal to the receipt's status (applied,
   * already_applied, conflict or failed) and appends writeback_<status>, in one transaction.
   */
  recordReceipt(input: { proposalId: string; jobId: string; executor: StoredReceipt["executor"]; receipt: Receipt }): StoredReceipt;
  getReceipt(id: string): StoredReceipt | undefined;
  listReceipts(filter?: { proposalId?: string; tenantId?: string; limit?: number }): StoredReceipt[];
  appendEvent(type: string, detail: Record<string, unknown>, refs?: { proposalId?: string; tenantId?: string }): void;
  close(): void;
}
