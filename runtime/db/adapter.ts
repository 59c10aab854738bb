// One interface for every source database. Statements are fixed at build time;
// an adapter only binds values and returns rows with JSON-safe values.

export type Engine = "postgres" | "mysql";

export interface FixedStatement {
  /** Stable name; Postgres uses it for a named prepared statement. */
  name: string;
  text: string;
}

export type Row = Record<string, unknown>;

export interface Adapter {
  readonly engine: Engine;
  /** Runs a fixed statement with bound values. Rejects with the driver's error. */
  query(statement: FixedStatement, params: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
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
