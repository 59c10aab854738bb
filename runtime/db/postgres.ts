// Postgres adapter: a lazily connecting pg Pool that runs fixed statements as named
// prepared statements (parsed and planned once per connection) in a UTC session.

import pg from "pg";
import { postgresSessionOptions, postgresTypeParsers, type PgTypeParserLookup } from "../dialect/postgres.ts";
import type { Adapter, AdapterOptions, FixedStatement, Row, Transaction } from "./adapter.ts";
import { checkConnectionUrl } from "./connection-url.ts";
import { CONNECT_TIMEOUT_MS, IDLE_TIMEOUT_MS, KEEPALIVE_INITIAL_DELAY_MS, queryDeadlineMs } from "./limits.ts";
import { APPLICATION_NAME, DEFAULT_POOL_SIZE, assertBindable, checkPoolSettings, toJsonRows } from "./rows.ts";
import { POSTGRES_SESSION_CHECK, checkSession, sessionProblem } from "./session-check.ts";
import { sessionInteger } from "../dialect/dialect.ts";

// A per-pool override of pg's parsers (the dialect's table), so other pg users in the process keep pg's defaults.
const runnerTypes = postgresTypeParsers(pg.types.getTypeParser as PgTypeParserLookup) as pg.CustomTypesConfig;

/** Limits tests may tighten; production uses the defaults. */
export interface PostgresLimits {
  connectTimeoutMs: number;
}

