// MySQL/MariaDB adapter: a lazily connecting mysql2 pool that runs fixed statements with
// `execute` (server-side prepared statements, cached per connection) in a UTC session.

import mysql from "mysql2";
import type { ExecuteValues, PoolConnection, QueryError, ResultSetHeader, TypeCast } from "mysql2";
import { normaliseTimestamp } from "../values.ts";
import type { Adapter, AdapterOptions, FixedStatement, Row, Transaction } from "./adapter.ts";
import {
  CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  assertBindable,
  checkPoolSettings,
  toJsonRows,
} from "./rows.ts";

/** Which statement-timeout variable the server understood; learned from the first connection. */
type TimeoutDialect = "mariadb" | "mysql";

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

// TINYINT(1) is how both servers spell BOOLEAN; DATETIME/TIMESTAMP text (dateStrings) becomes ISO UTC.
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case "TINY": {
      const value = next();
      return field.length === 1 && value !== null ? value !== 0 : value;
    }
    case "DATETIME":
    case "TIMESTAMP": {
      const value = next();
      return typeof value === "string" ? normaliseTimestamp(value) : value;
    }
    default:
      return next();
  }
};

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
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    typeCast,
  });

  const sessionReady = new WeakSet<PoolConnection>();
  let dialect: TimeoutDialect | undefined;
  let closing: Promise<void> | undefined;

  const timezoneSql = "SET time_zone = '+00:00'";
  const mariadbSql = `${timezoneSql}, SESSION max_statement_time = ${options.statementTimeoutMs / 1000}`;
  const mysqlSql = `${timezoneSql}, SESSION MAX_EXECUTION_TIME = ${options.statementTimeoutMs}`;

  /** Session setup runs before the connection's first statement, so no call ever runs un-timed. */
  function prepareSession(conn: PoolConnection, done: (err: QueryError | null) => void): void {
    if (!options.readOnly) return prepareTimeouts(conn, done);
    prepareTimeouts(conn, (err) => (err ? done(err) : conn.query("SET SESSION TRANSACTION READ ONLY", (roErr) => done(roErr))));
  }

  function prepareTimeouts(conn: PoolConnection, done: (err: QueryError | null) => void): void {
    if (dialect === "mysql") {
      conn.query(mysqlSql, (err) => done(err));
      return;
    }
    conn.query(mariadbSql, (err) => {
      if (!err) {
        dialect = "mariadb";
        return done(null);
      }
      if (err.errno !== ER_UNKNOWN_SYSTEM_VARIABLE || dialect === "mariadb") return done(err);
      conn.query(mysqlSql, (fallbackErr) => {
        if (!fallbackErr) dialect = "mysql";
        done(fallbackErr);
      });
    });
  }

  function acquire(done: (err: Error | null, conn?: PoolConnection) => void): void {
    pool.getConnection((err, conn) => {
      if (err) return done(err);
      if (sessionReady.has(conn)) return done(null, conn);
      // mysql2 listens for a pooled connection's 'error' only once; a later one must not crash the server.
      conn.on("error", () => {});
      prepareSession(conn, (setupErr) => {
        if (setupErr) {
          conn.destroy();
          return done(setupErr);
        }
        sessionReady.add(conn);
        done(null, conn);
      });
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
