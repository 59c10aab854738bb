// The review side of every ledger: proposals, decisions, writeback jobs and receipts, built on
// the storage-free rules and any ReviewStorage. A backend supplies only the storage; each step
// reads, verifies the keyed MACs, asks the rules, seals what it writes, and commits under a
// compare-and-set on the state it read, retrying when another process moved the proposal.

import { changeSetHash } from "./hash.ts";
import { newId } from "./ids.ts";
import type { KeyRing, LedgerKey } from "./keys/key-ring.ts";
import { LIST_LIMIT, type ApprovalOutcome, type DecisionOutcome, type ExpiryOutcome, type ProposalLog, type ReceiptInput, type WritebackLog, type WritebackOutcome } from "./ports.ts";
import type { Decision, NewProposal, ProposalApproval, ProposalFilter, ProposalState, ProposalVerification, ReceiptFilter, StoredProposal, StoredReceipt, Verification, WritebackJob } from "./records.ts";
import {
  approvalValidUntil,
  approvalWindowRefusal,
  reviewDeadlinePassed,
  DECISION_EVENTS,
  EXPIRY_EVENT,
  RECEIPT_EVENTS,
  approvalFor,
  decisionRefusal,
  expiryRefusal,
  finalStateMessage,
  receiptRefusal,
  transitionRefusal,
  type DecisionRequest,
  type ReviewRefusal,
} from "./review-rules.ts";
import type { DecisionRecord, JobRecord, ProposalRecord, ReviewChange, ReviewStorage, StateStamp } from "./review-storage.ts";
import { beforeHash, sealDecision, sealProposal, sealState } from "./seal.ts";
import { sealedWith, verifyDecision, verifyProposal } from "./verify.ts";
import { tableLabel } from "../table-label.ts";
import { addDuration } from "../duration.ts";

/** A step whose compare-and-set keeps losing is refused after this many tries rather than spinning. */
const ATTEMPTS = 3;

export interface ReviewLogs {
  proposals: ProposalLog;
  writeback: WritebackLog;
}

