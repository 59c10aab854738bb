// One open SQLite ledger file: transactions, fault mapping and cached list statements, shared
// by the read log, the event log and the review storage that sit on the same handle.

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { LIST_LIMIT } from "../ports.ts";
import { isStoreFault, StoreUnavailableError, storeUnavailable, type StoreAction } from "../store-error.ts";
import type { StoreIdentity } from "./store-identity.ts";

export type Row = Record<string, unknown>;

const DEFAULT_LIMIT = 50;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(1, Math.floor(limit)), LIST_LIMIT);
}

/** A filter that is more than one column's equality: fixed SQL with `uses` placeholders, each bound to the filter's value. */
export interface ListPredicate {
  sql: string;
  uses: number;
}

/** A newest-first listing: its table, the column every index entry ends with, and filter field → column (or predicate). */
export interface ListSpec {
  table: string;
  /** rowid, or the key of a WITHOUT ROWID table, so the order uses the index. */
  tiebreak: string;
  /** Column names and predicates come only from these fixed maps, never from input. */
  filters: Readonly<Record<string, string | ListPredicate>>;
}

/** Called once, when the store file is found deleted or replaced; the message is for the operator's log. */
export type StoreLostListener = (message: string) => void;

/** Reads check the store's identity at most this often; every write transaction checks it. */
const READ_CHECK_INTERVAL_MS = 1000;

const SYNCHRONOUS_NAMES: Record<number, string> = { 0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA" };

export class SqliteDatabase {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #identity: StoreIdentity | undefined;
  readonly #onLost: StoreLostListener | undefined;
  /** Set for good once the file is gone or replaced: a store cannot come back under a running process. */
  #lost: StoreUnavailableError | undefined;
  #readCheckedAt = 0;
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #listCache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, path: string, identity?: StoreIdentity, onLost?: StoreLostListener) {
    this.#db = db;
    this.#path = path;
    this.#identity = identity;
    this.#onLost = onLost;
    this.#begin = db.prepare("BEGIN IMMEDIATE");
    this.#commit = db.prepare("COMMIT");
    this.#rollback = db.prepare("ROLLBACK");
  }

  prepare(sql: string): StatementSync {
    return this.#db.prepare(sql);
  }

  /** This connection's synchronous level as SQLite reports it (the pragma is per connection). */
  synchronousLevel(): string {
    const row = this.#db.prepare("PRAGMA synchronous").get() as { synchronous: number } | undefined;
    return SYNCHRONOUS_NAMES[row?.synchronous ?? -1] ?? `unknown (${String(row?.synchronous)})`;
  }

  /** Runs `work` in one IMMEDIATE transaction; store faults become StoreUnavailableError. */
  transaction<T>(work: () => T): T {
    this.#ensureStillThere("write");
    try {
      this.#begin.run();
    } catch (err) {
      throw this.wrap("write", err);
    }
    try {
      const result = work();
      this.#commit.run();
      return result;
    } catch (err) {
      if (this.#db.isOpen && this.#db.isTransaction) this.#rollback.run();
      throw this.wrap("write", err);
    }
  }

  read<T>(query: () => T): T {
    const now = Date.now();
    if (this.#lost || now - this.#readCheckedAt >= READ_CHECK_INTERVAL_MS) {
      this.#readCheckedAt = now;
      this.#ensureStillThere("read");
    }
    try {
      return query();
    } catch (err) {
      throw this.wrap("read", err);
    }
  }

  /**
   * Refuses to go on with a store whose path no longer names the opened file: whatever was
   * written now would land in a file nobody can open again. Reported once to the listener.
   */
  #ensureStillThere(action: StoreAction): void {
    // Reported once; every later call is refused in its own words (read or write).
    if (this.#lost) throw new StoreUnavailableError(this.#path, action, this.#lost.reason, this.#lost.detail);
    const change = this.#identity?.change();
    if (!change) return;
    const reason = change === "deleted"
      ? "the store file was deleted while it was open; restart the process to create or open the store again"
      : "the store file was replaced by another file while it was open; restart the process to open the file now at that path";
    this.#lost = new StoreUnavailableError(this.#path, action, reason, `store ${change}`);
    this.#onLost?.(this.#lost.message);
    throw this.#lost;
  }

  /** Store faults become StoreUnavailableError; anything else (a bug in our SQL, bad input) stays as is. */
  wrap(action: StoreAction, err: unknown): unknown {
    return isStoreFault(err) ? storeUnavailable(this.#path, action, err) : err;
  }

  list(spec: ListSpec, filters: object): Row[] {
    const filter = filters as Readonly<Record<string, unknown>>;
    const used = Object.keys(spec.filters).filter((key) => filter[key] !== undefined);
    const cacheKey = `${spec.table}:${used.join(",")}`;
    let stmt = this.#listCache.get(cacheKey);
    if (!stmt) {
      const clauses = used.map((key) => {
        const by = spec.filters[key]!;
        return typeof by === "string" ? `${by} = ?` : `(${by.sql})`;
      });
      const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
      const sql = `SELECT * FROM ${spec.table} ${where} ORDER BY created_at DESC, ${spec.tiebreak} DESC LIMIT ?`;
      stmt = this.read(() => this.#db.prepare(sql));
      this.#listCache.set(cacheKey, stmt);
    }
    const values = used.flatMap((key) => {
      const by = spec.filters[key]!;
      const value = filter[key] as SQLInputValue;
      return typeof by === "string" ? [value] : Array<SQLInputValue>(by.uses).fill(value);
    });
    const limit = clampLimit(filter.limit as number | undefined);
    const prepared = stmt;
    return this.read(() => prepared.all(...values, limit)) as Row[];
  }

  close(): void {
    if (!this.#db.isOpen) return;
    try {
      // Keeps query plans good for long-lived stores; cheap when there is nothing to do.
      this.#db.exec("PRAGMA optimize");
    } catch {
      // Optimisation is best effort; closing must still happen.
    }
    this.#db.close();
  }
}