export function createPostgresAdapter(
  options: AdapterOptions,
  limits: PostgresLimits = { connectTimeoutMs: CONNECT_TIMEOUT_MS },
): Adapter {
  const maxConnections = options.maxConnections ?? DEFAULT_POOL_SIZE;
  checkPoolSettings(options.statementTimeoutMs, maxConnections);
  // A URL that would override the session is refused on every call (CONFIGURATION_ERROR), never used.
  let refusedUrl: Error | undefined;
  try {
    checkConnectionUrl("postgres", options.url);
  } catch (err) {
    refusedUrl = err as Error;
  }

  const pool = new pg.Pool({
    connectionString: refusedUrl ? undefined : options.url,
    max: maxConnections,
    // Bounds the connect (TLS and login included) and the wait for a free slot.
    connectionTimeoutMillis: limits.connectTimeoutMs,
    // The client-side deadline: a stalled network fails the query (and the connection is discarded below).
    query_timeout: queryDeadlineMs(options.statementTimeoutMs),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    idleTimeoutMillis: IDLE_TIMEOUT_MS,
    application_name: APPLICATION_NAME,
    // Startup parameters, so every connection is UTC/ISO and time-limited before its first statement.
    options: postgresSessionOptions(options),
    types: runnerTypes,
  });
  // An idle connection dropped by the server emits here; without a listener it would crash the server.
  // pg-pool already discards that client, and the next call reconnects.
  pool.on("error", () => {});

  let closing: Promise<void> | undefined;
  const readOnly = options.readOnly ?? false;
  const checked = new WeakSet<pg.PoolClient>();
  // Connections whose server did not apply the startup settings (a pooler that shares server
  // sessions, the embedded demo database): each statement runs in its own transaction that sets
  // them locally, BEGIN READ ONLY for a reader, so the guarantee holds per transaction instead.
  const scoped = new WeakSet<pg.PoolClient>();
  const localSettings =
    `SET LOCAL statement_timeout = ${sessionInteger(options.statementTimeoutMs)}; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO'`;
  const begin = (client: pg.PoolClient) =>
    scoped.has(client) ? client.query(`BEGIN${readOnly ? " READ ONLY" : ""}; ${localSettings}`) : client.query("BEGIN");

  /**
   * Before a connection's first statement: the session must be what the startup parameters asked
   * for, or else a transaction that sets it locally must be; otherwise nothing runs through it.
   */
  async function checkNewSession(client: pg.PoolClient): Promise<void> {
    if (checked.has(client)) return;
    const session = await client.query<Row>(POSTGRES_SESSION_CHECK);
    if (sessionProblem(session.rows[0], { readOnly }) !== undefined) {
      scoped.add(client);
      await begin(client);
      try {
        checkSession((await client.query<Row>(POSTGRES_SESSION_CHECK)).rows[0], { readOnly });
      } finally {
        await client.query("ROLLBACK");
      }
    }
    checked.add(client);
  }

  // Failures raised by the driver for a statement (not by the caller's own code inside a transaction).
  const driverFailures = new WeakSet<object>();
  const driverCall = <T>(call: Promise<T>): Promise<T> =>
    call.catch((err: unknown) => {
      if (typeof err === "object" && err !== null) driverFailures.add(err);
      throw err;
    });

  /** Runs one fixed read, inside a local-settings transaction on a scoped connection. */
  async function runRead(client: pg.PoolClient, statement: FixedStatement, params: readonly unknown[], markBroken: (err: unknown) => void) {
    const run = () => driverCall(client.query<Row>({ name: statement.name, text: statement.text, values: params as unknown[] }));
    if (!scoped.has(client)) return run();
    await begin(client);
    try {
      const result = await run();
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await rollbackUnlessBroken(client, err, markBroken);
      throw err;
    }
  }

  /**
   * ROLLBACK after a failed statement, unless the failure was not the server's answer (a client
   * deadline, a lost socket): then the connection is discarded unused, since a ROLLBACK on a stalled
   * connection would only wait out the deadline a second time. The server rolls back when it drops.
   */
  async function rollbackUnlessBroken(client: pg.PoolClient, err: unknown, markBroken: (err: unknown) => void): Promise<void> {
    if (!(err instanceof pg.DatabaseError) && driverFailures.has(err as object)) {
      markBroken(err);
      return;
    }
    await client.query("ROLLBACK").catch(markBroken); // a failed ROLLBACK: the connection is broken
  }

  /**
   * Checks out one connection for `work` and always releases it; a connection that failed in a way
   * that may have broken it (markBroken) is destroyed instead of going back to the pool.
   */
  async function withClient<T>(work: (client: pg.PoolClient, markBroken: (err: unknown) => void) => Promise<T>): Promise<T> {
    if (closing) throw new Error("The Postgres adapter is closed");
    if (refusedUrl) throw refusedUrl;
    const client = await pool.connect();
    let discard: Error | undefined;
    const markBroken = (err: unknown) => {
      discard ??= err instanceof Error ? err : new Error(String(err));
    };
    client.on("error", markBroken);
    try {
      try {
        await checkNewSession(client);
      } catch (err) {
        markBroken(err); // a session that failed its check is never reused
        throw err;
      }
      return await work(client, markBroken);
    } finally {
      client.off("error", markBroken);
      client.release(discard);
    }
  }

  return {
    engine: "postgres",

    async query(statement: FixedStatement, params: readonly unknown[]): Promise<Row[]> {
      assertBindable(params);
      return withClient(async (client, markBroken) => {
        try {
          const result = await runRead(client, statement, params, markBroken);
          return toJsonRows(result.rows);
        } catch (err) {
          // The server rejecting one statement (bad argument, timeout) leaves the connection and its
          // prepared statements usable; anything else may have broken it, so it is not reused.
          if (!(err instanceof pg.DatabaseError)) markBroken(err);
          throw err;
        }
      });
    },

    async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      return withClient(async (client, markBroken) => {
        const tx: Transaction = {
          async execute(statement, params) {
            assertBindable(params);
            // Unnamed: a trusted write runs once per approval, so caching its plan buys nothing, and
            // named statements would collide on poolers (and the embedded demo database) that share sessions.
            const result = await driverCall(client.query<Row>({ text: statement.text, values: params as unknown[] }));
            return { rows: toJsonRows(result.rows), rowCount: result.rowCount ?? result.rows.length };
          },
        };
        try {
          await begin(client);
          const value = await work(tx);
          await client.query("COMMIT");
          return value;
        } catch (err) {
          await rollbackUnlessBroken(client, err, markBroken);
          throw err;
        }
      });
    },

    async verify(): Promise<void> {
      await withClient(async () => undefined);
    },

    async prepare(statement: FixedStatement): Promise<void> {
      // PREPARE parses and plans with the same type inference as the driver's named statement.
      await withClient(async (client, markBroken) => {
        await driverCall(client.query(`PREPARE synapsor_readiness_check AS ${statement.text}`));
        await driverCall(client.query("DEALLOCATE synapsor_readiness_check")).catch((err: unknown) => {
          markBroken(err); // a session left holding the name would fail the next check
          throw err;
        });
      });
    },
    poolStats: () => ({ idle: pool.idleCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),

    close(): Promise<void> {
      closing ??= pool.end();
      return closing;
    },
  };
}
