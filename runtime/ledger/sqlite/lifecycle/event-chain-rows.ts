// The event chain as stored in SQLite: read for `store verify`, and re-sealed after a prune or
// an erase has deleted or rewritten events on purpose (both record themselves as the next event).

import type { ChainedEvent } from "../../event-chain.ts";
import { eventHash } from "../../event-chain.ts";
import { toChainedEvent } from "../../rows.ts";
import type { Row, SqliteDatabase } from "../database.ts";


const SELECT_ALL = "SELECT id, type, proposal_id, tenant_id, detail, created_at, prev_hash, hash FROM events ORDER BY id";

/** Every event in id order, one row at a time (a long log is not held in memory). */
export function* chainedEvents(db: SqliteDatabase): Generator<ChainedEvent> {
  for (const row of db.read(() => db.prepare(SELECT_ALL).iterate())) yield toChainedEvent(row as Row);
}

/** The highest event id SQLite ever assigned (AUTOINCREMENT keeps it even when rows are deleted). */
export function lastAssignedEventId(db: SqliteDatabase): number | null {
  const row = db.read(() => db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get()) as { seq: number } | undefined;
  return row ? row.seq : null;
}

/** Recomputes every link and hash in id order. Call inside the transaction that changed the events. */
export function resealEventChain(db: SqliteDatabase): void {
  const update = db.prepare("UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?");
  const rows = db.prepare(SELECT_ALL).all().map((r) => toChainedEvent(r as Row));
  let prev: string | null = null;
  for (const e of rows) {
    const hash = eventHash(prev, e);
    if (e.prevHash !== prev || e.hash !== hash) update.run(prev, hash, e.id);
    prev = hash;
  }
}
