// The ledger as callers see it: four small asynchronous ports, one per concern, so a backend
// that answers over the network (a Postgres ledger) fits behind the same calls as SQLite.
// Refusals of the review rules are values; a rejected promise means the store itself failed
// (StoreUnavailableError) or a bug.

import type { Receipt } from "../executors/protocol.ts";
import type {
  Decision,
  EventFilter,
  EvidenceBundle,
  FailureRecord,
  InternalErrorFilter,
  InternalErrorRecord,
  LedgerEvent,
  NewProposal,
  ProposalFilter,
  QueryAuditRecord,
  ReadFilter,
  ReadIds,
  ReadOutcome,
  ReadRecord,
  ReceiptFilter,
  StoredProposal,
  StoredReceipt,
  WritebackJob,
} from "./records.ts";
import type { KeyRing } from "./keys/key-ring.ts";
import type { DecisionRequest, ReviewRefusal } from "./review-rules.ts";
import type { ServerInfo, ServerRegistration, ServerRow } from "./postgres/servers.ts";

/** The most one list call returns, whatever limit is asked for; a scan of more takes several runs. */
export const LIST_LIMIT = 10_000;

/** The tool-call hot path: every read leaves a query audit row and, usually, an evidence bundle. */
export interface ReadLog {
  /**
   * Records one read. Reads arriving in the same event-loop turn share one transaction (group
   * commit); the promise settles once that transaction has committed.
   */
  recordRead(record: ReadRecord): Promise<ReadIds>;
  /** Records several reads in one transaction; one outcome per record, in order. A bad record fails alone. */
  recordReads(records: readonly ReadRecord[]): Promise<ReadOutcome[]>;
  /** Records a failed query: an audit row with the stable code, the raw detail kept internally. */
  recordFailure(failure: FailureRecord): Promise<void>;
  /** With tenantId, only a bundle of that tenant is returned. */
  getEvidence(id: string, tenantId?: string): Promise<EvidenceBundle | undefined>;
  /** Newest first. */
  listEvidence(filter?: ReadFilter): Promise<EvidenceBundle[]>;
  /** With tenantId, only an audit row of that tenant is returned. */
  getQueryAudit(id: string, tenantId?: string): Promise<QueryAuditRecord | undefined>;
  /** Newest first; failures included. */
  listQueryAudit(filter?: ReadFilter): Promise<QueryAuditRecord[]>;
  /** The raw details recordFailure kept, newest first. Operators only: never shown to a model. */
  listInternalErrors(filter?: InternalErrorFilter): Promise<InternalErrorRecord[]>;
  getInternalError(id: number): Promise<InternalErrorRecord | undefined>;
}

export type DecisionOutcome = { ok: true; decision: Decision; proposal: StoredProposal } | { ok: false; refusal: ReviewRefusal };

/** An approved proposal whose record, state and approval all verify, or why not. */
export type ApprovalOutcome = { ok: true; proposal: StoredProposal; approval: Decision } | { ok: false; refusal: ReviewRefusal };

export type ExpiryOutcome = { ok: true; value: StoredProposal } | { ok: false; refusal: ReviewRefusal };

/**
 * Proposals and the decisions people take on them. Every record read comes with its
 * verification (keyed MACs checked against the ledger keys); nothing unverified is approved,
 * and nothing is approved by whoever proposed it.
 */
