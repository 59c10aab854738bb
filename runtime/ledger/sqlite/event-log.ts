// Lifecycle events on SQLite: appended alone, or inside a review step's transaction. Every
// insert links to the newest event's hash (event-chain.ts); it always runs inside an IMMEDIATE
// transaction, so no other process can append between reading that hash and inserting.

import type { StatementSync } from "node:sqlite";
import type { EventLog } from "../ports.ts";
import type { EventFilter, LedgerEvent, NewEvent } from "../records.ts";
import { eventHash } from "../event-chain.ts";
import { clampLimit, type SqliteDatabase } from "./database.ts";
import { toEvent } from "../rows.ts";

export class SqliteEventLog implements EventLog {
  readonly #db: SqliteDatabase;
  readonly #insert: StatementSync;
  readonly #head: StatementSync;
  readonly #newest: StatementSync;
  readonly #after: StatementSync;
  readonly #ofProposalNewest: StatementSync;
  readonly #ofProposalAfter: StatementSync;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare("INSERT INTO events (type, proposal_id, tenant_id, detail, created_at, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.#head = db.prepare("SELECT hash FROM events ORDER BY id DESC LIMIT 1");
    this.#newest = db.prepare("SELECT * FROM events ORDER BY id DESC LIMIT ?");
    this.#after = db.prepare("SELECT * FROM events WHERE id > ? ORDER BY id ASC LIMIT ?");
    this.#ofProposalNewest = db.prepare("SELECT * FROM events WHERE proposal_id = ? ORDER BY id DESC LIMIT ?");
    this.#ofProposalAfter = db.prepare("SELECT * FROM events WHERE proposal_id = ? AND id > ? ORDER BY id ASC LIMIT ?");
  }

  /** Inserts without a transaction of its own: for callers already inside one. */
  insertNow(event: NewEvent): void {
    const row = {
      type: event.type,
      proposalId: event.proposalId ?? null,
      tenantId: event.tenantId ?? null,
      detail: JSON.stringify(event.detail),
      createdAt: event.createdAt,
    };
    const prevHash = ((this.#head.get() as { hash: string | null } | undefined)?.hash) ?? null;
    this.#insert.run(row.type, row.proposalId, row.tenantId, row.detail, row.createdAt, prevHash, eventHash(prevHash, row));
  }

  async append(type: string, detail: Record<string, unknown>, refs: { proposalId?: string; tenantId?: string } = {}): Promise<void> {
    this.#db.transaction(() => this.insertNow({ type, detail, createdAt: new Date().toISOString(), ...refs }));
  }

  async list(filter: EventFilter = {}): Promise<LedgerEvent[]> {
    const limit = clampLimit(filter.limit);
    const { afterId, proposalId } = filter;
    const rows = this.#db.read(() => {
      if (proposalId !== undefined) {
        return afterId === undefined ? this.#ofProposalNewest.all(proposalId, limit) : this.#ofProposalAfter.all(proposalId, afterId, limit);
      }
      return afterId === undefined ? this.#newest.all(limit) : this.#after.all(afterId, limit);
    });
    return rows.map(toEvent);
  }
}
