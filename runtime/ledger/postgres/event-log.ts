// Lifecycle events on Postgres: appended alone, or inside the review step's transaction whose
// state change they describe (the transactional outbox: the change and its event commit together
// or not at all). Each append locks the chain-head row FOR UPDATE, takes the next id and links to
// the head's hash (event-chain.ts), so appends from several replicas form one chain in id order.
// The commit also NOTIFYs EVENTS_CHANNEL, so a follower can wake instead of polling.

import type { EventLog } from "../ports.ts";
import type { EventFilter, LedgerEvent, NewEvent } from "../records.ts";
import { eventHash } from "../event-chain.ts";
import { toEvent } from "../rows.ts";
import { clampLimit, LEDGER_SCHEMA, type PostgresLedgerDatabase, type Queryable } from "./database.ts";

const S = LEDGER_SCHEMA;
/** NOTIFY channel; the payload is the new event's id. Delivered only when the transaction commits. */
export const EVENTS_CHANNEL = "synapsor_ledger_events";

const HEAD = `SELECT last_id, hash FROM ${S}.event_chain_head WHERE only_row FOR UPDATE`;
const INSERT = `INSERT INTO ${S}.events (id, type, proposal_id, tenant_id, detail, created_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const MOVE_HEAD = `UPDATE ${S}.event_chain_head SET last_id = $1, hash = $2 WHERE only_row`;

export class PostgresEventLog implements EventLog {
  readonly #db: PostgresLedgerDatabase;

  constructor(db: PostgresLedgerDatabase) {
    this.#db = db;
  }

  /** Appends inside the caller's transaction (`client` is in BEGIN). */
  async insertIn(client: Queryable, events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const head = (await client.query(HEAD)).rows[0] as { last_id: number; hash: string | null };
    let lastId = head.last_id;
    let prevHash = head.hash;
    for (const event of events) {
      const row = {
        type: event.type,
        proposalId: event.proposalId ?? null,
        tenantId: event.tenantId ?? null,
        detail: JSON.stringify(event.detail),
        createdAt: event.createdAt,
      };
      const hash = eventHash(prevHash, row);
      lastId += 1;
      await client.query(INSERT, [lastId, row.type, row.proposalId, row.tenantId, row.detail, row.createdAt, prevHash, hash]);
      prevHash = hash;
    }
    await client.query(MOVE_HEAD, [lastId, prevHash]);
    await client.query("SELECT pg_notify($1, $2)", [EVENTS_CHANNEL, String(lastId)]);
  }

  async append(type: string, detail: Record<string, unknown>, refs: { proposalId?: string; tenantId?: string } = {}): Promise<void> {
    const event: NewEvent = { type, detail, createdAt: new Date().toISOString(), ...refs };
    await this.#db.transaction((client) => this.insertIn(client, [event]));
  }

  async list(filter: EventFilter = {}): Promise<LedgerEvent[]> {
    const limit = clampLimit(filter.limit);
    const { afterId, proposalId } = filter;
    const where: string[] = [];
    const values: unknown[] = [];
    if (proposalId !== undefined) where.push(`proposal_id = $${values.push(proposalId)}`);
    if (afterId !== undefined) where.push(`id > $${values.push(afterId)}`);
    const order = afterId === undefined ? "DESC" : "ASC";
    values.push(limit);
    const sql = `SELECT * FROM ${S}.events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id ${order} LIMIT $${values.length}`;
    return (await this.#db.query("read", sql, values)).map(toEvent);
  }
}
