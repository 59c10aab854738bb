// The default ledger: one SQLite file in WAL mode, written through node:sqlite.
// recordRead runs on every tool call, so its statements are prepared once and each call is
// a single short transaction.

import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import type { Receipt } from "../executors/protocol.ts";
import type {
  Decision,
  DecisionOutcome,
  EvidenceBundle,
  Ledger,
  LedgerEvent,
  NewProposal,
  ProposalState,
  QueryAuditRecord,
  ReadOutcome,
  ReadRecord,
  StoredProposal,
  StoredReceipt,
  WritebackJob,
} from "./ledger.ts";
import { changeSetHash } from "./hash.ts";
import { newId, newKey } from "./ids.ts";
import { applyMigrations } from "./migrations.ts";
import { ReviewRuleError } from "./review-error.ts";
import { APPROVED_STATES, RECEIPT_EVENTS, RECEIPT_MOVES_FROM, toDecision, toJob, toReceipt } from "./review-rows.ts";
import { isStoreFault, StoreUnavailableError, storeUnavailable, type StoreAction } from "./store-error.ts";

export { StoreUnavailableError } from "./store-error.ts";

const BUSY_TIMEOUT_MS = 5000;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 10_000;

/**
 * Opens (creating directories and the file if needed) and migrates the ledger at `path`.
 * Throws StoreUnavailableError when the file cannot be created, opened or migrated.
 */
export function openSqliteLedger(path: string): Ledger {
  const inMemory = path === ":memory:";
  const action: StoreAction = inMemory || existsSync(path) ? "open" : "create";
  let db: DatabaseSync | undefined;
  try {
    if (!inMemory) ensureDirectory(dirname(resolve(path)));
    // The constructor's timeout is the busy timeout; it must be in place before WAL setup takes a lock.
    db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    // The random-id primary-key indexes are written at random places; a bigger cache keeps them off the disk.
    db.exec("PRAGMA cache_size = -16384");
    applyMigrations(db);
    return new SqliteLedger(db, path);
  } catch (err) {
    try {
      if (db?.isOpen) db.close();
    } catch {
      // Closing a half-opened handle can fail too; the original cause is the one to report.
    }
    throw storeUnavailable(path, action, err);
  }
}

/**
 * mkdir -p written out, because Node's recursive mkdirSync never returns on a path such as /proc/x
 * where mkdir keeps failing with ENOENT although the parent exists.
 */
function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EEXIST") {
      if (statSync(dir).isDirectory()) return;
      throw Object.assign(new Error(`not a directory: ${dir}`), { code: "ENOTDIR" });
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    ensureDirectory(parent);
    mkdirSync(dir);
  }
}

type Row = Record<string, unknown>;

interface Statements {
  begin: StatementSync;
  commit: StatementSync;
  rollback: StatementSync;
  insertRead: StatementSync;
  insertInternalError: StatementSync;
  insertProposal: StatementSync;
  insertEvent: StatementSync;
  proposalById: StatementSync;
  proposalByIdInTenant: StatementSync;
  evidenceById: StatementSync;
  evidenceByIdInTenant: StatementSync;
  eventsNewest: StatementSync;
  eventsAfter: StatementSync;
  eventsOfProposalNewest: StatementSync;
  eventsOfProposalAfter: StatementSync;
  moveState: StatementSync;
  insertDecision: StatementSync;
  decisionsOfProposal: StatementSync;
  insertJob: StatementSync;
  jobById: StatementSync;
  insertReceipt: StatementSync;
  receiptById: StatementSync;
}

// Filter field → column. Column names come only from these fixed maps, never from input.
const PROPOSAL_FILTERS = { tenantId: "tenant_id", state: "state", capability: "capability" } as const;
const EVIDENCE_FILTERS = { tenantId: "tenant_id", capability: "capability" } as const;
const AUDIT_FILTERS = { tenantId: "tenant_id", capability: "capability" } as const;
const RECEIPT_FILTERS = { proposalId: "proposal_id", tenantId: "tenant_id" } as const;

