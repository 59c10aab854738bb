// `store prune` on a Postgres ledger, safe while replicas keep serving. The rules are the SQLite
// prune's (sqlite/lifecycle/prune.ts): a proposal goes only with its whole chain, only in a final
// state, and only when nothing in the chain is as young as the cut-off; reads, internal errors and
// events of no kept proposal go by their own time; evidence a kept proposal was made from stays.
// What differs is how: the work is cut into bounded batches, each its own short transaction, so
// replicas' writes wait at most one batch. A batch that touches events holds the chain-head lock
// (the lock every append takes), deletes, re-seals the chain from the first deleted id and appends
// its own `store_pruned` event, so the chain verifies after every commit. Candidate proposals are
// locked FOR UPDATE SKIP LOCKED and re-checked under that lock: a proposal a replica is changing
// right now is skipped, and one still open (review_required, approved, failed) never matches.

import { PRUNABLE_STATES, type PruneCounts, type PruneResult } from "../../sqlite/lifecycle/prune.ts";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase, type Queryable } from "../database.ts";
import type { PostgresEventLog } from "../event-log.ts";
import { lockChainHead, resealFrom } from "./chain.ts";
import { runOrRehearse } from "./rehearsal.ts";

const S = LEDGER_SCHEMA;
export const PRUNE_BATCH = 500;

const STATES = PRUNABLE_STATES.map((s) => `'${s}'`).join(", ");

// $1 = cut-off, $2 = batch size.
const DOOMED_PROPOSALS = `
  SELECT p.id FROM ${S}.proposals p
  WHERE p.state IN (${STATES}) AND p.created_at < $1 AND p.updated_at < $1
    AND NOT EXISTS (SELECT 1 FROM ${S}.decisions d WHERE d.proposal_id = p.id AND d.created_at >= $1)
    AND NOT EXISTS (SELECT 1 FROM ${S}.writeback_jobs j WHERE j.proposal_id = p.id AND j.created_at >= $1)
    AND NOT EXISTS (SELECT 1 FROM ${S}.receipts r WHERE r.proposal_id = p.id AND r.created_at >= $1)
    AND NOT EXISTS (SELECT 1 FROM ${S}.events e WHERE e.proposal_id = p.id AND e.created_at >= $1)
  ORDER BY p.created_at, p.id LIMIT $2 FOR UPDATE OF p SKIP LOCKED`;

const ORPHAN_EVENTS = `
  SELECT e.id FROM ${S}.events e
  WHERE e.created_at < $1 AND (e.proposal_id IS NULL OR NOT EXISTS (SELECT 1 FROM ${S}.proposals p WHERE p.id = e.proposal_id))
  ORDER BY e.id LIMIT $2`;

const OLD_READS = `
  SELECT r.key FROM ${S}.reads r
  WHERE r.created_at < $1 AND NOT EXISTS (SELECT 1 FROM ${S}.proposals p WHERE p.evidence_id = 'ev_' || r.key)
  LIMIT $2 FOR UPDATE SKIP LOCKED`;

function zero(): PruneCounts {
  return { proposals: 0, decisions: 0, writeback_jobs: 0, receipts: 0, events: 0, query_audit: 0, evidence: 0, internal_errors: 0 };
}

function add(into: PruneCounts, from: Partial<PruneCounts>): void {
  for (const [k, n] of Object.entries(from)) into[k as keyof PruneCounts] += n ?? 0;
}

/**
 * Deletes (or, dry, counts in a rolled-back transaction) what is older than `cutoff`. A dry run
 * is one transaction over everything; a real run repeats batches of `batch` until one finds nothing.
 */
