// Numbered schema steps for the Postgres ledger, in its own schema. Same rule as the SQLite steps:
// a released step is never edited; changes go in a new step. Step 1 is the SQLite ledger's shape
// as of its step 9 (the same columns and text encodings, so the same row mappers, hashes and MACs
// apply), plus what several replicas on one ledger need: the event chain's head row and the
// table of serving processes.
//
// Several replicas may start at once against a new database. Every run takes one transaction-
// scoped advisory lock before looking at schema_migrations, and Postgres DDL is transactional,
// so exactly one process applies each step and the others find it recorded.

import { NewerSchemaError } from "../migrations.ts";
import { LEDGER_SCHEMA, type Queryable } from "./database.ts";

export interface PostgresMigrationStep {
  version: number;
  name: string;
  sql: string;
}

const S = LEDGER_SCHEMA;

/** pg_advisory_xact_lock's two-key form: 'SYNA' and 1 ("migrations"); other ledger locks use other second keys. */
export const LOCK_CLASS = 0x53594e41;
export const MIGRATION_LOCK = 1;
/** Serialises create-within-limit per tenant (second key: hashtext of the tenant). */
export const OPEN_LIMIT_LOCK_CLASS = 0x53594e42;

export const POSTGRES_MIGRATIONS: readonly PostgresMigrationStep[] = [
  {
    version: 1,
    name: "reads, proposals, review trail, chained events, serving processes",
    // Text for JSON and times, exactly as SQLite stores them: ISO times sort as text, and the event
    // chain hashes the stored detail text as is. Reads are one row per call (see the SQLite step 1
    // for why) with only the tenant and capability indexes, keyed by time-ordered ids.
    sql: `
      CREATE TABLE ${S}.reads (
        key TEXT PRIMARY KEY,
        capability TEXT NOT NULL,
        tenant_id TEXT,
        principal TEXT,
        source TEXT,
        table_name TEXT,
        statement_fingerprint TEXT,
        row_count INTEGER NOT NULL,
        duration_ms DOUBLE PRECISION NOT NULL,
        redacted_params TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
        error_code TEXT,
        has_evidence BOOLEAN NOT NULL,
        object_ids TEXT,
        args TEXT,
        rows TEXT,
        traceparent TEXT,
        roles TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX reads_tenant ON ${S}.reads (tenant_id, created_at);
      CREATE INDEX reads_capability ON ${S}.reads (capability, created_at);

      CREATE TABLE ${S}.internal_errors (
        id BIGSERIAL PRIMARY KEY,
        query_audit_id TEXT NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX internal_errors_query_audit ON ${S}.internal_errors (query_audit_id);

      CREATE TABLE ${S}.proposals (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN
          ('review_required', 'approved', 'rejected', 'applied', 'already_applied', 'conflict', 'failed', 'expired')),
        capability TEXT NOT NULL,
        tenant_id TEXT NOT NULL,
        principal TEXT NOT NULL,
        roles TEXT,
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
        plan_hash TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        key_id TEXT,
        mac TEXT,
        state_key_id TEXT,
        state_mac TEXT
      );
      CREATE INDEX proposals_tenant ON ${S}.proposals (tenant_id, created_at);
      CREATE INDEX proposals_state ON ${S}.proposals (state, created_at);
      CREATE INDEX proposals_capability ON ${S}.proposals (capability, created_at);
      CREATE INDEX proposals_object ON ${S}.proposals (tenant_id, target_table, object_id);
      CREATE INDEX proposals_created ON ${S}.proposals (created_at);
      CREATE INDEX proposals_evidence ON ${S}.proposals (evidence_id);

      -- A proposal is decided once: the unique index holds even against a caller that skips the state check.
      CREATE TABLE ${S}.decisions (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES ${S}.proposals (id),
        tenant_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
        actor TEXT NOT NULL,
        role TEXT,
        reason TEXT,
        proposal_hash TEXT NOT NULL,
        proposal_mac TEXT,
        before_hash TEXT,
        established_by TEXT,
        created_at TEXT NOT NULL,
        key_id TEXT,
        mac TEXT
      );
      CREATE UNIQUE INDEX decisions_proposal ON ${S}.decisions (proposal_id);
      CREATE INDEX decisions_tenant ON ${S}.decisions (tenant_id, created_at);
      CREATE INDEX decisions_created ON ${S}.decisions (created_at);

      CREATE TABLE ${S}.writeback_jobs (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES ${S}.proposals (id),
        tenant_id TEXT NOT NULL,
        idempotency_key TEXT,
        request TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX writeback_jobs_proposal ON ${S}.writeback_jobs (proposal_id, created_at);
      CREATE INDEX writeback_jobs_tenant ON ${S}.writeback_jobs (tenant_id, created_at);
      CREATE INDEX writeback_jobs_created ON ${S}.writeback_jobs (created_at);

      CREATE TABLE ${S}.receipts (
        id TEXT PRIMARY KEY,
        proposal_id TEXT NOT NULL REFERENCES ${S}.proposals (id),
        job_id TEXT NOT NULL REFERENCES ${S}.writeback_jobs (id),
        tenant_id TEXT NOT NULL,
        executor TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('applied', 'already_applied', 'conflict', 'failed')),
        receipt TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX receipts_proposal ON ${S}.receipts (proposal_id, created_at);
      CREATE INDEX receipts_tenant ON ${S}.receipts (tenant_id, created_at);
      CREATE INDEX receipts_job ON ${S}.receipts (job_id);
      CREATE INDEX receipts_status ON ${S}.receipts (status, created_at);
      CREATE INDEX receipts_created ON ${S}.receipts (created_at);

      -- Event ids come from the chain head, not a sequence: the head row, locked FOR UPDATE by each
      -- append, serialises appends across replicas, and its last_id is the highest id ever handed
      -- out (what SQLite's AUTOINCREMENT counter tells \`store verify\`). A rolled-back append
      -- leaves no gap, so a missing id always means a deleted event.
      CREATE TABLE ${S}.events (
        id BIGINT PRIMARY KEY,
        type TEXT NOT NULL,
        proposal_id TEXT,
        tenant_id TEXT,
        detail TEXT NOT NULL,
        created_at TEXT NOT NULL,
        prev_hash TEXT,
        hash TEXT
      );
      CREATE INDEX events_proposal ON ${S}.events (proposal_id, id);
      CREATE INDEX events_tenant ON ${S}.events (tenant_id, id);
      CREATE INDEX events_type ON ${S}.events (type, id);
      CREATE TABLE ${S}.event_chain_head (
        only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
        last_id BIGINT NOT NULL,
        hash TEXT
      );
      INSERT INTO ${S}.event_chain_head (only_row, last_id, hash) VALUES (TRUE, 0, NULL);

      -- Serving processes on this ledger (several replicas are normal): each refreshes heartbeat_at
      -- on an interval and deletes its row on shutdown; a row whose heartbeat is old is a process
      -- that died. Times are the database's clock, so replicas' clocks do not matter.
      CREATE TABLE ${S}.servers (
        holder_id TEXT PRIMARY KEY,
        pid INTEGER NOT NULL,
        hostname TEXT NOT NULL,
        mode TEXT NOT NULL,
        transport TEXT NOT NULL,
        runner_version TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        heartbeat_interval_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "webhook deliveries claimed per event with a lease",
    // One row per (endpoint, event): followers on several replicas claim a row with FOR UPDATE
    // SKIP LOCKED and a lease (deliveries.ts), so one of them posts each event. `endpoint` is a
    // hash of the webhook URL, never the URL (it may carry a token). A pruned event takes its
    // delivery rows with it.
    sql: `
      CREATE TABLE ${S}.webhook_deliveries (
        endpoint TEXT NOT NULL,
        event_id BIGINT NOT NULL REFERENCES ${S}.events (id) ON DELETE CASCADE,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivering', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        holder TEXT,
        lease_until TIMESTAMPTZ,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_error TEXT,
        delivered_at TIMESTAMPTZ,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (endpoint, event_id)
      );
      CREATE INDEX webhook_deliveries_due ON ${S}.webhook_deliveries (endpoint, event_id)
        WHERE state IN ('pending', 'delivering');
      CREATE INDEX webhook_deliveries_event ON ${S}.webhook_deliveries (event_id);
    `,
  },
  {
    version: 3,
    name: "webhook deliveries move to pg-boss",
    // Retries, back-off, leases and dead-lettering are pg-boss's now (its own schema, created by the
    // first `events tail --follow --webhook-url-env`; webhook-jobs.ts). Rows still pending here are
    // not carried over: docs/ledger-postgres.md says to check `events deliveries` before upgrading.
    sql: `DROP TABLE IF EXISTS ${S}.webhook_deliveries;`,
  },
];

/**
 * Creates the ledger schema and applies every step not yet recorded, all under one advisory lock
 * in one transaction. Returns the versions this call applied; throws NewerSchemaError when the
 * ledger was written by a newer build.
 */
export async function applyPostgresMigrations(
  client: Queryable,
  steps: readonly PostgresMigrationStep[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, MIGRATION_LOCK]);
  // Created only when missing: a ledger set up by an administrator opens for a user that may read
  // and write its tables but not create anything (IF NOT EXISTS would still check that right).
  const [{ ready }] = (await client.query(`SELECT to_regclass('${S}.schema_migrations') IS NOT NULL AS ready`)).rows as [{ ready: boolean }];
  if (!ready) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await client.query(`CREATE TABLE ${S}.schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
  }
  const known = steps.reduce((max, s) => Math.max(max, s.version), 0);
  const recorded = new Set(
    (await client.query(`SELECT version FROM ${S}.schema_migrations`)).rows.map((r: { version: number }) => r.version),
  );
  const latest = Math.max(0, ...recorded);
  if (latest > known) throw new NewerSchemaError(latest, known);
  const applied: number[] = [];
  for (const step of [...steps].sort((a, b) => a.version - b.version)) {
    if (recorded.has(step.version)) continue;
    await client.query(step.sql);
    await client.query(`INSERT INTO ${S}.schema_migrations (version, name) VALUES ($1, $2)`, [step.version, step.name]);
    applied.push(step.version);
  }
  return applied;
}
