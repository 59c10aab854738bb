// `store prune`: deletes what is older than a cut-off, chain by chain. A proposal goes only with
// its whole chain (decisions, writeback jobs, receipts, events, its evidence), only in a final
// state (applied, already_applied, conflict, rejected, expired), and only when nothing in that
// chain is as young as the cut-off: an applied proposal stays while its receipt is younger, and
// proposals waiting for review, approved ones and failed ones (which may be retried) always stay.
// Reads, internal errors and events that belong to no kept proposal go by their own time.

import { SqliteEventLog } from "../event-log.ts";
import type { SqliteDatabase } from "../database.ts";
import { resealEventChain } from "./event-chain-rows.ts";
import { runOrRehearse } from "./rehearsal.ts";

export const PRUNABLE_STATES = ["applied", "already_applied", "conflict", "rejected", "expired"] as const;

export interface PruneCounts {
  proposals: number;
  decisions: number;
  writeback_jobs: number;
  receipts: number;
  events: number;
  query_audit: number;
  evidence: number;
  internal_errors: number;
}

export interface PruneResult {
  cutoff: string;
  dryRun: boolean;
  deleted: PruneCounts;
  /** The ids of the proposals whose chains go (all of them; a dry run prints them for review). */
  proposalIds: string[];
}

const STATES = PRUNABLE_STATES.map((s) => `'${s}'`).join(", ");

const SELECT_DOOMED = `
  CREATE TEMP TABLE prune_proposals AS
  SELECT p.id FROM proposals p
  WHERE p.state IN (${STATES}) AND p.created_at < :cut AND p.updated_at < :cut
    AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.proposal_id = p.id AND d.created_at >= :cut)
    AND NOT EXISTS (SELECT 1 FROM writeback_jobs j WHERE j.proposal_id = p.id AND j.created_at >= :cut)
    AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.proposal_id = p.id AND r.created_at >= :cut)
    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.proposal_id = p.id AND e.created_at >= :cut)`;

const IN_DOOMED = "proposal_id IN (SELECT id FROM temp.prune_proposals)";

export function pruneStore(db: SqliteDatabase, cutoff: string, options: { dryRun: boolean }): PruneResult {
  return runOrRehearse(db, options.dryRun, () => {
    const run = (sql: string) => Number((sql.includes(":cut") ? db.prepare(sql).run({ cut: cutoff }) : db.prepare(sql).run()).changes);
    db.prepare("DROP TABLE IF EXISTS temp.prune_proposals").run();
    db.prepare(SELECT_DOOMED).run({ cut: cutoff });
    const proposalIds = (db.prepare("SELECT id FROM temp.prune_proposals ORDER BY id").all() as Array<{ id: string }>).map((r) => r.id);
    // Children first (foreign keys), then the proposals.
    const receipts = run(`DELETE FROM receipts WHERE ${IN_DOOMED}`);
    const jobs = run(`DELETE FROM writeback_jobs WHERE ${IN_DOOMED}`);
    const decisions = run(`DELETE FROM decisions WHERE ${IN_DOOMED}`);
    const events = run(`DELETE FROM events WHERE ${IN_DOOMED}`);
    const deleted: PruneCounts = {
      proposals: run("DELETE FROM proposals WHERE id IN (SELECT id FROM temp.prune_proposals)"),
      decisions,
      writeback_jobs: jobs,
      receipts,
      events,
      query_audit: 0,
      evidence: 0,
      internal_errors: 0,
    };
    // Old events of no proposal still in the store (store events, orphans) go by their own time.
    deleted.events += run(`DELETE FROM events WHERE created_at < :cut AND
      (proposal_id IS NULL OR NOT EXISTS (SELECT 1 FROM proposals p WHERE p.id = events.proposal_id))`);
    // Evidence a kept proposal was made from stays, however old.
    const oldReads = `FROM reads WHERE created_at < :cut AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.evidence_id = 'ev_' || reads.key)`;
    deleted.evidence = (db.prepare(`SELECT COALESCE(SUM(has_evidence), 0) AS n ${oldReads}`).get({ cut: cutoff }) as { n: number }).n;
    deleted.query_audit = run(`DELETE ${oldReads}`);
    deleted.internal_errors = run("DELETE FROM internal_errors WHERE created_at < :cut");
    db.prepare("DROP TABLE temp.prune_proposals").run();
    if (!options.dryRun && Object.values(deleted).some((n) => n > 0)) {
      resealEventChain(db);
      new SqliteEventLog(db).insertNow({ type: "store_pruned", detail: { cutoff, deleted }, createdAt: new Date().toISOString() });
    }
    return { cutoff, dryRun: options.dryRun, deleted, proposalIds };
  });
}