export function createReviewLogs(storage: ReviewStorage, keys: KeyRing, now: () => Date = () => new Date()): ReviewLogs {
  const isoNow = () => now().toISOString();
  const view = (record: ProposalRecord) => toStoredProposal(record, verifyProposal(keys, record));
  const decisionsOf = async (proposalId: string, record?: ProposalRecord) => {
    const rows = await storage.listDecisions(proposalId);
    return rows.map((d) => toDecision(d, verifyDecision(keys, d, record)));
  };

  /**
   * Runs one review step: read the proposal, let `plan` decide (a refusal, or the change to
   * commit), commit it under the compare-and-set, and start over when another process won.
   */
  async function step<T>(
    proposalId: string,
    plan: (record: ProposalRecord | undefined) => Promise<{ refusal: ReviewRefusal } | { change: ReviewChange; result: () => T }>,
    what: string,
  ): Promise<{ ok: true; value: T } | { ok: false; refusal: ReviewRefusal }> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const planned = await plan(await storage.getProposal(proposalId));
      if ("refusal" in planned) return { ok: false, refusal: planned.refusal };
      const committed = await storage.commit(planned.change);
      if (committed === "committed") return { ok: true, value: planned.result() };
      if (committed === "not_allowed") {
        const state = planned.change.expected.state;
        return { ok: false, refusal: { code: "FINAL_STATE", message: `${finalStateMessage(proposalId, state)}`, state } };
      }
      if (committed === "already_decided") {
        const state = planned.change.expected.state;
        return { ok: false, refusal: { code: "NOT_REVIEWABLE", message: `Proposal ${proposalId} already has a decision on record; a proposal is decided once. Nothing changed.`, state } };
      }
    }
    return { ok: false, refusal: { code: "NOT_REVIEWABLE", message: `Proposal ${proposalId} kept changing while it was ${what}; show it again and retry.` } };
  }

  /**
   * The change that expires a proposal: state expired, sealed over the proposal MAC it has (none,
   * for a proposal stored before keyed MACs), and proposal_expired with `detail`. Expiring only
   * retires a proposal, so one whose record no longer verifies may expire too (its state seal
   * must verify: transitionRefusal, which every caller has asked first).
   */
  function expiryChange(stored: ProposalRecord, detail: Record<string, unknown>, createdAt: string): ReviewChange {
    return {
      proposalId: stored.id,
      expected: stampOf(stored),
      next: sealedStamp(keys.active(), stored, "expired", createdAt),
      events: [{ type: EXPIRY_EVENT, proposalId: stored.id, tenantId: stored.tenantId, detail: { ...detail, previousState: stored.state }, createdAt }],
    };
  }

  /** Why this open proposal is overdue at `at` (its review deadline, or its approval's window, passed), as an expiry event's detail; undefined when it is not. */
  async function overdueDetail(proposal: StoredProposal, at: Date): Promise<Record<string, unknown> | undefined> {
    if (reviewDeadlinePassed(proposal, at)) return reviewDeadlineDetail(proposal);
    if (proposal.state !== "approved" || proposal.approval.validFor === undefined) return undefined;
    const approval = (await decisionsOf(proposal.id)).filter((d) => d.decision === "approved").at(-1);
    if (!approval || !approvalWindowRefusal(proposal, approval, at)) return undefined;
    return approvalWindowDetail(proposal, approval);
  }

  /** Seals and stores a proposal; with openLimit, only while its tenant has fewer open ones (undefined otherwise). */
  async function createProposal(input: NewProposal, openLimit: number | undefined): Promise<StoredProposal | undefined> {
    const key = keys.active();
    const record = sealNewProposal(key, input, newId("wrp"), isoNow());
    const event = {
      type: "proposal_created",
      proposalId: record.id,
      tenantId: record.tenantId,
      detail: { hash: record.hash, state: record.state, capability: record.capability, evidenceId: record.evidenceId, keyId: key.id },
      createdAt: record.createdAt,
    };
    if (openLimit === undefined) await storage.insertProposal(record, event);
    else if (!(await storage.insertProposalWithin(record, event, openLimit))) return undefined;
    // The record went through the store's JSON round trip before it was sealed, so it is what a
    // read would return (and shares no object with `input`), and its seals were just made with
    // the active key: reading it back and checking them again would learn nothing.
    return toStoredProposal(record, sealedWith(key.id));
  }

  const proposals: ProposalLog = {
    async create(input: NewProposal): Promise<StoredProposal> {
      return (await createProposal(input, undefined))!;
    },

    createWithinLimit: (input: NewProposal, openLimit: number) => createProposal(input, openLimit),

    countOpen: (tenantId: string) => storage.countOpenProposals(tenantId),

    async get(id: string, tenantId?: string): Promise<StoredProposal | undefined> {
      const record = await storage.getProposal(id, tenantId);
      return record && view(record);
    },

    async list(filter: ProposalFilter = {}): Promise<StoredProposal[]> {
      return (await storage.listProposals(filter)).map(view);
    },

    countByState: () => storage.countProposalsByState(),

    async decisions(proposalId: string): Promise<Decision[]> {
      return decisionsOf(proposalId, await storage.getProposal(proposalId));
    },

    async decide(request: DecisionRequest): Promise<DecisionOutcome> {
      const outcome = await step(request.proposalId, async (record) => {
        const at = now();
        const refusal = decisionRefusal(record && view(record), request, at);
        // Past its deadline, a proposal is not decided but expired, in the same step: fail
        // closed, and the queue shows what happened instead of a proposal nobody may approve.
        if (refusal?.code === "EXPIRED") {
          return {
            change: expiryChange(record!, reviewDeadlineDetail(record!), at.toISOString()),
            result: (): DecisionOutcome => ({ ok: false, refusal: { ...refusal, state: "expired", message: `${refusal.message} It is now expired.` } }),
          };
        }
        if (refusal) return { refusal };
        const stored = record!;
        const key = keys.active();
        const createdAt = at.toISOString();
        const decision: DecisionRecord = {
          id: newId("apr"),
          proposalId: stored.id,
          tenantId: stored.tenantId,
          decision: request.decision,
          actor: request.actor,
          role: request.role ?? null,
          reason: request.reason ?? null,
          establishedBy: request.establishedBy ?? "self_declared",
          proposalHash: stored.hash,
          proposalMac: stored.mac,
          beforeHash: beforeHash(stored.before),
          createdAt,
          keyId: key.id,
          mac: null,
        };
        decision.mac = sealDecision(key, decision);
        const next = sealedStamp(key, stored, request.decision, createdAt);
        return {
          change: {
            proposalId: stored.id,
            expected: stampOf(stored),
            next,
            decision,
            events: [{
              type: DECISION_EVENTS[request.decision],
              proposalId: stored.id,
              tenantId: stored.tenantId,
              detail: {
                decisionId: decision.id,
                actor: decision.actor,
                role: decision.role,
                establishedBy: decision.establishedBy,
                reason: decision.reason,
                hash: stored.hash,
                keyId: key.id,
              },
              createdAt,
            }],
          },
          result: (): DecisionOutcome => {
            const moved = { ...stored, ...next };
            return { ok: true, decision: toDecision(decision, verifyDecision(keys, decision, moved)), proposal: view(moved) };
          },
        };
      }, `being ${request.decision}`);
      return outcome.ok ? outcome.value : outcome;
    },

    async approval(proposalId: string): Promise<ApprovalOutcome> {
      const record = await storage.getProposal(proposalId);
      const proposal = record && view(record);
      const check = approvalFor(proposal, record ? await decisionsOf(proposalId, record) : [], proposalId);
      return check.ok ? { ok: true, proposal: proposal!, approval: check.approval } : check;
    },

    async expire(proposalId: string, detail: Record<string, unknown>): Promise<ExpiryOutcome> {
      return step(proposalId, async (record) => {
        const refusal = expiryRefusal(record && view(record), proposalId, record ? (await storage.listJobs(proposalId)).length : 0);
        if (refusal) return { refusal };
        const stored = record!;
        const change = expiryChange(stored, detail, isoNow());
        return { change, result: () => view({ ...stored, ...change.next! }) };
      }, "expiring");
    },

    async expireOverdue(): Promise<StoredProposal[]> {
      const at = now();
      const expired: StoredProposal[] = [];
      for (const state of ["review_required", "approved"] as const) {
        for (const proposal of (await storage.listProposals({ state, limit: LIST_LIMIT })).map(view)) {
          const detail = await overdueDetail(proposal, at);
          if (!detail) continue;
          // Another process may have decided or applied it meanwhile; expire() re-checks under the compare-and-set.
          const outcome = await proposals.expire(proposal.id, detail);
          if (outcome.ok) expired.push(outcome.value);
        }
      }
      return expired;
    },
  };

  const writeback: WritebackLog = {
    async createJob(proposalId: string, request: Record<string, unknown>): Promise<WritebackOutcome<WritebackJob>> {
      return step(proposalId, async (record) => {
        const proposal = record && view(record);
        const check = approvalFor(proposal, record ? await decisionsOf(proposalId, record) : [], proposalId);
        if (!check.ok) return { refusal: check.refusal };
        const at = now();
        // Nothing is sent on an approval older than its window, whichever front end asks.
        const lapsed = approvalWindowRefusal(proposal!, check.approval, at);
        if (lapsed) return { refusal: lapsed };
        const createdAt = at.toISOString();
        const job: JobRecord = {
          id: newId("job"),
          proposalId,
          tenantId: record!.tenantId,
          idempotencyKey: typeof request.idempotency_key === "string" ? request.idempotency_key : null,
          request: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
          createdAt,
        };
        return {
          change: {
            proposalId,
            expected: stampOf(record!),
            job,
            events: [{ type: "writeback_job_created", proposalId, tenantId: job.tenantId, detail: { jobId: job.id, idempotencyKey: job.idempotencyKey }, createdAt }],
          },
          result: () => toJob(job),
        };
      }, "given a writeback job");
    },

    async getJob(id: string): Promise<WritebackJob | undefined> {
      const job = await storage.getJob(id);
      return job && toJob(job);
    },

    async listJobs(proposalId: string): Promise<WritebackJob[]> {
      return (await storage.listJobs(proposalId)).map(toJob);
    },

    /**
     * Stores an executor's receipt and moves the proposal to its status, in one step, so the
     * state always equals the latest receipt. The move obeys the rule every transition obeys
     * (transitionRefusal): the record and state must still verify, and the state must not be
     * final. A receipt that cannot move the state (a racing second apply answering after the
     * first made the proposal final) is not the proposal's outcome: what the executor reported is
     * kept in a `writeback_late_receipt` event, and the answer is a refusal saying why.
     */
    async recordReceipt(input: ReceiptInput): Promise<WritebackOutcome<StoredReceipt>> {
      const job = await storage.getJob(input.jobId);
      const outcome = await step(input.proposalId, async (record) => {
        const proposal = record && view(record);
        const refusal = receiptRefusal(proposal, job && toJob(job), input);
        if (refusal) return { refusal };
        const stored = record!;
        const createdAt = isoNow();
        const status = input.receipt.status;
        const summary = {
          jobId: input.jobId,
          status,
          safeErrorCode: input.receipt.safe_error_code,
          rowsAffected: input.receipt.rows_affected,
          executor: input.executor.name,
          previousState: stored.state,
          ...(input.origin ? { origin: input.origin } : {}),
        };
        const blocked = transitionRefusal(proposal!, status);
        if (blocked) {
          const late = {
            type: "writeback_late_receipt",
            proposalId: stored.id,
            tenantId: stored.tenantId,
            detail: { ...summary, sourceDatabaseMutated: input.receipt.source_database_mutated, refused: blocked.code },
            createdAt,
          };
          return {
            change: { proposalId: stored.id, expected: stampOf(stored), events: [late] },
            result: (): WritebackOutcome<StoredReceipt> => ({
              ok: false,
              refusal: { ...blocked, message: `${blocked.message} The ${status} receipt of this run was kept as a writeback_late_receipt event, not as the proposal's outcome.` },
            }),
          };
        }
        const receipt: StoredReceipt = {
          id: newId("rcp"),
          proposalId: stored.id,
          jobId: input.jobId,
          tenantId: stored.tenantId,
          executor: { ...input.executor },
          receipt: JSON.parse(JSON.stringify(input.receipt)) as StoredReceipt["receipt"],
          createdAt,
        };
        return {
          change: {
            proposalId: stored.id,
            expected: stampOf(stored),
            next: sealedStamp(keys.active(), stored, status, createdAt),
            receipt,
            events: [{ type: RECEIPT_EVENTS[status], proposalId: stored.id, tenantId: stored.tenantId, detail: { receiptId: receipt.id, ...summary }, createdAt }],
          },
          result: (): WritebackOutcome<StoredReceipt> => ({ ok: true, value: receipt }),
        };
      }, "given a receipt");
      return outcome.ok ? outcome.value : outcome;
    },

    getReceipt: (id: string) => storage.getReceipt(id),
    listReceipts: (filter: ReceiptFilter = {}) => storage.listReceipts(filter),
  };

  return { proposals, writeback };
}

