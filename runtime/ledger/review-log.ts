// The review side of every ledger: proposals, decisions, writeback jobs and receipts, built on
// the storage-free rules and any ReviewStorage. A backend supplies only the storage; each step
// reads, asks the rules, and commits under a compare-and-set on the state it read, retrying
// when another process moved the proposal in between.

import { changeSetHash } from "./hash.ts";
import { newId } from "./ids.ts";
import type { DecisionOutcome, ProposalLog, ReceiptInput, WritebackLog, WritebackOutcome } from "./ports.ts";
import type { Decision, NewProposal, ProposalFilter, ReceiptFilter, StoredProposal, StoredReceipt, WritebackJob } from "./records.ts";
import {
  DECISION_EVENTS,
  RECEIPT_EVENTS,
  decisionRefusal,
  jobRefusal,
  receiptRefusal,
  stateAfterReceipt,
  type DecisionRequest,
  type ReviewRefusal,
} from "./review-rules.ts";
import type { DecisionRecord, JobRecord, ProposalRecord, ReviewStorage, StateStamp } from "./review-storage.ts";

/** A step whose compare-and-set keeps losing is refused after this many tries rather than spinning. */
const ATTEMPTS = 3;

export interface ReviewLogs {
  proposals: ProposalLog;
  writeback: WritebackLog;
}

export function createReviewLogs(storage: ReviewStorage, now: () => Date = () => new Date()): ReviewLogs {
  const isoNow = () => now().toISOString();

  const proposals: ProposalLog = {
    async create(input: NewProposal): Promise<StoredProposal> {
      const record = newProposalRecord(input, newId("wrp"), isoNow());
      await storage.insertProposal(record, {
        type: "proposal_created",
        proposalId: record.id,
        tenantId: record.tenantId,
        detail: { hash: record.hash, state: record.state, capability: record.capability, evidenceId: record.evidenceId },
        createdAt: record.createdAt,
      });
      // Return what was stored, not the caller's objects, so later mutation of `input` cannot drift from the row.
      const stored = await storage.getProposal(record.id);
      if (!stored) throw new Error(`proposal ${record.id} was not found right after it was stored`);
      return toStoredProposal(stored);
    },

    async get(id: string, tenantId?: string): Promise<StoredProposal | undefined> {
      const record = await storage.getProposal(id, tenantId);
      return record && toStoredProposal(record);
    },

    async list(filter: ProposalFilter = {}): Promise<StoredProposal[]> {
      return (await storage.listProposals(filter)).map(toStoredProposal);
    },

    async decisions(proposalId: string): Promise<Decision[]> {
      return (await storage.listDecisions(proposalId)).map(toDecision);
    },

    async decide(request: DecisionRequest): Promise<DecisionOutcome> {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const record = await storage.getProposal(request.proposalId);
        const refusal = decisionRefusal(record && toStoredProposal(record), request);
        if (refusal) return { ok: false, refusal };
        const stored = record!;
        const createdAt = isoNow();
        const decision: DecisionRecord = {
          id: newId("apr"),
          proposalId: stored.id,
          tenantId: stored.tenantId,
          decision: request.decision,
          actor: request.actor,
          role: request.role ?? null,
          reason: request.reason ?? null,
          proposalHash: stored.hash,
          createdAt,
        };
        const committed = await storage.commit({
          proposalId: stored.id,
          expected: stampOf(stored),
          next: { state: request.decision, updatedAt: createdAt },
          decision,
          events: [{
            type: DECISION_EVENTS[request.decision],
            proposalId: stored.id,
            tenantId: stored.tenantId,
            detail: { decisionId: decision.id, actor: decision.actor, role: decision.role, reason: decision.reason, hash: stored.hash },
            createdAt,
          }],
        });
        if (committed) {
          return { ok: true, decision: toDecision(decision), proposal: toStoredProposal({ ...stored, state: request.decision, updatedAt: createdAt }) };
        }
      }
      return { ok: false, refusal: busy(request.proposalId, `being ${request.decision}`) };
    },
  };

  const writeback: WritebackLog = {
    async createJob(proposalId: string, request: Record<string, unknown>): Promise<WritebackOutcome<WritebackJob>> {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const record = await storage.getProposal(proposalId);
        const refusal = jobRefusal(record && toStoredProposal(record), proposalId);
        if (refusal) return { ok: false, refusal };
        const createdAt = isoNow();
        const job: JobRecord = {
          id: newId("job"),
          proposalId,
          tenantId: record!.tenantId,
          idempotencyKey: typeof request.idempotency_key === "string" ? request.idempotency_key : null,
          request: JSON.parse(JSON.stringify(request)) as Record<string, unknown>,
          createdAt,
        };
        const committed = await storage.commit({
          proposalId,
          expected: stampOf(record!),
          job,
          events: [{ type: "writeback_job_created", proposalId, tenantId: job.tenantId, detail: { jobId: job.id, idempotencyKey: job.idempotencyKey }, createdAt }],
        });
        if (committed) return { ok: true, value: toJob(job) };
      }
      return { ok: false, refusal: busy(proposalId, "given a writeback job") };
    },

    async getJob(id: string): Promise<WritebackJob | undefined> {
      const job = await storage.getJob(id);
      return job && toJob(job);
    },

    /**
     * A receipt records what an executor did, so it is stored whenever the proposal was approved
     * and the job is the proposal's, even when the state stays (a racing second apply answering
     * already_applied on an applied proposal).
     */
    async recordReceipt(input: ReceiptInput): Promise<WritebackOutcome<StoredReceipt>> {
      const job = await storage.getJob(input.jobId);
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const record = await storage.getProposal(input.proposalId);
        const refusal = receiptRefusal(record && toStoredProposal(record), job && toJob(job), input);
        if (refusal) return { ok: false, refusal };
        const stored = record!;
        const createdAt = isoNow();
        const status = input.receipt.status;
        const receipt: StoredReceipt = {
          id: newId("rcp"),
          proposalId: stored.id,
          jobId: input.jobId,
          tenantId: stored.tenantId,
          executor: { ...input.executor },
          receipt: JSON.parse(JSON.stringify(input.receipt)) as StoredReceipt["receipt"],
          createdAt,
        };
        const nextState = stateAfterReceipt(stored.state, status);
        const committed = await storage.commit({
          proposalId: stored.id,
          expected: stampOf(stored),
          ...(nextState ? { next: { state: nextState, updatedAt: createdAt } } : {}),
          receipt,
          events: [{
            type: RECEIPT_EVENTS[status],
            proposalId: stored.id,
            tenantId: stored.tenantId,
            detail: {
              receiptId: receipt.id,
              jobId: input.jobId,
              status,
              safeErrorCode: input.receipt.safe_error_code,
              rowsAffected: input.receipt.rows_affected,
              executor: input.executor.name,
              previousState: stored.state,
            },
            createdAt,
          }],
        });
        if (committed) return { ok: true, value: receipt };
      }
      return { ok: false, refusal: busy(input.proposalId, "given a receipt") };
    },

    getReceipt: (id: string) => storage.getReceipt(id),
    listReceipts: (filter: ReceiptFilter = {}) => storage.listReceipts(filter),
  };

  return { proposals, writeback };
}

