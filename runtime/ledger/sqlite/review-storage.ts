// Review storage on SQLite: proposals, decisions, writeback jobs and receipts. It stores and
// fetches; every rule about what may be stored lives in review-rules.ts. A review step is one
// IMMEDIATE transaction whose first statement is the compare-and-set on the proposal's state.

import type { StatementSync } from "node:sqlite";
import type { ProposalFilter, ReceiptFilter, StoredReceipt } from "../records.ts";
import type { CommitResult, DecisionRecord, JobRecord, ProposalRecord, ReviewChange, ReviewStorage } from "../review-storage.ts";
import { STATE_COUNT_LIMIT } from "../review-storage.ts";
import type { NewEvent } from "../records.ts";
import { OPEN_STATES, mayMove, statesBefore } from "../review-rules.ts";
import type { ListSpec, SqliteDatabase } from "./database.ts";
import type { SqliteEventLog } from "./event-log.ts";
import { toDecisionRecord, toJobRecord, toProposalRecord, toReceipt } from "../rows.ts";

/** ProposalFilter.object: the primary-key value alone, or prefixed by the bare or the schema-qualified table and a colon. */
const PROPOSAL_OBJECT = {
  sql: "object_id = ? OR target_table || ':' || object_id = ? OR json_extract(target, '$.table') || ':' || object_id = ?",
  uses: 3,
};
const PROPOSAL_LIST: ListSpec = {
  table: "proposals",
  tiebreak: "rowid",
  filters: {
    tenantId: "tenant_id",
    state: "state",
    capability: "capability",
    object: PROPOSAL_OBJECT,
    source: "source",
    // target_table is schema-qualified when the target names a schema; the bare table matches too.
    table: { sql: "target_table = ? OR json_extract(target, '$.table') = ?", uses: 2 },
    since: { sql: "created_at >= ?", uses: 1 },
    until: { sql: "created_at <= ?", uses: 1 },
    evidenceId: "evidence_id",
  },
};
const RECEIPT_LIST: ListSpec = { table: "receipts", tiebreak: "rowid", filters: { proposalId: "proposal_id", tenantId: "tenant_id" } };

export class SqliteReviewStorage implements ReviewStorage {
  readonly #db: SqliteDatabase;
  readonly #events: SqliteEventLog;
  readonly #insertProposal: StatementSync;
  readonly #proposalById: StatementSync;
  readonly #proposalByIdInTenant: StatementSync;
  readonly #stillAt: StatementSync;
  readonly #moveState: StatementSync;
  readonly #insertDecision: StatementSync;
  readonly #decisionsOf: StatementSync;
  readonly #decisionOf: StatementSync;
  readonly #insertJob: StatementSync;
  readonly #jobById: StatementSync;
  readonly #jobsOf: StatementSync;
  readonly #insertReceipt: StatementSync;
  readonly #receiptById: StatementSync;
  readonly #countByState: StatementSync;
  readonly #countOpen: StatementSync;