function stampOf(record: ProposalRecord): StateStamp {
  return { state: record.state, updatedAt: record.updatedAt, stateKeyId: record.stateKeyId, stateMac: record.stateMac };
}

function sealedStamp(key: LedgerKey, record: ProposalRecord, state: ProposalState, updatedAt: string): StateStamp {
  return { state, updatedAt, stateKeyId: key.id, stateMac: sealState(key, record.id, record.mac, state, updatedAt) };
}

/**
 * The row for a new proposal, picked field by field so extra properties on `input` are never
 * stored, its JSON columns through the same round trip the store applies, then hashed and sealed.
 */
function sealNewProposal(key: LedgerKey, input: NewProposal, id: string, createdAt: string): ProposalRecord {
  const record: ProposalRecord = {
    id,
    hash: "",
    state: "review_required",
    capability: input.capability,
    tenantId: input.tenantId,
    principal: input.principal,
    ...(input.roles !== undefined ? { roles: [...input.roles] } : {}),
    source: input.source,
    target: asStored(input.target),
    before: asStored(input.before),
    patch: asStored(input.patch),
    after: asStored(input.after),
    guards: asStored(input.guards),
    args: asStored(input.args),
    evidenceId: input.evidenceId,
    approval: approvalWithDeadline(input.approval, createdAt),
    executor: asStored(input.executor),
    planHash: input.planHash ?? null,
    createdAt,
    targetTable: tableLabel(input.target.schema, input.target.table),
    objectId: input.target.primaryKey.value,
    updatedAt: createdAt,
    keyId: key.id,
    mac: null,
    stateKeyId: null,
    stateMac: null,
  };
  record.hash = changeSetHash(record);
  record.mac = sealProposal(key, record);
  return { ...record, ...sealedStamp(key, record, record.state, createdAt) };
}