function busy(proposalId: string, what: string): ReviewRefusal {
  return { code: "NOT_REVIEWABLE", message: `Proposal ${proposalId} kept changing while it was ${what}; show it again and retry.` };
}

function stampOf(record: ProposalRecord): StateStamp {
  return { state: record.state, updatedAt: record.updatedAt };
}

function qualifiedTable(target: NewProposal["target"]): string {
  return target.schema ? `${target.schema}.${target.table}` : target.table;
}

/** The row for a new proposal, picked field by field so extra properties on `input` are never stored. */
function newProposalRecord(input: NewProposal, id: string, createdAt: string): ProposalRecord {
  return {
    id,
    hash: changeSetHash(input),
    state: "review_required",
    capability: input.capability,
    tenantId: input.tenantId,
    principal: input.principal,
    source: input.source,
    target: input.target,
    before: input.before,
    patch: input.patch,
    after: input.after,
    guards: input.guards,
    args: input.args,
    evidenceId: input.evidenceId,
    approval: input.approval,
    executor: input.executor,
    planHash: input.planHash ?? null,
    createdAt,
    targetTable: qualifiedTable(input.target),
    objectId: input.target.primaryKey.value,
    updatedAt: createdAt,
  };
}

function toStoredProposal(record: ProposalRecord): StoredProposal {
  const { targetTable: _table, objectId: _object, updatedAt: _updated, ...proposal } = record;
  return proposal;
}

function toDecision(record: DecisionRecord): Decision {
  const { tenantId: _tenant, ...decision } = record;
  return decision;
}

function toJob(record: JobRecord): WritebackJob {
  return { id: record.id, proposalId: record.proposalId, request: record.request, createdAt: record.createdAt };
}
