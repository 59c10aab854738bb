// The handler's own connection to the app database (pg or mysql2, loaded on demand): one
// transaction at a time per request, UTC sessions, and values normalised the way the
// runner's read adapters normalise them (timestamps as ISO UTC text, int8/decimal as text),
// so a version read here compares with the version the proposal saw.

import { checkConnectionUrl, mysqlTarget } from "../runtime/db/connection-url.ts";
import { CONNECT_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEPALIVE_INITIAL_DELAY_MS, queryDeadlineMs } from "../runtime/db/limits.ts";
import { MysqlSessionSetup, mysqlDriverOptions } from "../runtime/dialect/mysql.ts";
import { postgresSessionOptions, postgresTypeParsers, type PgTypeParserLookup } from "../runtime/dialect/postgres.ts";
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

/**
 * Opens the pool. The URL follows the runner's rule (runtime/db/connection-url.ts): parameters
 * that would change the session (TimeZone, multipleStatements, typeCast, debug...) are refused
 * with DatabaseConfigurationError, since the drivers let them override the options below.
 * This is a writer: the session is UTC with the statement timeout, not read-only.
 */
export async function openHandlerDatabase(engine: Engine, options: DatabaseOptions): Promise<HandlerDatabase> {
  checkConnectionUrl(engine, options.url);
  return engine === "postgres" ? openPostgres(options) : openMysql(options);
}

async function openPostgres(options: DatabaseOptions): Promise<HandlerDatabase> {
  const { default: pg } = await import("pg");
  const types = postgresTypeParsers(pg.types.getTypeParser as PgTypeParserLookup) as import("pg").CustomTypesConfig;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A silent network stall must not hold a request (and its pool slot) for as long as it lasts.
    query_timeout: queryDeadlineMs(Math.trunc(options.statementTimeoutMs)),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: "synapsor-handler",
    options: postgresSessionOptions({ statementTimeoutMs: Math.trunc(options.statementTimeoutMs) }),
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
  // Only the URL's target reaches mysql2: `uri` parameters would fill options left unset.
  const pool = mysql.createPool({
    ...mysqlTarget(options.url),
    connectionLimit: options.maxConnections,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_INITIAL_DELAY_MS,
    idleTimeout: IDLE_TIMEOUT_MS,
    multipleStatements: false,
    ...mysqlDriverOptions(),
  });
  // mysql2's per-statement timeout: past it the connection is closed and the call fails as fatal.
  const deadlineMs = queryDeadlineMs(Math.trunc(options.statementTimeoutMs));
  // mysql2 listens for a pooled connection's 'error' only once; a later one must not crash the app.
  pool.pool.on("connection", (conn) => conn.on("error", () => {}));
  // The runtime adapter's session set-up: UTC, and a statement timeout under MariaDB's or (falling
  // back) MySQL 8's name, run and awaited before a connection's first statement.
  const sessionSetup = new MysqlSessionSetup({ statementTimeoutMs: Math.trunc(options.statementTimeoutMs) });
  const prepared = new WeakSet<object>();
  type Conn = Awaited<ReturnType<typeof pool.getConnection>>;
  const acquire = async (): Promise<Conn> => {
    const conn = await pool.getConnection();
    if (prepared.has(conn.connection)) return conn;
    try {
      await sessionSetup.prepare((sql) => conn.query(sql));
    } catch (err) {
      conn.destroy();
      throw err;
    }
    prepared.add(conn.connection);
    return conn;
  };
  const toResult = (result: unknown): SqlResult => {
    if (Array.isArray(result)) return { rows: result as Row[], rowCount: result.length };
    const header = result as { affectedRows?: number };
    return { rows: [], rowCount: header.affectedRows ?? 0 };
  };
  const exec = async (conn: Conn, text: string, params: readonly unknown[]) => toResult((await conn.execute({ sql: text, timeout: deadlineMs }, params as never))[0]);

  return {
    engine: "mysql",
    async run(text, params) {
      const conn = await acquire();
      try {
        return toResult((await conn.query({ sql: text, timeout: deadlineMs }, params as never))[0]);
      } finally {
        conn.release();
      }
    },
    async transaction(work) {
      const conn = await acquire();
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
