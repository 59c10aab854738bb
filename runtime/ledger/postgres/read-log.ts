// The read hot path on Postgres. Reads finishing in the same event-loop turn are written by ONE
// multi-row INSERT (group commit, read-batch.ts): one round trip and one WAL flush for the batch,
// no explicit transaction (a single statement is atomic), and nothing is held open while a source
// database is queried: a read is recorded only after its source query has finished.

import { newKey } from "../ids.ts";
import type { ReadLog } from "../ports.ts";
import { groupCommit, type ReadRecorder } from "../read-batch.ts";
import type { EvidenceBundle, FailureRecord, InternalErrorFilter, InternalErrorRecord, QueryAuditRecord, ReadFilter, ReadIds, ReadOutcome, ReadRecord } from "../records.ts";
import { StoreUnavailableError } from "../store-error.ts";
import { toEvidence, toInternalError, toQueryAudit } from "../rows.ts";
import { redactCredentials } from "../../text/credentials.ts";
import { LEDGER_SCHEMA, type PgListSpec, type PostgresLedgerDatabase } from "./database.ts";

const S = LEDGER_SCHEMA;

const READ_COLUMNS = [
  "key", "capability", "tenant_id", "principal", "source", "table_name", "statement_fingerprint", "row_count", "duration_ms",
  "redacted_params", "outcome", "error_code", "has_evidence", "object_ids", "args", "rows", "traceparent", "created_at", "roles",
] as const;
const INSERT_READS = `INSERT INTO ${S}.reads (${READ_COLUMNS.join(", ")}) VALUES `;
/** Rows per INSERT: 19 parameters each stays far below Postgres's 65,535 parameters per statement. */
const ROWS_PER_STATEMENT = 1000;

// The same views of a read row as the SQLite ledger's (sqlite/read-log.ts), in Postgres SQL.
const EVIDENCE_ROWS = `(SELECT key, 'ev_' || key AS id, 'qa_' || key AS query_audit_id, capability, tenant_id, principal, roles, source,
  table_name, object_ids, args, rows, created_at FROM ${S}.reads WHERE has_evidence) AS evidence`;
const AUDIT_ROWS = `(SELECT key, 'qa_' || key AS id, CASE WHEN has_evidence THEN 'ev_' || key END AS evidence_id, capability, tenant_id,
  principal, source, table_name, statement_fingerprint, row_count, duration_ms, redacted_params, outcome, error_code, object_ids,
  traceparent, created_at FROM ${S}.reads) AS audit`;
const INTERNAL_ERRORS = `(SELECT i.id, i.code, i.query_audit_id, i.detail, i.created_at, r.capability, r.tenant_id, r.principal,
  r.source, r.table_name FROM ${S}.internal_errors i LEFT JOIN ${S}.reads r ON r.key = substr(i.query_audit_id, 4)) AS errors`;

/** The table name after its schema, or the whole name when it has none. */
const BARE_TABLE = "substring(table_name from position('.' in table_name) + 1)";
const READ_FILTERS = {
  tenantId: "tenant_id",
  capability: "capability",
  object: `EXISTS (SELECT 1 FROM json_array_elements_text(object_ids::json) AS o(v)
    WHERE o.v = ? OR table_name || ':' || o.v = ? OR ${BARE_TABLE} || ':' || o.v = ?)`,
  source: "source",
  table: `table_name = ? OR ${BARE_TABLE} = ?`,
  since: "created_at >= ?",
  until: "created_at <= ?",
};
const EVIDENCE_LIST: PgListSpec = { from: EVIDENCE_ROWS, order: "created_at DESC, key DESC", filters: READ_FILTERS };
const AUDIT_LIST: PgListSpec = {
  from: AUDIT_ROWS,
  order: "created_at DESC, key DESC",
  filters: {
    ...READ_FILTERS,
    evidenceId: "key = substr(?, 4) AND evidence_id = ?",
    outcome: "outcome",
    traceId: "substr(traceparent, 4, 32) = ?",
  },
};
const INTERNAL_ERROR_LIST: PgListSpec = {
  from: INTERNAL_ERRORS,
  order: "created_at DESC, id DESC",
  filters: { code: "code", capability: "capability", since: "created_at >= ?" },
};

interface SerialisedRead {
  index: number;
  queryAuditId: string;
  evidenceId: string | null;
  values: unknown[];
}

export class PostgresReadLog implements ReadLog {
  readonly #db: PostgresLedgerDatabase;
  readonly #recorder: ReadRecorder;

  constructor(db: PostgresLedgerDatabase) {
    this.#db = db;
    this.#recorder = groupCommit((records) => this.writeReads(records));
  }

  recordRead(record: ReadRecord): Promise<ReadIds> {
    return this.#recorder(record);
  }

  recordReads(records: readonly ReadRecord[]): Promise<ReadOutcome[]> {
    return this.writeReads(records);
  }

