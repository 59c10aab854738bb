// MySQL/MariaDB adapter: a lazily connecting mysql2 pool that runs fixed statements with
// `execute` (server-side prepared statements, cached per connection) in a UTC session.

import mysql from "mysql2";
import type { ExecuteValues, PoolConnection, ResultSetHeader } from "mysql2";
import { MysqlSessionSetup, mysqlDriverOptions } from "../dialect/mysql.ts";
import type { Adapter, AdapterOptions, FixedStatement, Row, Transaction } from "./adapter.ts";
import {
  CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  assertBindable,
  checkPoolSettings,
  toJsonRows,
} from "./rows.ts";

/** Limits tests may tighten; production uses the defaults. */
export interface MysqlLimits {
  connectTimeoutMs: number;
}

export function createMysqlAdapter(
  options: AdapterOptions,
  limits: MysqlLimits = { connectTimeoutMs: CONNECT_TIMEOUT_MS },
): Adapter {
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  checkPoolSettings(options.statementTimeoutMs, maxConnections);

  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: maxConnections,
    connectTimeout: limits.connectTimeoutMs,
    ...mysqlDriverOptions(),
  });

  const sessionReady = new WeakSet<PoolConnection>();
  const session = new MysqlSessionSetup(options);
  let closing: Promise<void> | undefined;

  function acquire(done: (err: Error | null, conn?: PoolConnection) => void): void {
    pool.getConnection((err, conn) => {
      if (err) return done(err);
      if (sessionReady.has(conn)) return done(null, conn);
      // mysql2 listens for a pooled connection's 'error' only once; a later one must not crash the server.
      conn.on("error", () => {});
      // Session set-up runs before the connection's first statement, so no call ever runs un-timed.
      const run = (sql: string) => new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
      session.prepare(run).then(
        () => {
          sessionReady.add(conn);
          done(null, conn);
        },
        (setupErr: Error) => {
          conn.destroy();
          done(setupErr);
        },
      );
    });
  }

  return {
    engine: "mysql",

    query(statement: FixedStatement, params: readonly unknown[]): Promise<Row[]> {
      return new Promise((resolve, reject) => {
        assertBindable(params);
        if (closing) throw new Error("The MySQL adapter is closed");
        acquire((err, conn) => {
          if (err || !conn) return reject(err);
          try {
            conn.execute(statement.text, params as ExecuteValues[], (execErr, rows) => {
              conn.release();
              if (execErr) return reject(execErr);
              // A statement that returns no result set (not expected from fixed reads) yields no rows.
              resolve(Array.isArray(rows) ? toJsonRows(rows as Row[]) : []);
            });
          } catch (thrown) {
            // mysql2 validates bindings synchronously; the connection must still go back.
            conn.release();
            reject(thrown);
          }
        });
      });
    },

    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      if (closing) throw new Error("The MySQL adapter is closed");
      const conn = await new Promise<PoolConnection>((resolve, reject) =>
        acquire((err, acquired) => (err || !acquired ? reject(err) : resolve(acquired))),
      );
      const run = (sql: string) =>
        new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
      const tx: Transaction = {
        execute(statement, params) {
          return new Promise((resolve, reject) => {
            assertBindable(params);
            conn.execute(statement.text, params as ExecuteValues[], (err, result) => {
              if (err) return reject(err);
              // SELECT yields rows; UPDATE/INSERT yield a header whose affectedRows counts matched
              // rows (mysql2 sets CLIENT_FOUND_ROWS), like Postgres' rowCount.
              if (Array.isArray(result)) {
                const rows = toJsonRows(result as Row[]);
                return resolve({ rows, rowCount: rows.length });
              }
              resolve({ rows: [], rowCount: (result as ResultSetHeader).affectedRows });
            });
          });
        },
      };
      let broken = false;
      try {
        await run("START TRANSACTION");
        const value = await work(tx);
        await run("COMMIT");
        return value;
      } catch (err) {
        // A failed ROLLBACK means the connection is broken; the server rolls back when it drops.
        await run("ROLLBACK").catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        if (broken) conn.destroy();
        else conn.release();
      }
    },

    close(): Promise<void> {
      closing ??= new Promise((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve())));
      return closing;
    },
  };
}