  constructor(db: SqliteDatabase, events: SqliteEventLog) {
    this.#db = db;
    this.#events = events;
    this.#insertProposal = db.prepare(`INSERT INTO proposals (id, hash, state, capability, tenant_id, principal, source,
      target_table, object_id, target, before_row, patch, after_row, guards, args, evidence_id, approval,
      executor, plan_hash, created_at, updated_at, key_id, mac, state_key_id, state_mac, roles)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#proposalById = db.prepare("SELECT * FROM proposals WHERE id = ?");
    this.#proposalByIdInTenant = db.prepare("SELECT * FROM proposals WHERE id = ? AND tenant_id = ?");
    // The compare-and-set: the whole sealed state stamp must still be what the review step read.
    const stamp = "state = ? AND updated_at = ? AND state_key_id IS ? AND state_mac IS ?";
    this.#stillAt = db.prepare(`SELECT 1 FROM proposals WHERE id = ? AND ${stamp}`);
    // The state it replaces must also be one the new state may follow (a JSON list from the rules'
    // table), so even a caller that skipped the rules cannot move a final state.
    this.#moveState = db.prepare(`UPDATE proposals SET state = ?, updated_at = ?, state_key_id = ?, state_mac = ?
      WHERE id = ? AND ${stamp} AND state IN (SELECT value FROM json_each(?))`);
    this.#insertDecision = db.prepare(`INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason,
      proposal_hash, proposal_mac, before_hash, created_at, key_id, mac, established_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#decisionsOf = db.prepare("SELECT * FROM decisions WHERE proposal_id = ? ORDER BY created_at ASC, id ASC");
    this.#decisionOf = db.prepare("SELECT 1 FROM decisions WHERE proposal_id = ?");
    this.#insertJob = db.prepare(`INSERT INTO writeback_jobs (id, proposal_id, tenant_id, idempotency_key, request, created_at)
      VALUES (?, ?, ?, ?, ?, ?)`);
    this.#jobById = db.prepare("SELECT * FROM writeback_jobs WHERE id = ?");
    this.#jobsOf = db.prepare("SELECT * FROM writeback_jobs WHERE proposal_id = ? ORDER BY created_at DESC, rowid DESC");
    this.#insertReceipt = db.prepare(`INSERT INTO receipts (id, proposal_id, job_id, tenant_id, executor, status, receipt, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#receiptById = db.prepare("SELECT * FROM receipts WHERE id = ?");
    this.#countByState = db.prepare("SELECT state, COUNT(*) AS count FROM proposals GROUP BY state ORDER BY state LIMIT ?");
    // Through proposals_state: the open proposals of every tenant, which the caps keep few.
    this.#countOpen = db.prepare(
      `SELECT COUNT(*) AS count FROM proposals WHERE state IN (${OPEN_STATES.map((s) => `'${s}'`).join(", ")}) AND tenant_id = ?`,
    );
  }

  async insertProposal(p: ProposalRecord, event: NewEvent): Promise<void> {
    this.#db.transaction(() => this.#insert(p, event));
  }

  #insert(p: ProposalRecord, event: NewEvent): void {
    this.#insertProposal.run(p.id, p.hash, p.state, p.capability, p.tenantId, p.principal, p.source,
      p.targetTable, p.objectId, JSON.stringify(p.target), JSON.stringify(p.before), JSON.stringify(p.patch),
      JSON.stringify(p.after), JSON.stringify(p.guards), JSON.stringify(p.args), p.evidenceId,
      JSON.stringify(p.approval), JSON.stringify(p.executor), p.planHash, p.createdAt, p.updatedAt, p.keyId, p.mac,
      p.stateKeyId, p.stateMac, p.roles === undefined ? null : JSON.stringify(p.roles));
    this.#events.insertNow(event);
  }

  async insertProposalWithin(p: ProposalRecord, event: NewEvent, openLimit: number): Promise<boolean> {
    return this.#db.transaction(() => {
      // IMMEDIATE: the count and the insert hold the write lock together, against other processes too.
      if (Number((this.#countOpen.get(p.tenantId) as { count: unknown }).count) >= openLimit) return false;
      this.#insert(p, event);
      return true;
    });
  }

  async countOpenProposals(tenantId: string): Promise<number> {
    return Number((this.#db.read(() => this.#countOpen.get(tenantId)) as { count: unknown }).count);
  }

  async getProposal(id: string, tenantId?: string): Promise<ProposalRecord | undefined> {
    const row = this.#db.read(() =>
      tenantId === undefined ? this.#proposalById.get(id) : this.#proposalByIdInTenant.get(id, tenantId),
    );
    return row ? toProposalRecord(row) : undefined;
  }

  async listProposals(filter: ProposalFilter): Promise<ProposalRecord[]> {
    return this.#db.list(PROPOSAL_LIST, filter).map(toProposalRecord);
  }

  async countProposalsByState(): Promise<Array<{ state: string; count: number }>> {
    const rows = this.#db.read(() => this.#countByState.all(STATE_COUNT_LIMIT)) as Array<{ state: unknown; count: unknown }>;
    return rows.map((r) => ({ state: String(r.state), count: Number(r.count) }));
  }

  async listDecisions(proposalId: string): Promise<DecisionRecord[]> {
    return this.#db.read(() => this.#decisionsOf.all(proposalId)).map(toDecisionRecord);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const row = this.#db.read(() => this.#jobById.get(id));
    return row ? toJobRecord(row) : undefined;
  }

  async listJobs(proposalId: string): Promise<JobRecord[]> {
    return this.#db.read(() => this.#jobsOf.all(proposalId)).map(toJobRecord);
  }

  async getReceipt(id: string): Promise<StoredReceipt | undefined> {
    const row = this.#db.read(() => this.#receiptById.get(id));
    return row ? toReceipt(row) : undefined;
  }

  async listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]> {
    return this.#db.list(RECEIPT_LIST, filter).map(toReceipt);
  }

  async commit(change: ReviewChange): Promise<CommitResult> {
    const { proposalId, expected, next } = change;
    const was = [expected.state, expected.updatedAt, expected.stateKeyId, expected.stateMac] as const;
    if (next && !mayMove(expected.state, next.state)) return "not_allowed";
    return this.#db.transaction((): CommitResult => {
      // Checked before anything is written, so the unique index on decisions never has to throw.
      const d = change.decision;
      if (d && this.#decisionOf.get(d.proposalId)) return "already_decided";
      if (next) {
        const moved = this.#moveState.run(next.state, next.updatedAt, next.stateKeyId, next.stateMac, proposalId, ...was,
          JSON.stringify(statesBefore(next.state)));
        if (moved.changes !== 1) return "moved";
      } else if (!this.#stillAt.get(proposalId, ...was)) {
        return "moved";
      }
      if (d) {
        this.#insertDecision.run(d.id, d.proposalId, d.tenantId, d.decision, d.actor, d.role, d.reason, d.proposalHash, d.proposalMac,
          d.beforeHash, d.createdAt, d.keyId, d.mac, d.establishedBy);
      }
      const j = change.job;
      if (j) this.#insertJob.run(j.id, j.proposalId, j.tenantId, j.idempotencyKey, JSON.stringify(j.request), j.createdAt);
      const r = change.receipt;
      if (r) {
        this.#insertReceipt.run(r.id, r.proposalId, r.jobId, r.tenantId, JSON.stringify(r.executor), r.receipt.status,
          JSON.stringify(r.receipt), r.createdAt);
      }
      for (const event of change.events) this.#events.insertNow(event);
      return "committed";
    });
  }
}
