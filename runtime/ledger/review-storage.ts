// What a ledger backend implements for the review side: it stores and fetches rows, and
// commits each review step atomically under a compare-and-set on the proposal's state. The
// rules (review-rules.ts) and the review log (review-log.ts) sit on top and never see SQL.

import type {
  Decision,
  NewEvent,
  NewProposal,
  ProposalFilter,
  ProposalState,
  ReceiptFilter,
  StoredReceipt,
  WritebackJob,
} from "./records.ts";

/** Distinct state values a count returns at most: a handful are valid, the rest are tampering. */
export const STATE_COUNT_LIMIT = 32;

/** A proposal row exactly as stored: every column, the seals included. */
export interface ProposalRecord extends NewProposal {
  id: string;
  hash: string;
  planHash: string | null;
  state: ProposalState;
  createdAt: string;
  /** "schema.table" or "table", for the object index. */
  targetTable: string;
  /** The target's primary-key value, for the object index. */
  objectId: string;
  updatedAt: string;
  /** The key and MAC sealing the immutable record; null for proposals stored before keyed MACs. */
  keyId: string | null;
  mac: string | null;
  /** The key and MAC sealing (state, updatedAt), bound to `mac`; re-sealed by every transition. */
  stateKeyId: string | null;
  stateMac: string | null;
}

/** A decision row exactly as stored. */
export interface DecisionRecord extends Omit<Decision, "verification"> {
  tenantId: string;
  /** The MAC of the proposal the decision was taken on. */
  proposalMac: string | null;
  keyId: string | null;
  mac: string | null;
}

export interface JobRecord extends WritebackJob {
  tenantId: string;
  idempotencyKey: string | null;
}

/** The state a review step saw, and the state it leaves behind, with its seal. */
export interface StateStamp {
  state: ProposalState;
  updatedAt: string;
  stateKeyId: string | null;
  stateMac: string | null;
}

/** One review step, written in one transaction or not at all. */
export interface ReviewChange {
  proposalId: string;
  /** Nothing is written unless the stored proposal still has exactly this state stamp. */
  expected: StateStamp;
  /** The new state; absent when the step leaves the state as it is. */
  next?: StateStamp;
  decision?: DecisionRecord;
  job?: JobRecord;
  receipt?: StoredReceipt;
  events: NewEvent[];
}

/**
 * What a commit did: wrote the change; wrote nothing because the proposal's state stamp was no
 * longer `expected` (another process moved it: read again and retry); wrote nothing because the
 * change carries a decision and the proposal already has one (a proposal is decided once); or
 * wrote nothing because the move is not in the state table (review-rules.ts TRANSITIONS: a final
 * state never moves, whoever asks).
 */
export type CommitResult = "committed" | "moved" | "already_decided" | "not_allowed";

export interface ReviewStorage {
  insertProposal(proposal: ProposalRecord, event: NewEvent): Promise<void>;
  /**
   * insertProposal, unless the proposal's tenant already has `openLimit` proposals in OPEN_STATES:
   * counted and inserted in one transaction, so no other writer slips in between. false: nothing written.
   */
  insertProposalWithin(proposal: ProposalRecord, event: NewEvent, openLimit: number): Promise<boolean>;
  /** Proposals of the tenant in OPEN_STATES. */
  countOpenProposals(tenantId: string): Promise<number>;
  getProposal(id: string, tenantId?: string): Promise<ProposalRecord | undefined>;
  listProposals(filter: ProposalFilter): Promise<ProposalRecord[]>;
  /** Proposals per stored state value, at most STATE_COUNT_LIMIT distinct values (the file may hold anything). */
  countProposalsByState(): Promise<Array<{ state: string; count: number }>>;
  /** Oldest first. */
  listDecisions(proposalId: string): Promise<DecisionRecord[]>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** A proposal's jobs, newest first. */
  listJobs(proposalId: string): Promise<JobRecord[]>;
  getReceipt(id: string): Promise<StoredReceipt | undefined>;
  /** Newest first. */
  listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]>;
  /** Applies the change in one transaction, or writes nothing and says why; never rejects for a rule (only a store fault). */
  commit(change: ReviewChange): Promise<CommitResult>;
}
