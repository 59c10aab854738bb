// Numbered schema steps for the SQLite ledger. A step is never edited once released:
// changes go in a new step, so a store written by any earlier build opens and upgrades in place.

import type { DatabaseSync } from "node:sqlite";

export interface MigrationStep {
  version: number;
  name: string;
  sql: string;
  /**
   * The step rebuilds a table others reference (SQLite cannot change a CHECK in place), so
   * foreign keys are off while it runs and checked before it commits (SQLite's documented
   * procedure: the pragma cannot change inside a transaction).
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  {
    version: 1,
    name: "reads: query audit, evidence bundles, internal errors",
    // Every tool call writes one read, and every b-tree a write touches is another page in the WAL,
    // so a read is ONE row: its query audit and, when the capability keeps evidence, its evidence
    // bundle. Both ids share the row's key ('qa_' || key, 'ev_' || key), the views below give each
    // its own shape, and a lookup by either id is a primary-key lookup. The table is WITHOUT ROWID
    // and keyed by time-ordered ids (ids.ts), so inserts append at the right edge of every b-tree.
    // Only the tenant and capability indexes exist (both ordered by time); a per-object index cost
    // one page per returned row (measured: ~6x slower for a 20-row read), so searching evidence by
    // object scans the tenant's object_ids with json_each. Proposals do index their object.
    sql: `
      CREATE TABLE reads (
        key TEXT PRIMARY KEY,
        capability TEXT NOT NULL,
        tenant_id TEXT,
        principal TEXT,
        source TEXT,
        table_name TEXT,
        statement_fingerprint TEXT,
        row_count INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        redacted_params TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
        error_code TEXT,
        has_evidence INTEGER NOT NULL CHECK (has_evidence IN (0, 1)),
        object_ids TEXT,
        args TEXT,
        rows TEXT,
        created_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX reads_tenant ON reads (tenant_id, created_at);
      CREATE INDEX reads_capability ON reads (capability, created_at);

      CREATE VIEW query_audit AS
        SELECT key, 'qa_' || key AS id, capability, tenant_id, principal, source, table_name, statement_fingerprint,
          row_count, duration_ms, redacted_params, outcome, error_code,
          CASE WHEN has_evidence = 1 THEN 'ev_' || key END AS evidence_id, created_at
        FROM reads;

      CREATE VIEW evidence_bundles AS
        SELECT key, 'ev_' || key AS id, 'qa_' || key AS query_audit_id, capability, tenant_id, principal, table_name,
          object_ids, args, rows, created_at
        FROM reads WHERE has_evidence = 1;

      -- Raw failure text (driver messages, stacks). Operators read it; callers never see it.
      CREATE TABLE internal_errors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        query_audit_id TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX internal_errors_query_audit ON internal_errors (query_audit_id);
    `,
  },
  {
    version: 2,
    name: "proposals and lifecycle events",
    sql: `
      CREATE TABLE proposals (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN
          ('review_required', 'approved', 'rejected', 'applied', 'already_applied', 'conflict', 'failed')),
        capability TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        principal TEXT NOT NULL,
        source TEXT NOT NULL,
        target_table TEXT NOT NULL,
        object_id TEXT NOT NULL,
        target TEXT NOT NULL,
        before_row TEXT NOT NULL,
        patch TEXT NOT NULL,
        after_row TEXT NOT NULL,
        guards TEXT NOT NULL,
        args TEXT NOT NULL,
        evidence_id TEXT NOT NULL,
        approval TEXT NOT NULL,
        executor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX proposals_tenant ON proposals (tenant_id, created_at);
      CREATE INDEX proposals_state ON proposals (state, created_at);
      CREATE INDEX proposals_capability ON proposals (capability, created_at);
      CREATE INDEX proposals_object ON proposals (tenant_id, target_table, object_id);
      CREATE INDEX proposals_created ON proposals (created_at);
      CREATE INDEX proposals_evidence ON proposals (evidence_id);

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        proposal_id TEXT,
        tenant_id TEXT,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX events_proposal ON events (proposal_id, id);
      CREATE INDEX events_tenant ON events (tenant_id, id);
      CREATE INDEX events_type ON events (type, id);
    `,
  },
  {
    version: 3,
    name: "decisions, writeback jobs and receipts",
    // A proposal is decided once (the unique index makes a second decision impossible even if a
    // caller skips the state check), and every job and receipt names its proposal and tenant so
    // replay and tenant-scoped listings are index lookups.
    sql: `
      CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES proposals (id),
        tenant_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        actor TEXT NOT NULL,
        role TEXT,
        reason TEXT,
        proposal_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX decisions_proposal ON decisions (proposal_id);
      CREATE INDEX decisions_tenant ON decisions (tenant_id, created_at);
      CREATE INDEX decisions_created ON decisions (created_at);

      CREATE TABLE writeback_jobs (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES proposals (id),
        tenant_id TEXT NOT NULL,
        idempotency_key TEXT,
        request TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX writeback_jobs_proposal ON writeback_jobs (proposal_id, created_at);
      CREATE INDEX writeback_jobs_tenant ON writeback_jobs (tenant_id, created_at);
      CREATE INDEX writeback_jobs_created ON writeback_jobs (created_at);

      CREATE TABLE receipts (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES proposals (id),
        job_id TEXT NOT NULL REFERENCES writeback_jobs (id),
        tenant_id TEXT NOT NULL,
        executor TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('applied', 'already_applied', 'conflict', 'failed')),
        receipt TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX receipts_proposal ON receipts (proposal_id, created_at);
      CREATE INDEX receipts_tenant ON receipts (tenant_id, created_at);
      CREATE INDEX receipts_job ON receipts (job_id);
      CREATE INDEX receipts_status ON receipts (status, created_at);
      CREATE INDEX receipts_created ON receipts (created_at);
    `,
  },
  {
    version: 4,
    name: "proposals record the compiled plan hash",
    // NULL for proposals stored before plans were hashed: apply treats those as made under an unknown plan.
    sql: `ALTER TABLE proposals ADD COLUMN plan_hash TEXT;`,
  },
  {
    version: 5,
    name: "keyed MACs on proposals and decisions; proposals can expire",
    // The state CHECK gains 'expired', which needs the table rebuilt (rowids kept, so listings
    // keep their order). Rows from earlier steps have NULL MAC columns: the review rules report
    // them as unverifiable instead of trusting them.
    rebuildsTables: true,
    sql: `
      CREATE TABLE proposals_v5 (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN
          ('review_required', 'approved', 'rejected', 'applied', 'already_applied', 'conflict', 'failed', 'expired')),
        capability TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        principal TEXT NOT NULL,
        source TEXT NOT NULL,
        target_table TEXT NOT NULL,
        object_id TEXT NOT NULL,
        target TEXT NOT NULL,
        before_row TEXT NOT NULL,
        patch TEXT NOT NULL,
        after_row TEXT NOT NULL,
        guards TEXT NOT NULL,
        args TEXT NOT NULL,
        evidence_id TEXT NOT NULL,
        approval TEXT NOT NULL,
        executor TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        plan_hash TEXT,
        key_id TEXT,
        mac TEXT,
        state_key_id TEXT,
        state_mac TEXT
      );
      INSERT INTO proposals_v5 (rowid, id, hash, state, capability, tenant_id, principal, source, target_table, object_id,
        target, before_row, patch, after_row, guards, args, evidence_id, approval, executor, created_at, updated_at, plan_hash)
        SELECT rowid, id, hash, state, capability, tenant_id, principal, source, target_table, object_id,
        target, before_row, patch, after_row, guards, args, evidence_id, approval, executor, created_at, updated_at, plan_hash
        FROM proposals;
      DROP TABLE proposals;
      ALTER TABLE proposals_v5 RENAME TO proposals;
      CREATE INDEX proposals_tenant ON proposals (tenant_id, created_at);
      CREATE INDEX proposals_state ON proposals (state, created_at);
      CREATE INDEX proposals_capability ON proposals (capability, created_at);
      CREATE INDEX proposals_object ON proposals (tenant_id, target_table, object_id);
      CREATE INDEX proposals_created ON proposals (created_at);
      CREATE INDEX proposals_evidence ON proposals (evidence_id);

      ALTER TABLE decisions ADD COLUMN proposal_mac TEXT;
      ALTER TABLE decisions ADD COLUMN before_hash TEXT;
      ALTER TABLE decisions ADD COLUMN key_id TEXT;
      ALTER TABLE decisions ADD COLUMN mac TEXT;
    `,
  },
  {
    version: 6,
    name: "decisions record how the reviewer was established",
    // NULL for decisions stored before: those reviewers named themselves (self-declared), and the
    // decision MAC covers the column only when it is set, so their seals still verify.
    sql: `ALTER TABLE decisions ADD COLUMN established_by TEXT;`,
  },
  {
    version: 7,
    name: "events carry a hash chain",
    // Each event keeps the hash of the one before it and its own (event-chain.ts), so `store verify`
    // finds an edited, inserted or deleted event. Events written before this step have NULL hashes:
    // they stay outside the chain, which starts at the first event written after it.
    sql: `
      ALTER TABLE events ADD COLUMN prev_hash TEXT;
      ALTER TABLE events ADD COLUMN hash TEXT;
    `,
  },
  {
    version: 8,
    name: "reads record the caller's W3C traceparent",
    // One nullable column on the read row (no index: a trace is looked up within a time or tenant
    // range, and the read hot path pays for every b-tree it touches). Reads stored before this
    // step, and calls without a valid traceparent, have NULL. The query_audit view shows it.
    sql: `
      ALTER TABLE reads ADD COLUMN traceparent TEXT;
      DROP VIEW query_audit;
      CREATE VIEW query_audit AS
        SELECT key, 'qa_' || key AS id, capability, tenant_id, principal, source, table_name, statement_fingerprint,
          row_count, duration_ms, redacted_params, outcome, error_code,
          CASE WHEN has_evidence = 1 THEN 'ev_' || key END AS evidence_id, traceparent, created_at
        FROM reads;
    `,
  },
  {
    version: 9,
    name: "reads and proposals record the caller's verified roles",
    // A JSON list of the roles an http_jwt token's roles claim gave the caller; NULL when the
    // contract maps no roles claim (and for every record written before this step). A proposal's
    // roles are part of its hashed change set only when set, so earlier seals still verify.
    sql: `
      ALTER TABLE reads ADD COLUMN roles TEXT;
      ALTER TABLE proposals ADD COLUMN roles TEXT;
    `,
  },
  {
    version: 10,
    name: "reads keep one secondary index (tenant, time)",
    // Every b-tree an insert touches is at least one more WAL page per commit, and the read hot
    // path commits on every call. The capability index served only searches by capability, which
    // now read the tenant index (tenant and capability: newest first until the limit matches) or
    // the table (capability alone, across tenants, like a search with no filter already did). A
    // tenant's newest-first listing, erasing a tenant and the review console's per-tenant lookups
    // keep their index. Measured per call: docs/performance.md, "Issue 11: the ledger commit,
    // second pass".
    sql: `DROP INDEX IF EXISTS reads_capability;`,
  },
];

/** Thrown when the store was written by a newer build whose schema this build does not know. */
export class NewerSchemaError extends Error {
  readonly storeVersion: number;
  readonly knownVersion: number;
  constructor(storeVersion: number, knownVersion: number) {
    super(`store schema version ${storeVersion} is newer than this build knows (${knownVersion})`);
    this.name = "NewerSchemaError";
    this.storeVersion = storeVersion;
    this.knownVersion = knownVersion;
  }
}

/**
 * Applies every step not yet recorded in schema_migrations, each in its own IMMEDIATE
 * transaction that re-checks the record, so two processes opening the same new store
 * cannot both apply a step. Returns the versions this call applied.
 */
export function applyMigrations(db: DatabaseSync, steps: readonly MigrationStep[] = MIGRATIONS, now: () => string = isoNow): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const known = steps.reduce((max, s) => Math.max(max, s.version), 0);
  const latest = db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null };
  if ((latest.v ?? 0) > known) throw new NewerSchemaError(latest.v!, known);

  const isApplied = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: number[] = [];
  for (const step of [...steps].sort((a, b) => a.version - b.version)) {
    if (isApplied.get(step.version)) continue;
    const foreignKeys = step.rebuildsTables ? (db.prepare("PRAGMA foreign_keys").get() as { foreign_keys: number }).foreign_keys : 0;
    if (foreignKeys) db.exec("PRAGMA foreign_keys = OFF");
    db.exec("BEGIN IMMEDIATE");
    try {
      if (!isApplied.get(step.version)) {
        db.exec(step.sql);
        if (step.rebuildsTables && db.prepare("PRAGMA foreign_key_check").all().length > 0) {
          throw new Error(`migration ${step.version} would leave rows whose references do not resolve`);
        }
        record.run(step.version, step.name, now());
        applied.push(step.version);
      }
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    } finally {
      if (foreignKeys) db.exec("PRAGMA foreign_keys = ON");
    }
  }
  return applied;
}

function isoNow(): string {
  return new Date().toISOString();
}