export interface ProposalLog {
  /** Seals and stores a new proposal in review_required, and appends proposal_created. */
  create(input: NewProposal): Promise<StoredProposal>;
  /**
   * create, unless the proposal's tenant already has `openLimit` open proposals (review-rules.ts
   * OPEN_STATES): counted and stored in one write transaction. undefined: at the limit, nothing stored.
   */
  createWithinLimit(input: NewProposal, openLimit: number): Promise<StoredProposal | undefined>;
  /** The tenant's proposals in OPEN_STATES (waiting for a decision or for apply). */
  countOpen(tenantId: string): Promise<number>;
  /** With tenantId, only a proposal of that tenant is returned. */
  get(id: string, tenantId?: string): Promise<StoredProposal | undefined>;
  /** Newest first. */
  list(filter?: ProposalFilter): Promise<StoredProposal[]>;
  /**
   * How many proposals each stored state value has, across tenants (operational figures for
   * metrics; not verified against the seals). Bounded: at most a few dozen distinct values.
   */
  countByState(): Promise<Array<{ state: string; count: number }>>;
  /** Oldest first; a proposal has at most one. */
  decisions(proposalId: string): Promise<Decision[]>;
  /**
   * Approves or rejects under the review rules, and appends proposal_approved / proposal_rejected.
   * A proposal past its review deadline is expired instead (EXPIRED, and proposal_expired).
   */
  decide(request: DecisionRequest): Promise<DecisionOutcome>;
  /** What apply needs before any executor runs: the proposal and its approval, both verified. */
  approval(proposalId: string): Promise<ApprovalOutcome>;
  /** Retires a proposal in review_required or approved (state expired, final) and appends proposal_expired with `detail`. */
  expire(proposalId: string, detail: Record<string, unknown>): Promise<ExpiryOutcome>;
  /**
   * Expires every proposal that is overdue by the ledger's clock: in review_required past its
   * review deadline (approval.expiresAt), or approved, with nothing sent yet, past its approval
   * window (approval.validFor). Each gets proposal_expired with the reason; returns them.
   */
  expireOverdue(): Promise<StoredProposal[]>;
}

export type WritebackOutcome<T> = { ok: true; value: T } | { ok: false; refusal: ReviewRefusal };

export interface ReceiptInput {
  proposalId: string;
  jobId: string;
  executor: StoredReceipt["executor"];
  receipt: Receipt;
  /**
   * Where the receipt comes from: the executor's answer to this run (default), or the receipt
   * table of the target database, read back because the ledger missed the run that wrote it.
   */
  origin?: "executor" | "target_receipt";
}

/** What the apply step sent to an executor, and what the executor answered. */
export interface WritebackLog {
  /** Stores the request about to be sent (verified, approved proposals only) and appends writeback_job_created. */
  createJob(proposalId: string, request: Record<string, unknown>): Promise<WritebackOutcome<WritebackJob>>;
  getJob(id: string): Promise<WritebackJob | undefined>;
  /** A proposal's jobs, newest first. */
  listJobs(proposalId: string): Promise<WritebackJob[]>;
  /**
   * Stores an executor's receipt, moves the proposal to the receipt's status and appends
   * writeback_<status>, in one transaction, so the state always equals the latest receipt. A
   * receipt that cannot move the state (final, or no longer verifying) is refused (FINAL_STATE,
   * UNVERIFIED) and kept only as a writeback_late_receipt event.
   */
  recordReceipt(input: ReceiptInput): Promise<WritebackOutcome<StoredReceipt>>;
  getReceipt(id: string): Promise<StoredReceipt | undefined>;
  /** Newest first. */
  listReceipts(filter?: ReceiptFilter): Promise<StoredReceipt[]>;
}

/** The lifecycle events every review step appends. */
export interface EventLog {
  append(type: string, detail: Record<string, unknown>, refs?: { proposalId?: string; tenantId?: string }): Promise<void>;
  list(filter?: EventFilter): Promise<LedgerEvent[]>;
}

/** One open ledger. Open it with openLedger (open.ts); close it once. */
export interface Ledger {
  readonly reads: ReadLog;
  readonly proposals: ProposalLog;
  readonly writeback: WritebackLog;
  readonly events: EventLog;
  /** The keys this ledger seals and verifies review records with. */
  readonly keys: KeyRing;
  /** Takes the store's write lock and lets it go; rejects (StoreUnavailableError) when nothing could be written. */
  checkWritable(): Promise<void>;
  /**
   * How the ledger's own connection commits, read back from it (SQLite: "FULL" or "NORMAL"), so the
   * start-up log states what is in force rather than what was asked; absent for other ledgers.
   */
  readonly synchronous?: string;
  /**
   * Records this process as a server of the ledger, with a heartbeat, until stop() or close(). Only ledgers
   * that several servers share (Postgres) have it; a SQLite store uses the file lease (lease.ts).
   */
  registerServer?(info: ServerInfo): Promise<ServerRegistration>;
  /** The servers recorded with registerServer, newest first, each marked stale or not (Postgres only). */
  listServers?(): Promise<ServerRow[]>;
  close(): Promise<void>;
}