export async function prunePostgresLedger(
  db: PostgresLedgerDatabase,
  events: PostgresEventLog,
  cutoff: string,
  options: { dryRun: boolean; batch?: number },
): Promise<PruneResult> {
  const batch = options.dryRun ? 2 ** 31 - 1 : options.batch ?? PRUNE_BATCH;
  const deleted = zero();
  const proposalIds: string[] = [];
  // Proposal chains and the events of no proposal: under the chain-head lock, re-sealed per batch.
  for (;;) {
    const step = await runOrRehearse(db, options.dryRun, async (client) => {
      await lockChainHead(client);
      const ids = (await client.query(DOOMED_PROPOSALS, [cutoff, batch])).rows.map((r: { id: string }) => r.id);
      const counts = await deleteChains(client, ids);
      const orphanIds = (await client.query(ORPHAN_EVENTS, [cutoff, batch])).rows.map((r: { id: number }) => Number(r.id));
      counts.events += await deleteEvents(client, orphanIds);
      const firstDeleted = [...counts.eventIds, ...orphanIds].reduce((a, b) => Math.min(a, b), Infinity);
      if (Number.isFinite(firstDeleted) && !options.dryRun) {
        await resealFrom(client, firstDeleted);
        const { eventIds: _ids, ...batchCounts } = counts;
        await events.insertIn(client, [{ type: "store_pruned", detail: { cutoff, deleted: batchCounts }, createdAt: new Date().toISOString() }]);
      }
      return { ids, counts, orphans: orphanIds.length };
    });
    proposalIds.push(...step.ids);
    const { eventIds: _ids, ...stepCounts } = step.counts;
    add(deleted, stepCounts);
    if (options.dryRun || (step.ids.length < batch && step.orphans < batch)) break;
  }
  // Reads and internal errors are not chained: batches without the head lock.
  for (;;) {
    const step = await runOrRehearse(db, options.dryRun, async (client) => {
      const gone = (await client.query(`DELETE FROM ${S}.reads WHERE key IN (${OLD_READS}) RETURNING has_evidence`, [cutoff, batch])).rows as Array<{ has_evidence: boolean }>;
      const errors = (await client.query(
        `DELETE FROM ${S}.internal_errors WHERE id IN (SELECT id FROM ${S}.internal_errors WHERE created_at < $1 ORDER BY id LIMIT $2)`,
        [cutoff, batch],
      )).rowCount ?? 0;
      return { query_audit: gone.length, evidence: gone.filter((r) => r.has_evidence).length, internal_errors: errors };
    });
    add(deleted, step);
    if (options.dryRun || (step.query_audit < batch && step.internal_errors < batch)) break;
  }
  proposalIds.sort();
  return { cutoff, dryRun: options.dryRun, deleted, proposalIds };
}

async function deleteChains(client: Queryable, ids: string[]): Promise<PruneCounts & { eventIds: number[] }> {
  const counts = { ...zero(), eventIds: [] as number[] };
  if (ids.length === 0) return counts;
  const run = async (sql: string) => (await client.query(sql, [ids])).rowCount ?? 0;
  // Children first (foreign keys), then the proposals.
  counts.receipts = await run(`DELETE FROM ${S}.receipts WHERE proposal_id = ANY($1)`);
  counts.writeback_jobs = await run(`DELETE FROM ${S}.writeback_jobs WHERE proposal_id = ANY($1)`);
  counts.decisions = await run(`DELETE FROM ${S}.decisions WHERE proposal_id = ANY($1)`);
  const events = (await client.query(`DELETE FROM ${S}.events WHERE proposal_id = ANY($1) RETURNING id`, [ids])).rows as Array<{ id: number }>;
  counts.events = events.length;
  counts.eventIds = events.map((e) => Number(e.id));
  counts.proposals = await run(`DELETE FROM ${S}.proposals WHERE id = ANY($1)`);
  return counts;
}

async function deleteEvents(client: Queryable, ids: number[]): Promise<number> {
  if (ids.length === 0) return 0;
  return (await client.query(`DELETE FROM ${S}.events WHERE id = ANY($1::bigint[])`, [ids])).rowCount ?? 0;
}
