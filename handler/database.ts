// The handler's own connection to the app database (pg or mysql2, loaded on demand): one
// transaction at a time per request, UTC sessions, and values normalised the way the
// runner's read adapters normalise them (timestamps as ISO UTC text, int8/decimal as text),
// so a version read here compares with the version the proposal saw.

import { normaliseTimestamp } from "../runtime/values.ts";
import type { Engine, Row } from "./types.ts";

export interface SqlResult {
  rows: Row[];
  rowCount: number;
}

/** One connection inside BEGIN; statements take `?` placeholders on MySQL and `$n` on Postgres. */
export interface SqlSession {
  run(text: string, params: readonly unknown[]): Promise<SqlResult>;
}

export interface HandlerDatabase {
  readonly engine: Engine;
  /** A statement outside any transaction (DDL, probes). */
  run(text: string, params: readonly unknown[]): Promise<SqlResult>;
  /** COMMIT when `work` says so, ROLLBACK otherwise or when it throws (the error is passed on). */
  transaction<T>(work: (session: SqlSession) => Promise<{ commit: boolean; value: T }>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  statementTimeoutMs: number;
  maxConnections: number;
}

export async function openHandlerDatabase(engine: Engine, options: DatabaseOptions): Promise<HandlerDatabase> {
  return engine === "postgres" ? openPostgres(options) : openMysql(options);
}

async function openPostgres(options: DatabaseOptions): Promise<HandlerDatabase> {
  const { default: pg } = await import("pg");
  const builtin = pg.types.getTypeParser as (oid: number, format: "text" | "binary") => (value: string) => unknown;
  const keepText = (text: string) => text;
  const parsers = new Map<number, (text: string) => unknown>([
    [20, keepText], // int8
    [1700, keepText], // numeric
    [1082, keepText], // date
    [1114, normaliseTimestamp], // timestamp
    [1184, normaliseTimestamp], // timestamptz
  ]);
  const types = {
    getTypeParser: (oid: number, format?: "text" | "binary") =>
      (format !== "binary" && parsers.get(oid)) || builtin(oid, format ?? "text"),
  } as import("pg").CustomTypesConfig;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    connectionTimeoutMillis: 5000,
    application_name: "synapsor-handler",
    options: `-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=${Math.trunc(options.statementTimeoutMs)}`,
    types,
  });
  pool.on("error", () => {});
  const toResult = (r: { rows: Row[]; rowCount: number | null }): SqlResult => ({ rows: r.rows, rowCount: r.rowCount ?? r.rows.length });

  return {
    engine: "postgres",
    async run(text, params) {
      return toResult(await pool.query<Row>(text, params as unknown[]));
    },
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const session: SqlSession = { run: async (text, params) => toResult(await client.query<Row>(text, params as unknown[])) };
        let outcome;
        try {
          outcome = await work(session);
        } catch (err) {
          await client.query("ROLLBACK").catch((e: Error) => (broken = e));
          throw err;
        }
        await client.query(outcome.commit ? "COMMIT" : "ROLLBACK");
        return outcome.value;
      } catch (err) {
        broken ??= err instanceof pg.DatabaseError ? undefined : (err as Error);
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openMysql(options: DatabaseOptions): Promise<HandlerDatabase> {
  const { default: mysql } = await import("mysql2/promise");
  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: options.maxConnections,
    connectTimeout: 5000,
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    // UPDATE reports matched rows, like Postgres, not only the rows whose values changed.
    flags: ["FOUND_ROWS"],
    typeCast(field, next) {
      if (field.type === "TINY" && field.length === 1) {
        const value = next();
        return value === null ? null : value !== 0 && value !== "0";
      }
      if (field.type === "DATETIME" || field.type === "TIMESTAMP") {
        const value = next();
        return typeof value === "string" ? normaliseTimestamp(value) : value;
      }
      return next();
    },
  });
  const timeoutSeconds = options.statementTimeoutMs / 1000;
  // The core pool emits each new connection before its first use; these run first on it.
  pool.pool.on("connection", (conn) => {
    conn.on("error", () => {});
    conn.query("SET time_zone = '+00:00'");
    // MariaDB and MySQL name the statement timeout differently; whichever is unknown fails harmlessly.
    conn.query(`SET SESSION max_statement_time = ${timeoutSeconds}`, () => {});
  });
  const toResult = (result: unknown): SqlResult => {
    if (Array.isArray(result)) return { rows: result as Row[], rowCount: result.length };
    const header = result as { affectedRows?: number };
    return { rows: [], rowCount: header.affectedRows ?? 0 };
  };
  type Conn = Awaited<ReturnType<typeof pool.getConnection>>;
  const exec = async (conn: Conn | typeof pool, text: string, params: readonly unknown[]) =>
    toResult((await conn.execute(text, params as never))[0]);

  return {
    engine: "mysql",
    run: async (text, params) => toResult((await pool.query(text, params as never))[0]),
    async transaction(work) {
      const conn = await pool.getConnection();
      let broken = false;
      try {
        await conn.query("START TRANSACTION");
        const session: SqlSession = { run: (text, params) => exec(conn, text, params) };
        let outcome;
        try {
          outcome = await work(session);
        } catch (err) {
          await conn.query("ROLLBACK").catch(() => (broken = true));
          throw err;
        }
        await conn.query(outcome.commit ? "COMMIT" : "ROLLBACK");
        return outcome.value;
      } catch (err) {
        if ((err as { fatal?: boolean }).fatal) broken = true;
        throw err;
      } finally {
        if (broken) conn.destroy();
        else conn.release();
      }
    },
    close: () => pool.end(),
  };
}