class SqliteLedger implements Ledger {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #stmts: Statements;
  readonly #listCache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, path: string) {
    this.#db = db;
    this.#path = path;
    const p = (sql: string) => db.prepare(sql);
    this.#stmts = {
      begin: p("BEGIN IMMEDIATE"),
      commit: p("COMMIT"),
      rollback: p("ROLLBACK"),
      insertRead: p(`INSERT INTO reads (key, capability, tenant_id, principal, source, table_name,
        statement_fingerprint, row_count, duration_ms, redacted_params, outcome, error_code, has_evidence,
        object_ids, args, rows, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertInternalError: p("INSERT INTO internal_errors (query_audit_id, code, detail, created_at) VALUES (?, ?, ?, ?)"),
      insertProposal: p(`INSERT INTO proposals (id, hash, state, capability, tenant_id, principal, source,
        target_table, object_id, target, before_row, patch, after_row, guards, args, evidence_id, approval,
        executor, plan_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertEvent: p("INSERT INTO events (type, proposal_id, tenant_id, detail, created_at) VALUES (?, ?, ?, ?, ?)"),
      proposalById: p("SELECT * FROM proposals WHERE id = ?"),
      proposalByIdInTenant: p("SELECT * FROM proposals WHERE id = ? AND tenant_id = ?"),
      // By key, not by the view's computed id, so the lookup uses the primary key.
      evidenceById: p("SELECT * FROM evidence_bundles WHERE key = ?"),
      evidenceByIdInTenant: p("SELECT * FROM evidence_bundles WHERE key = ? AND tenant_id = ?"),
      eventsNewest: p("SELECT * FROM events ORDER BY id DESC LIMIT ?"),
      eventsAfter: p("SELECT * FROM events WHERE id > ? ORDER BY id ASC LIMIT ?"),
      eventsOfProposalNewest: p("SELECT * FROM events WHERE proposal_id = ? ORDER BY id DESC LIMIT ?"),
      eventsOfProposalAfter: p("SELECT * FROM events WHERE proposal_id = ? AND id > ? ORDER BY id ASC LIMIT ?"),
      // The expected current state is part of the WHERE, so a state only moves from where the caller saw it.
      moveState: p("UPDATE proposals SET state = ?, updated_at = ? WHERE id = ? AND state = ?"),
      insertDecision: p(`INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash,
        created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      decisionsOfProposal: p("SELECT * FROM decisions WHERE proposal_id = ? ORDER BY created_at ASC, id ASC"),
      insertJob: p(`INSERT INTO writeback_jobs (id, proposal_id, tenant_id, idempotency_key, request, created_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      jobById: p("SELECT * FROM writeback_jobs WHERE id = ?"),
      insertReceipt: p(`INSERT INTO receipts (id, proposal_id, job_id, tenant_id, executor, status, receipt, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      receiptById: p("SELECT * FROM receipts WHERE id = ?"),
    };
  }

  recordRead(record: ReadRecord): { evidenceId: string | null; queryAuditId: string } {
    // Serialise before BEGIN so a bad value fails without opening a transaction.
    const row = serialiseRead(record);
    this.#transaction(() => this.#insertRead(row));
    return { evidenceId: row.evidenceId, queryAuditId: row.queryAuditId };
  }

  /**
   * Records several reads in one transaction (one WAL commit instead of one per read); each entry
   * is the result recordRead would have given, or the error it would have thrown. If the shared
   * transaction fails, each read is retried alone, so one bad record cannot fail the others.
   */
  recordReads(records: readonly ReadRecord[]): ReadOutcome[] {
    const outcomes: ReadOutcome[] = new Array(records.length);
    const batch: { index: number; row: SerialisedRead }[] = [];
    for (let i = 0; i < records.length; i++) {
      try {
        batch.push({ index: i, row: serialiseRead(records[i]!) });
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    }
    try {
      if (batch.length > 0) this.#transaction(() => {
        for (const { row } of batch) this.#insertRead(row);
      });
      for (const { index, row } of batch) outcomes[index] = { ok: true, evidenceId: row.evidenceId, queryAuditId: row.queryAuditId };
    } catch (error) {
      // The store itself failing (locked past the busy timeout, disk full) fails every read alike;
      // retrying each alone would only wait out the busy timeout once per read.
      if (error instanceof StoreUnavailableError) {
        for (const { index } of batch) outcomes[index] = { ok: false, error };
        return outcomes;
      }
      for (const { index } of batch) {
        try {
          outcomes[index] = { ok: true, ...this.recordRead(records[index]!) };
        } catch (error) {
          outcomes[index] = { ok: false, error };
        }
      }
    }
    return outcomes;
  }

  #insertRead(r: SerialisedRead): void {
    const record = r.record;
    this.#stmts.insertRead.run(r.key, record.capability, record.tenantId, record.principal, record.source,
      record.table, record.statementFingerprint, record.rows.length, record.durationMs, r.params, "ok", null,
      r.evidenceId ? 1 : 0, r.objectIds, r.args, r.rows, r.createdAt);
  }

  recordFailure(input: Parameters<Ledger["recordFailure"]>[0]): void {
    const createdAt = new Date().toISOString();
    const key = newKey();
    const s = this.#stmts;
    this.#transaction(() => {
      s.insertRead.run(key, input.capability, input.tenantId ?? null, input.principal ?? null, input.source ?? null,
        input.table ?? null, input.statementFingerprint ?? null, 0, 0, "[]", "error", input.code, 0, null, null, null,
        createdAt);
      s.insertInternalError.run(`qa_${key}`, input.code, input.internal, createdAt);
    });
  }

  createProposal(input: NewProposal): StoredProposal {
    const id = newId("wrp");
    const hash = changeSetHash(input);
    const state: ProposalState = "review_required";
    const createdAt = new Date().toISOString();
    const s = this.#stmts;
    this.#transaction(() => {
      s.insertProposal.run(id, hash, state, input.capability, input.tenantId, input.principal, input.source,
        qualifiedTable(input.target), input.target.primaryKey.value, JSON.stringify(input.target),
        JSON.stringify(input.before), JSON.stringify(input.patch), JSON.stringify(input.after),
        JSON.stringify(input.guards), JSON.stringify(input.args), input.evidenceId, JSON.stringify(input.approval),
        JSON.stringify(input.executor), input.planHash ?? null, createdAt, createdAt);
      s.insertEvent.run("proposal_created", id, input.tenantId,
        JSON.stringify({ hash, state, capability: input.capability, evidenceId: input.evidenceId }), createdAt);
    });
    // Return what was stored, not the caller's objects, so later mutation of `input` cannot drift from the row.
    return this.getProposal(id)!;
  }

  getProposal(id: string, tenantId?: string): StoredProposal | undefined {
    const row = this.#read(() =>
      tenantId === undefined ? this.#stmts.proposalById.get(id) : this.#stmts.proposalByIdInTenant.get(id, tenantId),
    );
    return row ? toProposal(row) : undefined;
  }

  getEvidence(id: string, tenantId?: string): EvidenceBundle | undefined {
    if (!id.startsWith("ev_")) return undefined;
    const key = id.slice(3);
    const row = this.#read(() =>
      tenantId === undefined ? this.#stmts.evidenceById.get(key) : this.#stmts.evidenceByIdInTenant.get(key, tenantId),
    );
    return row ? toEvidence(row) : undefined;
  }

  listProposals(filter: { tenantId?: string; state?: ProposalState; capability?: string; limit?: number } = {}): StoredProposal[] {
    return this.#list("proposals", "rowid", PROPOSAL_FILTERS, filter).map(toProposal);
  }

  listEvidence(filter: { tenantId?: string; capability?: string; limit?: number } = {}): EvidenceBundle[] {
    return this.#list("evidence_bundles", "key", EVIDENCE_FILTERS, filter).map(toEvidence);
  }

  listQueryAudit(filter: { tenantId?: string; capability?: string; limit?: number } = {}): QueryAuditRecord[] {
    return this.#list("query_audit", "key", AUDIT_FILTERS, filter).map(toQueryAudit);
  }

  /**
   * Without afterId: the latest events, newest first. With afterId: the events after that id,
   * oldest first, so a tail can page forward by passing the last id it saw without skipping any.
   */
  listEvents(filter: { afterId?: number; limit?: number; proposalId?: string } = {}): LedgerEvent[] {
    const limit = clampLimit(filter.limit);
    const s = this.#stmts;
    const { afterId, proposalId } = filter;
    const rows = this.#read(() => {
      if (proposalId !== undefined) {
        return afterId === undefined ? s.eventsOfProposalNewest.all(proposalId, limit) : s.eventsOfProposalAfter.all(proposalId, afterId, limit);
      }
      return afterId === undefined ? s.eventsNewest.all(limit) : s.eventsAfter.all(afterId, limit);
    });
    return rows.map(toEvent);
  }

  /**
   * The hash check is done here, inside the write transaction, against both the caller's
   * expected hash and a fresh hash of the stored change set, so a row edited behind the
   * ledger's back cannot be approved even if the caller checked it a moment earlier.
   */
  decide(input: Parameters<Ledger["decide"]>[0]): DecisionOutcome {
    const s = this.#stmts;
    const createdAt = new Date().toISOString();
    const id = newId("apr");
    let refusal: DecisionOutcome | undefined;
    this.#transaction(() => {
      const row = s.proposalById.get(input.proposalId);
      if (!row) {
        refusal = { ok: false, reason: "not_found" };
        return;
      }
      const stored = toProposal(row);
      if (stored.state !== "review_required") {
        refusal = { ok: false, reason: "not_reviewable", state: stored.state };
        return;
      }
      if (stored.hash !== input.expectedHash || changeSetHash(stored) !== stored.hash) {
        refusal = { ok: false, reason: "hash_mismatch", state: stored.state };
        return;
      }
      const role = input.role ?? null;
      const reason = input.reason ?? null;
      s.insertDecision.run(id, stored.id, stored.tenantId, input.decision, input.actor, role, reason, stored.hash, createdAt);
      s.moveState.run(input.decision, createdAt, stored.id, "review_required");
      s.insertEvent.run(input.decision === "approved" ? "proposal_approved" : "proposal_rejected", stored.id, stored.tenantId,
        JSON.stringify({ decisionId: id, actor: input.actor, role, reason, hash: stored.hash }), createdAt);
    });
    if (refusal) return refusal;
    const decision: Decision = {
      id,
      proposalId: input.proposalId,
      decision: input.decision,
      actor: input.actor,
      role: input.role ?? null,
      reason: input.reason ?? null,
      proposalHash: input.expectedHash,
      createdAt,
    };
    return { ok: true, decision, proposal: this.getProposal(input.proposalId)! };
  }

  listDecisions(proposalId: string): Decision[] {
    return this.#read(() => this.#stmts.decisionsOfProposal.all(proposalId)).map(toDecision);
  }

  /** Throws ReviewRuleError when the proposal is unknown or was never approved. */
  createWritebackJob(proposalId: string, request: Record<string, unknown>): WritebackJob {
    const s = this.#stmts;
    const id = newId("job");
    const createdAt = new Date().toISOString();
    const text = JSON.stringify(request);
    const idempotencyKey = typeof request.idempotency_key === "string" ? request.idempotency_key : null;
    this.#transaction(() => {
      const stored = this.#approvedProposal(proposalId, "a writeback job");
      s.insertJob.run(id, proposalId, stored.tenantId, idempotencyKey, text, createdAt);
      s.insertEvent.run("writeback_job_created", proposalId, stored.tenantId, JSON.stringify({ jobId: id, idempotencyKey }), createdAt);
    });
    return { id, proposalId, request: JSON.parse(text) as Record<string, unknown>, createdAt };
  }

  getWritebackJob(id: string): WritebackJob | undefined {
    const row = this.#read(() => this.#stmts.jobById.get(id));
    return row ? toJob(row) : undefined;
  }

  /**
   * Only approved and failed proposals move to the receipt's status. A receipt for a proposal
   * already applied or in conflict (a racing second apply answered already_applied) is still
   * stored and announced, because it records what the executor did, but the state stays.
   * Throws ReviewRuleError for an unknown proposal or job, or a proposal nobody approved.
   */
  recordReceipt(input: Parameters<Ledger["recordReceipt"]>[0]): StoredReceipt {
    const s = this.#stmts;
    const id = newId("rcp");
    const createdAt = new Date().toISOString();
    const receiptText = JSON.stringify(input.receipt);
    const executorText = JSON.stringify(input.executor);
    let tenantId = "";
    this.#transaction(() => {
      const stored = this.#approvedProposal(input.proposalId, "a receipt");
      const job = s.jobById.get(input.jobId);
      if (!job || job.proposal_id !== input.proposalId) {
        throw new ReviewRuleError("JOB_NOT_FOUND", `writeback job ${input.jobId} does not belong to proposal ${input.proposalId}`);
      }
      tenantId = stored.tenantId;
      const status = input.receipt.status;
      s.insertReceipt.run(id, input.proposalId, input.jobId, tenantId, executorText, status, receiptText, createdAt);
      if (RECEIPT_MOVES_FROM.has(stored.state)) s.moveState.run(status, createdAt, stored.id, stored.state);
      s.insertEvent.run(RECEIPT_EVENTS[status], input.proposalId, tenantId, JSON.stringify({
        receiptId: id,
        jobId: input.jobId,
        status,
        safeErrorCode: input.receipt.safe_error_code,
        rowsAffected: input.receipt.rows_affected,
        executor: input.executor.name,
        previousState: stored.state,
      }), createdAt);
    });
    return {
      id,
      proposalId: input.proposalId,
      jobId: input.jobId,
      tenantId,
      executor: JSON.parse(executorText) as StoredReceipt["executor"],
      receipt: JSON.parse(receiptText) as Receipt,
      createdAt,
    };
  }

  getReceipt(id: string): StoredReceipt | undefined {
    const row = this.#read(() => this.#stmts.receiptById.get(id));
    return row ? toReceipt(row) : undefined;
  }

  listReceipts(filter: { proposalId?: string; tenantId?: string; limit?: number } = {}): StoredReceipt[] {
    return this.#list("receipts", "rowid", RECEIPT_FILTERS, filter).map(toReceipt);
  }

  /** Inside a transaction: the proposal, if it exists and a person approved it. */
  #approvedProposal(proposalId: string, what: string): StoredProposal {
    const row = this.#stmts.proposalById.get(proposalId);
    if (!row) throw new ReviewRuleError("PROPOSAL_NOT_FOUND", `no proposal ${proposalId} for ${what}`);
    const stored = toProposal(row);
    if (!APPROVED_STATES.has(stored.state)) {
      throw new ReviewRuleError("APPROVAL_REQUIRED", `proposal ${proposalId} is ${stored.state}; ${what} needs an approved proposal`);
    }
    return stored;
  }

  appendEvent(type: string, detail: Record<string, unknown>, refs: { proposalId?: string; tenantId?: string } = {}): void {
    const text = JSON.stringify(detail);
    const createdAt = new Date().toISOString();
    try {
      this.#stmts.insertEvent.run(type, refs.proposalId ?? null, refs.tenantId ?? null, text, createdAt);
    } catch (err) {
      throw this.#wrap("write", err);
    }
  }

  close(): void {
    if (!this.#db.isOpen) return;
    try {
      // Keeps query plans good for long-lived stores; cheap when there is nothing to do.
      this.#db.exec("PRAGMA optimize");
    } catch {
      // Optimisation is best effort; closing must still happen.
    }
    this.#db.close();
  }

  #transaction(work: () => void): void {
    const s = this.#stmts;
    try {
      s.begin.run();
    } catch (err) {
      throw this.#wrap("write", err);
    }
    try {
      work();
      s.commit.run();
    } catch (err) {
      if (this.#db.isOpen && this.#db.isTransaction) s.rollback.run();
      throw this.#wrap("write", err);
    }
  }

  #read<T>(query: () => T): T {
    try {
      return query();
    } catch (err) {
      throw this.#wrap("read", err);
    }
  }

  /** Store faults become StoreUnavailableError; anything else (a bug in our SQL, bad input) stays as is. */
  #wrap(action: StoreAction, err: unknown): unknown {
    return isStoreFault(err) ? storeUnavailable(this.#path, action, err) : err;
  }

  /** `tiebreak` is the column every index entry ends with (rowid, or the key of WITHOUT ROWID tables), so the order uses the index. */
  #prepareList(cacheKey: string, table: string, tiebreak: string, filterColumns: string[]): StatementSync {
    const where = filterColumns.length ? `WHERE ${filterColumns.map((column) => `${column} = ?`).join(" AND ")}` : "";
    const sql = `SELECT * FROM ${table} ${where} ORDER BY created_at DESC, ${tiebreak} DESC LIMIT ?`;
    const stmt = this.#read(() => this.#db.prepare(sql));
    this.#listCache.set(cacheKey, stmt);
    return stmt;
  }

  #list(table: string, tiebreak: string, columns: Record<string, string>, filter: Record<string, unknown>): Row[] {
    const used = Object.keys(columns).filter((key) => filter[key] !== undefined);
    const cacheKey = `${table}:${used.join(",")}`;
    const stmt =
      this.#listCache.get(cacheKey) ?? this.#prepareList(cacheKey, table, tiebreak, used.map((key) => columns[key]!));
    const values = used.map((key) => filter[key] as SQLInputValue);
    const limit = clampLimit(filter.limit as number | undefined);
    return this.#read(() => stmt.all(...values, limit)) as Row[];
  }
}

interface SerialisedRead {
  record: ReadRecord;
  key: string;
  createdAt: string;
  queryAuditId: string;
  evidenceId: string | null;
  params: string;
  objectIds: string | null;
  args: string | null;
  rows: string | null;
}

function serialiseRead(record: ReadRecord): SerialisedRead {
  const key = newKey();
  const evidenceId = record.withEvidence ? `ev_${key}` : null;
  return {
    record,
    key,
    createdAt: new Date().toISOString(),
    queryAuditId: `qa_${key}`,
    evidenceId,
    params: JSON.stringify(record.redactedParams),
    objectIds: evidenceId ? JSON.stringify(record.objectIds) : null,
    args: evidenceId ? JSON.stringify(record.args) : null,
    rows: evidenceId ? JSON.stringify(record.rows) : null,
  };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(1, Math.floor(limit)), MAX_LIMIT);
}

function qualifiedTable(target: NewProposal["target"]): string {
  return target.schema ? `${target.schema}.${target.table}` : target.table;
}

function json<T>(value: unknown): T {
  return JSON.parse(value as string) as T;
}

function toProposal(row: Row): StoredProposal {
  return {
    id: row.id as string,
    hash: row.hash as string,
    state: row.state as ProposalState,
    capability: row.capability as string,
    tenantId: row.tenant_id as string,
    principal: row.principal as string,
    source: row.source as string,
    target: json(row.target),
    before: json(row.before_row),
    patch: json(row.patch),
    after: json(row.after_row),
    guards: json(row.guards),
    args: json(row.args),
    evidenceId: row.evidence_id as string,
    approval: json(row.approval),
    executor: json(row.executor),
    planHash: (row.plan_hash as string | null) ?? null,
    createdAt: row.created_at as string,
  };
}

function toEvidence(row: Row): EvidenceBundle {
  return {
    id: row.id as string,
    capability: row.capability as string,
    tenantId: row.tenant_id as string,
    principal: row.principal as string,
    table: row.table_name as string,
    objectIds: json(row.object_ids),
    args: json(row.args),
    rows: json(row.rows),
    queryAuditId: row.query_audit_id as string,
    createdAt: row.created_at as string,
  };
}

// A failure recorded before the tenant or source was known has NULL columns; the record type wants strings.
function toQueryAudit(row: Row): QueryAuditRecord {
  const record: QueryAuditRecord = {
    id: row.id as string,
    capability: row.capability as string,
    tenantId: (row.tenant_id as string | null) ?? "",
    principal: (row.principal as string | null) ?? "",
    source: (row.source as string | null) ?? "",
    table: (row.table_name as string | null) ?? "",
    statementFingerprint: (row.statement_fingerprint as string | null) ?? "",
    rowCount: row.row_count as number,
    durationMs: row.duration_ms as number,
    redactedParams: json(row.redacted_params),
    outcome: row.outcome as "ok" | "error",
    createdAt: row.created_at as string,
  };
  if (row.error_code !== null) record.errorCode = row.error_code as string;
  return record;
}

function toEvent(row: Row): LedgerEvent {
  const event: LedgerEvent = {
    id: row.id as number,
    type: row.type as string,
    detail: json(row.detail),
    createdAt: row.created_at as string,
  };
  if (row.proposal_id !== null) event.proposalId = row.proposal_id as string;
  if (row.tenant_id !== null) event.tenantId = row.tenant_id as string;
  return event;
}
