// `store stats` on a Postgres ledger: the SQLite numbers (sqlite/lifecycle/stats.ts) plus what a
// shared ledger has instead of a file and a lease: the schema's size on disk, the serving
// processes' heartbeat rows, and webhook deliveries by state (pg-boss's jobs, webhook-jobs.ts).

import type { StoreCounts } from "../../sqlite/lifecycle/stats.ts";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "../database.ts";
import { listServers, type ServerRow } from "../servers.ts";
import { countDeliveries } from "../webhook-jobs.ts";

const S = LEDGER_SCHEMA;
const TIMED_TABLES = ["reads", "internal_errors", "proposals", "decisions", "writeback_jobs", "receipts", "events"] as const;

export interface PostgresStoreCounts extends StoreCounts {
  /** Bytes of every table and index in the ledger schema. */
  totalBytes: number;
  servers: ServerRow[];
  deliveries: Record<string, number>;
}

export async function countPostgresLedger(db: PostgresLedgerDatabase): Promise<PostgresStoreCounts> {
  const counts = await db.transaction(async (client) => {
    await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const one = async (sql: string) => (await client.query(sql)).rows[0] as Record<string, unknown>;
    const n = async (table: string) => Number((await one(`SELECT COUNT(*) AS n FROM ${S}.${table}`)).n);
    const reads = await one(`SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE has_evidence) AS evidence FROM ${S}.reads`);
    const proposalStates: Record<string, number> = {};
    for (const row of (await client.query(`SELECT state, COUNT(*) AS n FROM ${S}.proposals GROUP BY state ORDER BY state`)).rows) {
      proposalStates[row.state as string] = Number(row.n);
    }
    const deliveries = await countDeliveries(client);
    const span = await one(`SELECT MIN(t) AS oldest, MAX(t) AS newest FROM (${TIMED_TABLES.map((t) => `SELECT MIN(created_at) AS t FROM ${S}.${t} UNION ALL SELECT MAX(created_at) FROM ${S}.${t}`).join(" UNION ALL ")}) AS span`);
    const size = await one(`SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${S}' AND c.relkind = 'r'`);
    return {
      schemaVersion: Number((await one(`SELECT COALESCE(MAX(version), 0) AS n FROM ${S}.schema_migrations`)).n),
      records: {
        query_audit: Number(reads.n),
        evidence: Number(reads.evidence),
        internal_errors: await n("internal_errors"),
        proposals: await n("proposals"),
        decisions: await n("decisions"),
        writeback_jobs: await n("writeback_jobs"),
        receipts: await n("receipts"),
        events: await n("events"),
      },
      proposalStates,
      oldest: (span.oldest as string | null) ?? null,
      newest: (span.newest as string | null) ?? null,
      totalBytes: Number(size.bytes),
      deliveries,
    };
  }, "read");
  return { ...counts, servers: await listServers(db) };
}
