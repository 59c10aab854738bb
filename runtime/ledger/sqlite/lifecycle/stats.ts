// What a store holds, counted in SQL: records per kind, proposals per state, the time span and
// the schema version. File sizes and the lease are the caller's (they are files, not rows).

import type { SqliteDatabase } from "../database.ts";

export interface StoreCounts {
  schemaVersion: number;
  records: {
    query_audit: number;
    evidence: number;
    internal_errors: number;
    proposals: number;
    decisions: number;
    writeback_jobs: number;
    receipts: number;
    events: number;
  };
  proposalStates: Record<string, number>;
  oldest: string | null;
  newest: string | null;
}

const TIMED_TABLES = ["reads", "internal_errors", "proposals", "decisions", "writeback_jobs", "receipts", "events"] as const;

export function countStore(db: SqliteDatabase): StoreCounts {
  return db.read(() => {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const reads = db.prepare("SELECT COUNT(*) AS n, COALESCE(SUM(has_evidence), 0) AS evidence FROM reads").get() as { n: number; evidence: number };
    const states: Record<string, number> = {};
    for (const row of db.prepare("SELECT state, COUNT(*) AS n FROM proposals GROUP BY state ORDER BY state").all() as Array<{ state: string; n: number }>) {
      states[row.state] = row.n;
    }
    const span = db
      .prepare(`SELECT MIN(t) AS oldest, MAX(t) AS newest FROM (${TIMED_TABLES.map((t) => `SELECT MIN(created_at) AS t FROM ${t} UNION ALL SELECT MAX(created_at) FROM ${t}`).join(" UNION ALL ")})`)
      .get() as { oldest: string | null; newest: string | null };
    return {
      schemaVersion: count("SELECT COALESCE(MAX(version), 0) AS n FROM schema_migrations"),
      records: {
        query_audit: reads.n,
        evidence: reads.evidence,
        internal_errors: count("SELECT COUNT(*) AS n FROM internal_errors"),
        proposals: count("SELECT COUNT(*) AS n FROM proposals"),
        decisions: count("SELECT COUNT(*) AS n FROM decisions"),
        writeback_jobs: count("SELECT COUNT(*) AS n FROM writeback_jobs"),
        receipts: count("SELECT COUNT(*) AS n FROM receipts"),
        events: count("SELECT COUNT(*) AS n FROM events"),
      },
      proposalStates: states,
      oldest: span.oldest,
      newest: span.newest,
    };
  });
}
