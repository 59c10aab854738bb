// The read hot path on SQLite: every tool call writes one row (its query audit and, usually, its
// evidence bundle). Statements are prepared once; concurrent reads share one transaction through
// the group commit, and the work itself stays synchronous under the async port, so a call pays
// one promise, not one per statement.

import type { StatementSync } from "node:sqlite";
import { newKey } from "../ids.ts";
import type { ReadLog } from "../ports.ts";
import { groupCommit, type ReadRecorder } from "../read-batch.ts";
import type { EvidenceBundle, FailureRecord, InternalErrorFilter, InternalErrorRecord, QueryAuditRecord, ReadFilter, ReadIds, ReadOutcome, ReadRecord } from "../records.ts";
import { StoreUnavailableError } from "../store-error.ts";
import type { ListPredicate, ListSpec, SqliteDatabase } from "./database.ts";
import { toEvidence, toInternalError, toQueryAudit } from "../rows.ts";
import { redactCredentials } from "../../text/credentials.ts";

// Each internal error with the call it failed (the read row it shares a key with). A subquery, not
// a view: listing needs no schema change, and the store stays readable by earlier builds.
const INTERNAL_ERRORS = `(SELECT i.id, i.code, i.query_audit_id, i.detail, i.created_at, r.capability, r.tenant_id, r.principal,
  r.source, r.table_name FROM internal_errors i LEFT JOIN reads r ON r.key = substr(i.query_audit_id, 4))`;
const INTERNAL_ERROR_LIST: ListSpec = {
  table: INTERNAL_ERRORS,
  tiebreak: "id",
  filters: { code: "code", capability: "capability", since: { sql: "created_at >= ?", uses: 1 } },
};

// Searching reads. The listings select from `reads` itself rather than its two views, so they can
// also filter on what a view leaves out (an evidence bundle's source, an audit row's objects); a
// subquery, like INTERNAL_ERRORS, so no schema change is needed. Only the (tenant, time) index
// exists (every index is another WAL page on every call's commit: a per-object index measured ~6x
// slower on the read hot path, and the capability index went in migration step 10): the capability,
// object, source, table and time filters are checked on the rows that index (or the table) gives.
const EVIDENCE_ROWS = `(SELECT key, 'ev_' || key AS id, 'qa_' || key AS query_audit_id, capability, tenant_id, principal, roles, source,
  table_name, object_ids, args, rows, created_at FROM reads WHERE has_evidence = 1)`;
const AUDIT_ROWS = `(SELECT key, 'qa_' || key AS id, CASE WHEN has_evidence = 1 THEN 'ev_' || key END AS evidence_id, capability, tenant_id,
  principal, source, table_name, statement_fingerprint, row_count, duration_ms, redacted_params, outcome, error_code, object_ids,
  traceparent, created_at FROM reads)`;

/** ReadFilter.object: a key the read returned, alone or after its table (bare or schema-qualified) and a colon. */
const READ_OBJECT: ListPredicate = {
  sql: `EXISTS (SELECT 1 FROM json_each(object_ids) o WHERE o.value = ? OR table_name || ':' || o.value = ?
    OR substr(table_name, instr(table_name, '.') + 1) || ':' || o.value = ?)`,
  uses: 3,
};
/** ReadFilter.table: "invoices" finds reads of "public.invoices" too. */
const READ_TABLE: ListPredicate = { sql: "table_name = ? OR substr(table_name, instr(table_name, '.') + 1) = ?", uses: 2 };
const READ_FILTERS = {
  tenantId: "tenant_id",
  capability: "capability",
  object: READ_OBJECT,
  source: "source",
  table: READ_TABLE,
  since: { sql: "created_at >= ?", uses: 1 },
  until: { sql: "created_at <= ?", uses: 1 },
} as const satisfies Record<string, string | ListPredicate>;
const EVIDENCE_LIST: ListSpec = { table: EVIDENCE_ROWS, tiebreak: "key", filters: READ_FILTERS };
const AUDIT_LIST: ListSpec = {
  table: AUDIT_ROWS,
  tiebreak: "key",
  // By key, so the evidence id finds its one read by primary key.
  filters: {
    ...READ_FILTERS,
    evidenceId: { sql: "key = substr(?, 4) AND evidence_id = ?", uses: 2 },
    outcome: "outcome",
    // The trace-id is characters 4-35 of a version-00 traceparent (the only version stored).
    traceId: { sql: "substr(traceparent, 4, 32) = ?", uses: 1 },
  },
};
const AUDIT_BY_ID = `SELECT * FROM ${AUDIT_ROWS} WHERE key = ?`;

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

