// Review storage on Postgres: proposals, decisions, writeback jobs and receipts. Nothing here is a
// process-local lock; several replicas commit against one ledger and the database decides:
// - a state move is `UPDATE … WHERE <the whole sealed state stamp> AND state = ANY(<states it may
//   follow>)`; under READ COMMITTED a concurrent move makes it re-check the new row and match
//   nothing, so exactly one of two racing steps commits and the other reads "moved";
// - a step that keeps the state locks the proposal row (SELECT … FOR UPDATE) on the same stamp;
// - "decided once" is the unique index on decisions(proposal_id), its violation read as already_decided;
// - the open-proposal cap counts and inserts under a per-tenant advisory lock;
// - the step's events are appended in the same transaction (event-log.ts).

import pg from "pg";
import type { NewEvent, ProposalFilter, ReceiptFilter, StoredReceipt } from "../records.ts";
import type { CommitResult, DecisionRecord, JobRecord, ProposalRecord, ReviewChange, ReviewStorage } from "../review-storage.ts";
import { STATE_COUNT_LIMIT } from "../review-storage.ts";
import { OPEN_STATES, mayMove, statesBefore } from "../review-rules.ts";
import { toDecisionRecord, toJobRecord, toProposalRecord, toReceipt } from "../rows.ts";
import { LEDGER_SCHEMA, type PgListSpec, type PostgresLedgerDatabase, type Queryable } from "./database.ts";
import type { PostgresEventLog } from "./event-log.ts";
import { OPEN_LIMIT_LOCK_CLASS } from "./migrations.ts";

const S = LEDGER_SCHEMA;

const PROPOSAL_LIST: PgListSpec = {
  from: `${S}.proposals`,
  order: "created_at DESC, id DESC",
  filters: {
    tenantId: "tenant_id",
    state: "state",
    capability: "capability",
    object: "object_id = ? OR target_table || ':' || object_id = ? OR (target::json ->> 'table') || ':' || object_id = ?",
    source: "source",
    table: "target_table = ? OR (target::json ->> 'table') = ?",
    since: "created_at >= ?",
    until: "created_at <= ?",
    evidenceId: "evidence_id",
  },
};
const RECEIPT_LIST: PgListSpec = {
  from: `${S}.receipts`,
  order: "created_at DESC, id DESC",
  filters: { proposalId: "proposal_id", tenantId: "tenant_id" },
};

const PROPOSAL_COLUMNS = `id, hash, state, capability, tenant_id, principal, source, target_table, object_id, target, before_row, patch,
  after_row, guards, args, evidence_id, approval, executor, plan_hash, created_at, updated_at, key_id, mac, state_key_id, state_mac, roles`;
const INSERT_PROPOSAL = `INSERT INTO ${S}.proposals (${PROPOSAL_COLUMNS}) VALUES (${placeholders(26)})`;
// The compare-and-set: the whole sealed state stamp must still be what the review step read.
const STAMP = "state = $2 AND updated_at = $3 AND state_key_id IS NOT DISTINCT FROM $4 AND state_mac IS NOT DISTINCT FROM $5";
const STILL_AT = `SELECT 1 FROM ${S}.proposals WHERE id = $1 AND ${STAMP} FOR UPDATE`;
const MOVE_STATE = `UPDATE ${S}.proposals SET state = $6, updated_at = $7, state_key_id = $8, state_mac = $9
  WHERE id = $1 AND ${STAMP} AND state = ANY($10::text[])`;
const HAS_DECISION = `SELECT 1 FROM ${S}.decisions WHERE proposal_id = $1`;
const INSERT_DECISION = `INSERT INTO ${S}.decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash, proposal_mac,
  before_hash, created_at, key_id, mac, established_by) VALUES (${placeholders(14)})`;
const INSERT_JOB = `INSERT INTO ${S}.writeback_jobs (id, proposal_id, tenant_id, idempotency_key, request, created_at) VALUES (${placeholders(6)})`;
const INSERT_RECEIPT = `INSERT INTO ${S}.receipts (id, proposal_id, job_id, tenant_id, executor, status, receipt, created_at)
  VALUES (${placeholders(8)})`;
const COUNT_OPEN = `SELECT COUNT(*) AS count FROM ${S}.proposals WHERE state = ANY($2::text[]) AND tenant_id = $1`;

/** The unique index whose violation means "this proposal already has a decision". */
const DECIDED_ONCE = "decisions_proposal";

export class PostgresReviewStorage implements ReviewStorage {
  readonly #db: PostgresLedgerDatabase;
  readonly #events: PostgresEventLog;

  constructor(db: PostgresLedgerDatabase, events: PostgresEventLog) {
    this.#db = db;
    this.#events = events;
  }

  async insertProposal(p: ProposalRecord, event: NewEvent): Promise<void> {
    await this.#db.transaction((client) => this.#insert(client, p, event));
  }

