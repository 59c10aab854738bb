// One Postgres ledger: a small pg pool, transactions with a bounded retry on serialization
// failures, fault mapping, and the newest-first listing every port shares. The ledger lives in
// its own schema (LEDGER_SCHEMA) so it can share a database with other things; every statement
// names it, because a pooler in transaction mode may drop a search_path set at connect time.

import pg from "pg";
import { LIST_LIMIT } from "../ports.ts";
import { StoreUnavailableError, type StoreAction } from "../store-error.ts";
import { postgresStoreProblem } from "./faults.ts";
import { LEDGER_SCHEMA } from "./schema-name.ts";

export type Row = Record<string, unknown>;
export type Queryable = Pick<pg.PoolClient, "query">;

export { LEDGER_SCHEMA };

const DEFAULT_LIMIT = 50;
/** Reads and writes of the ledger are short; a statement past this is a stalled server or network. */
const STATEMENT_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;
const IDLE_TIMEOUT_MS = 30_000;
/** A transaction that lost a serialization race (40001) or a deadlock (40P01) is run again this many times. */
const TRANSACTION_ATTEMPTS = 3;

// BIGINT (event ids, counts) as a number, not pg's string: ledger ids stay far below 2^53.
// Per pool, so other pg users in the process keep pg's defaults.
const INT8_OID = 20;
const ledgerTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

export interface PostgresLedgerTarget {
  /** The connection URL; never logged, never part of a message. */
  url: string;
  /** The variable the URL came from: the name messages use for this ledger. */
  urlEnv: string;
  /** Pool size; default 4 (the read path writes one batch at a time; review steps are rare). */
  maxConnections?: number;
}

/** A listing's fixed SQL: its FROM (a table or subquery), its order, and filter field → predicate with `?` placeholders. */
export interface PgListSpec {
  from: string;
  order: string;
  /** A column name (equality) or a predicate; `?` is bound to the filter's value, as often as it appears. */
  filters: Readonly<Record<string, string>>;
}

export class PostgresLedgerDatabase {
  readonly #pool: pg.Pool;
  /** How messages name this ledger: by its variable, never by its URL. */
  readonly label: string;
  readonly urlEnv: string;
  #closed = false;

  constructor(target: PostgresLedgerTarget) {
    this.urlEnv = target.urlEnv;
    this.label = `the Postgres ledger in ${target.urlEnv}`;
    this.#pool = new pg.Pool({
      connectionString: target.url,
      max: target.maxConnections ?? 4,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: IDLE_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 2_000,
      keepAlive: true,
      application_name: "synapsor-runner-ledger",
      options: `-c statement_timeout=${STATEMENT_TIMEOUT_MS} -c lock_timeout=${STATEMENT_TIMEOUT_MS}`,
      types: ledgerTypes,
    });
    // An idle connection dropped by the server (a restart) emits here; pg-pool discards it and the
    // next call reconnects. Without a listener the process would crash.
    this.#pool.on("error", () => {});
  }

  /** One statement outside an explicit transaction (atomic on its own). */
  async query(action: StoreAction, text: string, values: readonly unknown[] = []): Promise<Row[]> {
    this.#ensureOpen(action);
    try {
      return (await this.#pool.query(text, values as unknown[])).rows as Row[];
    } catch (err) {
      throw this.wrap(action, err);
    }
  }

  /**
   * Runs `work` in one READ COMMITTED transaction on one connection. A serialization failure or a
   * deadlock runs it again (a bounded number of times); `work` must therefore only talk to the
   * ledger, never to a source database. Store faults become StoreUnavailableError.
   */
  async transaction<T>(work: (client: Queryable) => Promise<T>, action: StoreAction = "write"): Promise<T> {
    this.#ensureOpen(action);
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw this.wrap(action, err);
    }
    let broken: unknown;
    const onError = (err: unknown) => {
      broken ??= err;
    };
    client.on("error", onError);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query("BEGIN");
          const result = await work(client);
          await client.query("COMMIT");
          return result;
        } catch (err) {
          if (!(err instanceof pg.DatabaseError)) broken ??= err;
          if (broken === undefined) await client.query("ROLLBACK").catch((e: unknown) => (broken ??= e));
          if (broken === undefined && isRetryable(err) && attempt < TRANSACTION_ATTEMPTS) continue;
          throw this.wrap(action, err);
        }
      }
    } finally {
      client.off("error", onError);
      client.release(broken instanceof Error ? broken : broken === undefined ? undefined : true);
    }
  }

  /** Store faults become StoreUnavailableError; anything else (a bug in our SQL, a constraint) stays as is. */
  wrap(action: StoreAction, err: unknown): unknown {
    if (err instanceof StoreUnavailableError) return err;
    const problem = postgresStoreProblem(err, this.urlEnv);
    return problem ? new StoreUnavailableError(this.label, action, problem.reason, problem.detail, problem.transient) : err;
  }

  async list(spec: PgListSpec, filters: object): Promise<Row[]> {
    const filter = filters as Readonly<Record<string, unknown>>;
    const values: unknown[] = [];
    const clauses: string[] = [];
    for (const [key, by] of Object.entries(spec.filters)) {
      const value = filter[key];
      if (value === undefined) continue;
      // Each `?` gets its own placeholder, so a predicate may use the value several times.
      const predicate = by.includes("?") ? by : `${by} = ?`;
      clauses.push(`(${predicate.replace(/\?/g, () => `$${values.push(value)}`)})`);
    }
    const where = clauses.length ? `WHERE ${clauses.join(" AND ")}` : "";
    values.push(clampLimit(filter.limit as number | undefined));
    return this.query("read", `SELECT * FROM ${spec.from} ${where} ORDER BY ${spec.order} LIMIT $${values.length}`, values);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #ensureOpen(action: StoreAction): void {
    if (this.#closed) throw new StoreUnavailableError(this.label, action, "the ledger has been closed", "closed");
  }
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(Math.max(1, Math.floor(limit)), LIST_LIMIT);
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "40001" || code === "40P01";
}