/**
 * The approval settings as stored: picked field by field, with the review deadline fixed from the
 * ledger's own clock (a caller's expiresAt is never taken). A duration the ledger cannot read
 * gives a deadline of now: the proposal expires instead of waiting forever (fail closed).
 */
function approvalWithDeadline(input: ProposalApproval, createdAt: string): ProposalApproval {
  const approval: ProposalApproval = { mode: input.mode };
  if (input.requiredRole !== undefined) approval.requiredRole = input.requiredRole;
  if (input.validFor !== undefined) approval.validFor = input.validFor;
  if (input.reviewers === "declared") approval.reviewers = "declared";
  if (input.expiresAfter !== undefined) {
    approval.expiresAfter = input.expiresAfter;
    approval.expiresAt = addDuration(createdAt, input.expiresAfter) ?? createdAt;
  }
  return asStored(approval);
}

/** A JSON column's value as the store hands it back (canonicalJson follows JSON.stringify, so hashes are unchanged). */
function asStored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function toStoredProposal(record: ProposalRecord, verification: ProposalVerification): StoredProposal {
  const {
    targetTable: _table,
    objectId: _object,
    updatedAt: _updated,
    keyId: _keyId,
    mac: _mac,
    stateKeyId: _stateKeyId,
    stateMac: _stateMac,
    ...proposal
  } = record;
  return { ...proposal, verification };
}

function toDecision(record: DecisionRecord, verification: Verification): Decision {
  const { tenantId: _tenant, proposalMac: _proposalMac, keyId: _keyId, mac: _mac, ...decision } = record;
  return { ...decision, verification };
}

function toJob(record: JobRecord): WritebackJob {
  return { id: record.id, proposalId: record.proposalId, request: record.request, createdAt: record.createdAt };
}

/** What proposal_expired records when a proposal's review deadline passed. */
function reviewDeadlineDetail(proposal: Pick<StoredProposal, "approval">): Record<string, unknown> {
  return { reason: "review_deadline_passed", expiresAt: proposal.approval.expiresAt ?? null, expiresAfter: proposal.approval.expiresAfter ?? null };
}

/** What proposal_expired records when an approval's window passed. */
export function approvalWindowDetail(proposal: StoredProposal, approval: Decision): Record<string, unknown> {
  return {
    reason: "approval_window_passed",
    approvalId: approval.id,
    approvedAt: approval.createdAt,
    validFor: proposal.approval.validFor ?? null,
    validUntil: approvalValidUntil(proposal, approval) ?? null,
  };
}
