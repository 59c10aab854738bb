// MySQL/MariaDB adapter: a lazily connecting mysql2 pool that runs fixed statements with
// `execute` (server-side prepared statements, cached per connection) in a UTC session.

import mysql from "mysql2";
import type { ExecuteValues, PoolConnection, ResultSetHeader } from "mysql2";
import { MysqlSessionSetup, mysqlDriverOptions } from "../dialect/mysql.ts";
import type { Adapter, AdapterOptions, FixedStatement, Row, Transaction } from "./adapter.ts";
import { mysqlTarget, type MysqlTarget } from "./connection-url.ts";
import { CONNECT_TIMEOUT_MS, DatabaseDeadlineError, IDLE_TIMEOUT_MS, KEEPALIVE_INITIAL_DELAY_MS, queryDeadlineMs, withDeadline } from "./limits.ts";
import { DEFAULT_POOL_SIZE, assertBindable, checkPoolSettings, toJsonRows } from "./rows.ts";
import { checkSession, mysqlSessionCheck } from "./session-check.ts";
import { hasMysql2PoolStats, mysql2PoolStats } from "./mysql-pool-stats.ts";

/** Limits tests may tighten; production uses the defaults. */
export interface MysqlLimits {
  connectTimeoutMs: number;
}

export function createMysqlAdapter(
  options: AdapterOptions,
  limits: MysqlLimits = { connectTimeoutMs: CONNECT_TIMEOUT_MS },
): Adapter {
  const maxConnections = options.maxConnections ?? DEFAULT_POOL_SIZE;
  checkPoolSettings(options.statementTimeoutMs, maxConnections);
  // The URL is parsed here and only its target reaches mysql2: `uri` would let URL parameters
  // override typeCast, number and date handling, or turn on multipleStatements. A URL with other
  // parameters is refused on every call (CONFIGURATION_ERROR), never used.
  let target: MysqlTarget | undefined;
  let refusedUrl: Error | undefined;
  try {
    target = mysqlTarget(options.url);
  } catch (err) {
    refusedUrl = err as Error;
  }
  const deadlineMs = queryDeadlineMs(options.statementTimeoutMs);

  const pool = mysql.createPool({
    ...target,
    connectionLimit: maxConnections,
    connectTimeout: limits.connectTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_INITIAL_DELAY_MS,
    idleTimeout: IDLE_TIMEOUT_MS,
    multipleStatements: false,
    ...mysqlDriverOptions(),
  });

  const sessionReady = new WeakSet<PoolConnection>();
  const session = new MysqlSessionSetup(options);
  let closing: Promise<void> | undefined;

  /**
   * Runs one driver call on `conn` under the client deadline; a call that misses it destroys the
   * connection (its pool slot is freed, the late answer ignored) and rejects as unreachable.
   */
  function bounded<T>(conn: PoolConnection, what: string, call: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const operation = new Promise<T>((resolve, reject) => {
      try {
        call((err, value) => (err ? reject(err) : resolve(value as T)));
      } catch (thrown) {
        reject(thrown); // mysql2 validates bindings synchronously
      }
    });
    return withDeadline(what, deadlineMs, operation, () => conn.destroy());
  }

  const run = (conn: PoolConnection, sql: string) =>
    bounded<unknown>(conn, "A session statement", (done) => conn.query(sql, (err, result) => done(err, result)));

  /** A pool slot within the connect deadline (a stalled pool must not queue calls forever). */
  function checkout(): Promise<PoolConnection> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(new DatabaseDeadlineError("Waiting for a database connection", limits.connectTimeoutMs));
      }, limits.connectTimeoutMs);
      pool.getConnection((err, conn) => {
        if (settled) {
          // Too late for this call: hand the connection back for the next one.
          if (!err) conn.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(conn);
      });
    });
  }

  async function acquire(): Promise<PoolConnection> {
    if (closing) throw new Error("The MySQL adapter is closed");
    if (refusedUrl) throw refusedUrl;
    const conn = await checkout();
    if (sessionReady.has(conn)) return conn;
    // mysql2 listens for a pooled connection's 'error' only once; a later one must not crash the server.
    conn.on("error", () => {});
    try {
      // Session set-up runs before the connection's first statement, so no call ever runs un-timed,
      // and the session is checked to be what was asked for before anything reads through it.
      await session.prepare((sql) => run(conn, sql));
      const rows = (await run(conn, mysqlSessionCheck(session.server))) as Row[];
      checkSession(rows[0], { readOnly: options.readOnly ?? false });
    } catch (setupErr) {
      conn.destroy();
      throw setupErr;
    }
    sessionReady.add(conn);
    return conn;
  }

  /** Back to the pool, unless the failure may have broken the connection (then it is closed). */
  function finish(conn: PoolConnection, err?: unknown): void {
    const fatal = err !== undefined && ((err as { fatal?: unknown }).fatal === true || err instanceof DatabaseDeadlineError);
    if (fatal) conn.destroy();
    else conn.release();
  }

  const execute = (conn: PoolConnection, statement: FixedStatement, params: readonly unknown[]) =>
    bounded<unknown>(conn, "A statement", (done) => conn.execute(statement.text, params as ExecuteValues[], (err, result) => done(err, result)));

  return {
    engine: "mysql",

    async query(statement: FixedStatement, params: readonly unknown[]): Promise<Row[]> {
      assertBindable(params);
      const conn = await acquire();
      let result: unknown;
      try {
        result = await execute(conn, statement, params);
      } catch (err) {
        finish(conn, err);
        throw err;
      }
      finish(conn);
      // A statement that returns no result set (not expected from fixed reads) yields no rows.
      return Array.isArray(result) ? toJsonRows(result as Row[]) : [];
    },

    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      const conn = await acquire();
      const tx: Transaction = {
        async execute(statement, params) {
          assertBindable(params);
          const result = await execute(conn, statement, params);
          // SELECT yields rows; UPDATE/INSERT yield a header whose affectedRows counts matched
          // rows (mysql2 sets CLIENT_FOUND_ROWS), like Postgres' rowCount.
          if (Array.isArray(result)) {
            const rows = toJsonRows(result as Row[]);
            return { rows, rowCount: rows.length };
          }
          return { rows: [], rowCount: (result as ResultSetHeader).affectedRows };
        },
      };
      let failure: unknown;
      let rollbackFailed = false;
      try {
        await run(conn, "START TRANSACTION");
        const value = await work(tx);
        await run(conn, "COMMIT");
        return value;
      } catch (err) {
        // After a failed ROLLBACK (of whatever kind) the connection may still be inside the
        // transaction: the next START TRANSACTION would commit its half-done writes. It is always
        // destroyed; the server rolls back when the connection drops.
        await run(conn, "ROLLBACK").catch(() => {
          rollbackFailed = true;
        });
        failure = err;
        throw err;
      } finally {
        if (rollbackFailed) conn.destroy();
        else finish(conn, failure);
      }
    },

    async verify(): Promise<void> {
      finish(await acquire());
    },

    async prepare(statement: FixedStatement): Promise<void> {
      const conn = await acquire();
      try {
        // SQL-level PREPARE under its own name: mysql2's prepare() shares the cache execute() uses,
        // and closing a handle there would break the next call of the same statement.
        await bounded<unknown>(conn, "A statement check", (done) =>
          conn.query("PREPARE synapsor_readiness_check FROM ?", [statement.text], (err, result) => done(err, result)),
        );
        await run(conn, "DEALLOCATE PREPARE synapsor_readiness_check");
      } catch (err) {
        finish(conn, err);
        throw err;
      }
      finish(conn);
    },

    // Read from mysql2's private pool fields (mysql-pool-stats.ts); absent if this mysql2 lacks them.
    ...(hasMysql2PoolStats(pool) ? { poolStats: () => mysql2PoolStats(pool) } : {}),

    close(): Promise<void> {
      closing ??= new Promise((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())));
      return closing;
    },
  };
}