  /**
   * Writes the batch with one INSERT per ROWS_PER_STATEMENT reads. When a statement fails for a
   * reason other than the store (a value Postgres refuses), each of its reads is retried alone so
   * one bad record cannot fail the others; a store fault fails them all at once.
   */
  async writeReads(records: readonly ReadRecord[]): Promise<ReadOutcome[]> {
    const outcomes: ReadOutcome[] = new Array(records.length);
    const batch: SerialisedRead[] = [];
    records.forEach((record, index) => {
      try {
        batch.push(serialiseRead(record, index));
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    });
    for (let start = 0; start < batch.length; start += ROWS_PER_STATEMENT) {
      const chunk = batch.slice(start, start + ROWS_PER_STATEMENT);
      try {
        await this.#insert(chunk);
        for (const r of chunk) outcomes[r.index] = { ok: true, evidenceId: r.evidenceId, queryAuditId: r.queryAuditId };
      } catch (error) {
        if (error instanceof StoreUnavailableError || chunk.length === 1) {
          for (const r of chunk) outcomes[r.index] = { ok: false, error };
          continue;
        }
        for (const r of chunk) {
          try {
            await this.#insert([r]);
            outcomes[r.index] = { ok: true, evidenceId: r.evidenceId, queryAuditId: r.queryAuditId };
          } catch (error) {
            outcomes[r.index] = { ok: false, error };
          }
        }
      }
    }
    return outcomes;
  }

  async #insert(rows: readonly SerialisedRead[]): Promise<void> {
    await this.#db.query("write", insertText(rows.length), rows.flatMap((r) => r.values));
  }

  async recordFailure(failure: FailureRecord): Promise<void> {
    const createdAt = new Date().toISOString();
    const key = newKey();
    await this.#db.transaction(async (client) => {
      await client.query(`${INSERT_READS}(${READ_COLUMNS.map((_, c) => `$${c + 1}`).join(", ")})`, [
        key, failure.capability, failure.tenantId ?? null, failure.principal ?? null, failure.source ?? null, failure.table ?? null,
        failure.statementFingerprint ?? null, 0, 0, "[]", "error", failure.code, false, null, null, null, failure.traceparent ?? null,
        createdAt, rolesColumn(failure.roles),
      ]);
      // The detail may quote a database or handler URL; its credentials never enter the ledger.
      await client.query(`INSERT INTO ${S}.internal_errors (query_audit_id, code, detail, created_at) VALUES ($1, $2, $3, $4)`, [
        `qa_${key}`, failure.code, redactCredentials(failure.internal), createdAt,
      ]);
    });
  }

  async getEvidence(id: string, tenantId?: string): Promise<EvidenceBundle | undefined> {
    if (!id.startsWith("ev_")) return undefined;
    const [row] = await this.#byKey(EVIDENCE_ROWS, id.slice(3), tenantId);
    return row ? toEvidence(row) : undefined;
  }

  async listEvidence(filter: ReadFilter = {}): Promise<EvidenceBundle[]> {
    return (await this.#db.list(EVIDENCE_LIST, filter)).map(toEvidence);
  }

  async getQueryAudit(id: string, tenantId?: string): Promise<QueryAuditRecord | undefined> {
    if (!id.startsWith("qa_")) return undefined;
    const [row] = await this.#byKey(AUDIT_ROWS, id.slice(3), tenantId);
    return row ? toQueryAudit(row) : undefined;
  }

  async listQueryAudit(filter: ReadFilter = {}): Promise<QueryAuditRecord[]> {
    return (await this.#db.list(AUDIT_LIST, filter)).map(toQueryAudit);
  }

  async listInternalErrors(filter: InternalErrorFilter = {}): Promise<InternalErrorRecord[]> {
    return (await this.#db.list(INTERNAL_ERROR_LIST, filter)).map(toInternalError);
  }

  async getInternalError(id: number): Promise<InternalErrorRecord | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const [row] = await this.#db.query("read", `SELECT * FROM ${INTERNAL_ERRORS} WHERE id = $1`, [id]);
    return row ? toInternalError(row) : undefined;
  }

  #byKey(from: string, key: string, tenantId: string | undefined) {
    return tenantId === undefined
      ? this.#db.query("read", `SELECT * FROM ${from} WHERE key = $1`, [key])
      : this.#db.query("read", `SELECT * FROM ${from} WHERE key = $1 AND tenant_id = $2`, [key, tenantId]);
  }
}

// The INSERT for n rows, built once per batch size: the hot path sends a batch of one or a few.
const insertTexts = new Map<number, string>();
const CACHED_BATCH_SIZES = 64;
function insertText(rows: number): string {
  let text = insertTexts.get(rows);
  if (text === undefined) {
    const width = READ_COLUMNS.length;
    const tuples = Array.from({ length: rows }, (_, r) => `(${READ_COLUMNS.map((__, c) => `$${r * width + c + 1}`).join(", ")})`);
    text = INSERT_READS + tuples.join(", ");
    if (rows <= CACHED_BATCH_SIZES) insertTexts.set(rows, text);
  }
  return text;
}

function serialiseRead(record: ReadRecord, index: number): SerialisedRead {
  const key = newKey();
  const evidenceId = record.withEvidence ? `ev_${key}` : null;
  const values = [
    key, record.capability, record.tenantId, record.principal, record.source, record.table, record.statementFingerprint,
    record.rows.length, record.durationMs, JSON.stringify(record.redactedParams), "ok", null, evidenceId !== null,
    evidenceId ? JSON.stringify(record.objectIds) : null, evidenceId ? JSON.stringify(record.args) : null,
    evidenceId ? JSON.stringify(record.rows) : null, record.traceparent ?? null, new Date().toISOString(), rolesColumn(record.roles),
  ];
  return { index, queryAuditId: `qa_${key}`, evidenceId, values };
}

/** The roles column: a JSON list when the caller's roles were verified, NULL when none are mapped. */
function rolesColumn(roles: readonly string[] | undefined): string | null {
  return roles === undefined ? null : JSON.stringify(roles);
}
