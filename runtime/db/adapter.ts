// One interface for every source database. Statements are fixed at build time;
// an adapter only binds values and returns rows with JSON-safe values.

export type Engine = "postgres" | "mysql";

export interface FixedStatement {
  /** Stable name; Postgres uses it for a named prepared statement. */
  name: string;
  text: string;
}

export type Row = Record<string, unknown>;

/** One connection inside BEGIN … COMMIT/ROLLBACK; used only by trusted writers (apply, handlers). */
export interface Transaction {
  /** Runs a fixed statement; rowCount is the rows affected (UPDATE/INSERT) or returned (SELECT). */
  execute(statement: FixedStatement, params: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
}

export interface Adapter {
  readonly engine: Engine;
  /** Runs a fixed statement with bound values. Rejects with the driver's error. */
  query(statement: FixedStatement, params: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs `work` in one transaction on one connection: COMMIT when it resolves, ROLLBACK when it
   * rejects (the rejection is passed on). A connection lost mid-transaction is rolled back by
   * the database.
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Opens (or reuses) one connection and checks its session, so a server can report a wrong
   * login, URL or session once at start. Rejects with the driver's (or our) error.
   */
  verify(): Promise<void>;
  /**
   * Parses and plans a fixed statement on one connection without running it, then drops it: the
   * readiness check's proof that the live schema still fits what was planned at build time.
   */
  prepare(statement: FixedStatement): Promise<void>;
  /**
   * The pool's connections right now, for metrics: pg's public counters, mysql2's private queues
   * (mysql-pool-stats.ts). Absent, or undefined when called, where the driver does not expose them.
   */
  poolStats?(): PoolStats | undefined;
  close(): Promise<void>;
}

export interface PoolStats {
  /** Open and not lent to a call. */
  idle: number;
  /** Open and lent to a call. */
  inUse: number;
  /** Calls waiting for a connection. */
  waiting: number;
}

export interface AdapterOptions {
  url: string;
  statementTimeoutMs: number;
  /** Pool size; the embedded demo database needs 1. */
  maxConnections?: number;
  /**
   * Every session read-only at the database: defence in depth for the MCP server, whose
   * statements are fixed SELECTs anyway. A write would fail in the database itself.
   */
  readOnly?: boolean;
}
