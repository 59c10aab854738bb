// Numbered schema steps for the SQLite ledger. A step is never edited once released:
// changes go in a new step, so a store written by any earlier build opens and upgrades in place.

import type { DatabaseSync } from "node:sqlite";

export interface MigrationStep {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly MigrationStep[] = [
  {
    version: 1,
    name: "reads: query audit, evidence bundles, internal errors",
    // recordRead writes query_audit and evidence_bundles on every tool call, and every b-tree it touches
    // is one more page written to the WAL, so these tables carry only the tenant and capability indexes
    // (both ordered by time) and no foreign keys: the two rows link to each other by id and are written
    // in one transaction, and an FK would need another index to keep pruning cheap. A per-object index
    // cost one page per returned row (measured: ~6x slower for a 20-row read); searching evidence by
    // object scans the tenant's object_ids with json_each instead. Proposals do index their object.
    sql: `
      CREATE TABLE query_audit (
        id TEXT PRIMARY KEY,
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
        evidence_id TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX query_audit_tenant ON query_audit (tenant_id, created_at);
      CREATE INDEX query_audit_capability ON query_audit (capability, created_at);

      CREATE TABLE evidence_bundles (
        id TEXT PRIMARY KEY,
        query_audit_id TEXT NOT NULL,
        capability TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        principal TEXT NOT NULL,
        table_name TEXT NOT NULL,
        object_ids TEXT NOT NULL,
        args TEXT NOT NULL,
        rows TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX evidence_tenant ON evidence_bundles (tenant_id, created_at);
      CREATE INDEX evidence_capability ON evidence_bundles (capability, created_at);

      -- Raw failure text (driver messages, stacks). Operators read it; callers never see it.
      CREATE TABLE internal_errors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        query_audit_id TEXT NOT NULL REFERENCES query_audit (id),
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
  // Next step (approvals, writeback jobs, receipts) is added by the approval/writeback work.
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
    db.exec("BEGIN IMMEDIATE");
    try {
      if (!isApplied.get(step.version)) {
        db.exec(step.sql);
        record.run(step.version, step.name, now());
        applied.push(step.version);
      }
      db.exec("COMMIT");
    } catch (err) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw err;
    }
  }
  return applied;
}

function isoNow(): string {
  return new Date().toISOString();
}
