// The event chain as stored in Postgres: read for `store verify`, and re-sealed by prune and
// erase after they deleted or rewrote events on purpose. Both run under the chain-head row lock
// (lockChainHead), the same lock every append takes, so no replica appends while the links are
// recomputed and the chain verifies after every commit, batch by batch.

import type { ChainedEvent } from "../../event-chain.ts";
import { eventHash } from "../../event-chain.ts";
import { toChainedEvent } from "../../rows.ts";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase, type Queryable, type Row } from "../database.ts";

const S = LEDGER_SCHEMA;
const COLUMNS = "id, type, proposal_id, tenant_id, detail, created_at, prev_hash, hash";
/** Rows per round trip when reading the whole log. */
const PAGE = 2_000;


/** Every event in id order (read page by page) and the highest id the chain head ever handed out. */
export async function readEventChain(db: PostgresLedgerDatabase): Promise<{ events: ChainedEvent[]; lastAssignedId: number }> {
  return db.transaction(async (client) => {
    // One snapshot for the head and every page, so an append meanwhile cannot look like a gap.
    await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const head = (await client.query(`SELECT last_id FROM ${S}.event_chain_head WHERE only_row`)).rows[0] as { last_id: number } | undefined;
    const events: ChainedEvent[] = [];
    let after = -1;
    for (;;) {
      const page = (await client.query(`SELECT ${COLUMNS} FROM ${S}.events WHERE id > $1 ORDER BY id LIMIT $2`, [after, PAGE])).rows as Row[];
      for (const row of page) events.push(toChainedEvent(row));
      if (page.length < PAGE) break;
      after = events[events.length - 1]!.id;
    }
    return { events, lastAssignedId: Number(head?.last_id ?? 0) };
  }, "read");
}

/** Takes the lock appends take; held until the caller's transaction ends. */
export async function lockChainHead(client: Queryable): Promise<{ lastId: number; hash: string | null }> {
  const head = (await client.query(`SELECT last_id, hash FROM ${S}.event_chain_head WHERE only_row FOR UPDATE`)).rows[0] as { last_id: number; hash: string | null };
  return { lastId: Number(head.last_id), hash: head.hash };
}

/**
 * Recomputes links and hashes from the first event at or after `fromId` to the newest, and moves
 * the head's hash. Call with the head locked, in the transaction that changed the events.
 */
export async function resealFrom(client: Queryable, fromId: number): Promise<void> {
  const before = (await client.query(`SELECT hash FROM ${S}.events WHERE id < $1 ORDER BY id DESC LIMIT 1`, [fromId])).rows[0] as { hash: string | null } | undefined;
  let prev = before?.hash ?? null;
  const ids: number[] = [];
  const prevs: Array<string | null> = [];
  const hashes: string[] = [];
  const rows = (await client.query(`SELECT ${COLUMNS} FROM ${S}.events WHERE id >= $1 ORDER BY id`, [fromId])).rows as Row[];
  for (const e of rows.map(toChainedEvent)) {
    const hash = eventHash(prev, e);
    if (e.prevHash !== prev || e.hash !== hash) {
      ids.push(e.id);
      prevs.push(prev);
      hashes.push(hash);
    }
    prev = hash;
  }
  if (ids.length > 0) {
    await client.query(
      `UPDATE ${S}.events e SET prev_hash = u.prev_hash, hash = u.hash
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, prev_hash, hash) WHERE e.id = u.id`,
      [ids, prevs, hashes],
    );
  }
  await client.query(`UPDATE ${S}.event_chain_head SET hash = $1 WHERE only_row`, [prev]);
}