export class SqliteReadLog implements ReadLog {
  readonly #db: SqliteDatabase;
  readonly #insertRead: StatementSync;
  readonly #insertInternalError: StatementSync;
  readonly #evidenceById: StatementSync;
  readonly #evidenceByIdInTenant: StatementSync;
  readonly #recorder: ReadRecorder;
  readonly #internalErrorById: StatementSync;
  readonly #auditById: StatementSync;
  readonly #auditByIdInTenant: StatementSync;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insertRead = db.prepare(`INSERT INTO reads (key, capability, tenant_id, principal, source, table_name,
      statement_fingerprint, row_count, duration_ms, redacted_params, outcome, error_code, has_evidence,
      object_ids, args, rows, traceparent, created_at, roles) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#insertInternalError = db.prepare("INSERT INTO internal_errors (query_audit_id, code, detail, created_at) VALUES (?, ?, ?, ?)");
    // By key, not by the view's computed id, so the lookup uses the primary key.
    // The subquery rather than the evidence_bundles view, which predates the roles column; SQLite
    // flattens it, so this is still a primary-key lookup.
    this.#evidenceById = db.prepare(`SELECT * FROM ${EVIDENCE_ROWS} WHERE key = ?`);
    this.#evidenceByIdInTenant = db.prepare(`SELECT * FROM ${EVIDENCE_ROWS} WHERE key = ? AND tenant_id = ?`);
    this.#internalErrorById = db.prepare(`SELECT * FROM ${INTERNAL_ERRORS} WHERE id = ?`);
    this.#auditById = db.prepare(AUDIT_BY_ID);
    this.#auditByIdInTenant = db.prepare(`${AUDIT_BY_ID} AND tenant_id = ?`);
    this.#recorder = groupCommit((records) => this.writeReads(records));
  }

  recordRead(record: ReadRecord): Promise<ReadIds> {
    return this.#recorder(record);
  }

  async recordReads(records: readonly ReadRecord[]): Promise<ReadOutcome[]> {
    return this.writeReads(records);
  }

  /**
   * Writes the batch in one transaction (one WAL commit instead of one per read); each entry is
   * the ids, or what that read failed with. If the shared transaction fails, each read is retried
   * alone, so one bad record cannot fail the others.
   */
  writeReads(records: readonly ReadRecord[]): ReadOutcome[] {
    const outcomes: ReadOutcome[] = new Array(records.length);
    const batch: { index: number; row: SerialisedRead }[] = [];
    for (let i = 0; i < records.length; i++) {
      try {
        // Serialise before BEGIN so a bad value fails without opening a transaction.
        batch.push({ index: i, row: serialiseRead(records[i]!) });
      } catch (error) {
        outcomes[i] = { ok: false, error };
      }
    }
    if (batch.length === 0) return outcomes;
    try {
      this.#db.transaction(() => {
        for (const { row } of batch) this.#insert(row);
      });
      for (const { index, row } of batch) outcomes[index] = { ok: true, evidenceId: row.evidenceId, queryAuditId: row.queryAuditId };
    } catch (error) {
      // The store itself failing (locked past the busy timeout, disk full) fails every read alike;
      // retrying each alone would only wait out the busy timeout once per read.
      if (error instanceof StoreUnavailableError || batch.length === 1) {
        for (const { index } of batch) outcomes[index] = { ok: false, error };
        return outcomes;
      }
      for (const { index, row } of batch) {
        try {
          this.#db.transaction(() => this.#insert(row));
          outcomes[index] = { ok: true, evidenceId: row.evidenceId, queryAuditId: row.queryAuditId };
        } catch (error) {
          outcomes[index] = { ok: false, error };
        }
      }
    }
    return outcomes;
  }

  #insert(r: SerialisedRead): void {
    const record = r.record;
    this.#insertRead.run(r.key, record.capability, record.tenantId, record.principal, record.source,
      record.table, record.statementFingerprint, record.rows.length, record.durationMs, r.params, "ok", null,
      r.evidenceId ? 1 : 0, r.objectIds, r.args, r.rows, record.traceparent ?? null, r.createdAt, rolesColumn(record.roles));
  }

  async recordFailure(failure: FailureRecord): Promise<void> {
    const createdAt = new Date().toISOString();
    const key = newKey();
    this.#db.transaction(() => {
      this.#insertRead.run(key, failure.capability, failure.tenantId ?? null, failure.principal ?? null, failure.source ?? null,
        failure.table ?? null, failure.statementFingerprint ?? null, 0, 0, "[]", "error", failure.code, 0, null, null, null,
        failure.traceparent ?? null, createdAt, rolesColumn(failure.roles));
      // The detail may quote a database or handler URL; its credentials never enter the file.
      this.#insertInternalError.run(`qa_${key}`, failure.code, redactCredentials(failure.internal), createdAt);
    });
  }

  async getEvidence(id: string, tenantId?: string): Promise<EvidenceBundle | undefined> {
    if (!id.startsWith("ev_")) return undefined;
    const key = id.slice(3);
    const row = this.#db.read(() =>
      tenantId === undefined ? this.#evidenceById.get(key) : this.#evidenceByIdInTenant.get(key, tenantId),
    );
    return row ? toEvidence(row) : undefined;
  }

  async listEvidence(filter: ReadFilter = {}): Promise<EvidenceBundle[]> {
    return this.#db.list(EVIDENCE_LIST, filter).map(toEvidence);
  }

  async getQueryAudit(id: string, tenantId?: string): Promise<QueryAuditRecord | undefined> {
    if (!id.startsWith("qa_")) return undefined;
    const key = id.slice(3);
    const row = this.#db.read(() =>
      tenantId === undefined ? this.#auditById.get(key) : this.#auditByIdInTenant.get(key, tenantId),
    );
    return row ? toQueryAudit(row) : undefined;
  }

  async listQueryAudit(filter: ReadFilter = {}): Promise<QueryAuditRecord[]> {
    return this.#db.list(AUDIT_LIST, filter).map(toQueryAudit);
  }

  async listInternalErrors(filter: InternalErrorFilter = {}): Promise<InternalErrorRecord[]> {
    return this.#db.list(INTERNAL_ERROR_LIST, filter).map(toInternalError);
  }

  async getInternalError(id: number): Promise<InternalErrorRecord | undefined> {
    const row = this.#db.read(() => this.#internalErrorById.get(id));
    return row ? toInternalError(row) : undefined;
  }
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

/** The roles column: a JSON list when the caller's roles were verified, NULL when none are mapped. */
function rolesColumn(roles: readonly string[] | undefined): string | null {
  return roles === undefined ? null : JSON.stringify(roles);
}