  async #insert(client: Queryable, p: ProposalRecord, event: NewEvent): Promise<void> {
    await client.query(INSERT_PROPOSAL, [p.id, p.hash, p.state, p.capability, p.tenantId, p.principal, p.source,
      p.targetTable, p.objectId, JSON.stringify(p.target), JSON.stringify(p.before), JSON.stringify(p.patch),
      JSON.stringify(p.after), JSON.stringify(p.guards), JSON.stringify(p.args), p.evidenceId,
      JSON.stringify(p.approval), JSON.stringify(p.executor), p.planHash, p.createdAt, p.updatedAt, p.keyId, p.mac,
      p.stateKeyId, p.stateMac, p.roles === undefined ? null : JSON.stringify(p.roles)]);
    await this.#events.insertIn(client, [event]);
  }

  async insertProposalWithin(p: ProposalRecord, event: NewEvent, openLimit: number): Promise<boolean> {
    return this.#db.transaction(async (client) => {
      // Two replicas creating for one tenant wait for each other here, so the count stays true until the insert commits.
      await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [OPEN_LIMIT_LOCK_CLASS, p.tenantId]);
      const [row] = (await client.query(COUNT_OPEN, [p.tenantId, OPEN_STATES])).rows as Array<{ count: number }>;
      if (Number(row?.count ?? 0) >= openLimit) return false;
      await this.#insert(client, p, event);
      return true;
    });
  }

  async countOpenProposals(tenantId: string): Promise<number> {
    const [row] = await this.#db.query("read", COUNT_OPEN, [tenantId, OPEN_STATES]);
    return Number(row?.count ?? 0);
  }

  async getProposal(id: string, tenantId?: string): Promise<ProposalRecord | undefined> {
    const [row] = tenantId === undefined
      ? await this.#db.query("read", `SELECT * FROM ${S}.proposals WHERE id = $1`, [id])
      : await this.#db.query("read", `SELECT * FROM ${S}.proposals WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    return row ? toProposalRecord(row) : undefined;
  }

  async listProposals(filter: ProposalFilter): Promise<ProposalRecord[]> {
    return (await this.#db.list(PROPOSAL_LIST, filter)).map(toProposalRecord);
  }

  async countProposalsByState(): Promise<Array<{ state: string; count: number }>> {
    const rows = await this.#db.query("read", `SELECT state, COUNT(*) AS count FROM ${S}.proposals GROUP BY state ORDER BY state LIMIT $1`, [
      STATE_COUNT_LIMIT,
    ]);
    return rows.map((r) => ({ state: String(r.state), count: Number(r.count) }));
  }

  async listDecisions(proposalId: string): Promise<DecisionRecord[]> {
    return (await this.#db.query("read", `SELECT * FROM ${S}.decisions WHERE proposal_id = $1 ORDER BY created_at ASC, id ASC`, [proposalId]))
      .map(toDecisionRecord);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.#db.query("read", `SELECT * FROM ${S}.writeback_jobs WHERE id = $1`, [id]);
    return row ? toJobRecord(row) : undefined;
  }

  async listJobs(proposalId: string): Promise<JobRecord[]> {
    return (await this.#db.query("read", `SELECT * FROM ${S}.writeback_jobs WHERE proposal_id = $1 ORDER BY created_at DESC, id DESC`, [proposalId]))
      .map(toJobRecord);
  }

  async getReceipt(id: string): Promise<StoredReceipt | undefined> {
    const [row] = await this.#db.query("read", `SELECT * FROM ${S}.receipts WHERE id = $1`, [id]);
    return row ? toReceipt(row) : undefined;
  }

  async listReceipts(filter: ReceiptFilter): Promise<StoredReceipt[]> {
    return (await this.#db.list(RECEIPT_LIST, filter)).map(toReceipt);
  }

  async commit(change: ReviewChange): Promise<CommitResult> {
    const { proposalId, expected, next } = change;
    const was = [proposalId, expected.state, expected.updatedAt, expected.stateKeyId, expected.stateMac];
    if (next && !mayMove(expected.state, next.state)) return "not_allowed";
    try {
      return await this.#db.transaction(async (client): Promise<CommitResult> => {
        const d = change.decision;
        if (d && (await client.query(HAS_DECISION, [d.proposalId])).rowCount) return "already_decided";
        if (next) {
          const moved = await client.query(MOVE_STATE, [...was, next.state, next.updatedAt, next.stateKeyId, next.stateMac, statesBefore(next.state)]);
          if (moved.rowCount !== 1) return "moved";
        } else if (!(await client.query(STILL_AT, was)).rowCount) {
          return "moved";
        }
        if (d) {
          await client.query(INSERT_DECISION, [d.id, d.proposalId, d.tenantId, d.decision, d.actor, d.role, d.reason, d.proposalHash,
            d.proposalMac, d.beforeHash, d.createdAt, d.keyId, d.mac, d.establishedBy]);
        }
        const j = change.job;
        if (j) await client.query(INSERT_JOB, [j.id, j.proposalId, j.tenantId, j.idempotencyKey, JSON.stringify(j.request), j.createdAt]);
        const r = change.receipt;
        if (r) {
          await client.query(INSERT_RECEIPT, [r.id, r.proposalId, r.jobId, r.tenantId, JSON.stringify(r.executor), r.receipt.status,
            JSON.stringify(r.receipt), r.createdAt]);
        }
        await this.#events.insertIn(client, change.events);
        return "committed";
      });
    } catch (err) {
      // A decision written by another replica between our check and our insert (its transaction
      // committed while ours waited on the index): the constraint is the last word.
      if (err instanceof pg.DatabaseError && err.code === "23505" && err.constraint === DECIDED_ONCE) return "already_decided";
      throw err;
    }
  }
}

function placeholders(count: number): string {
  return Array.from({ length: count }, (_, i) => `$${i + 1}`).join(", ");
}
