// The database adapters against real throwaway Postgres and MariaDB databases:
// value types, prepared-statement reuse, pooling, timeouts, outages and error classes.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { performance } from "node:perf_hooks";
import pg from "pg";
import mysql from "mysql2/promise";
import {
  classifyDatabaseError,
  databaseFailure,
  openAdapter,
  type Adapter,
  type AdapterOptions,
  type Engine,
  type FixedStatement,
} from "../../runtime/db/index.ts";
import { createMysqlAdapter } from "../../runtime/db/mysql.ts";
import { createPostgresAdapter } from "../../runtime/db/postgres.ts";

/** Synchronous construction for tests; the server uses openAdapter, which loads one driver on demand. */
function createAdapter(engine: Engine, options: AdapterOptions): Adapter {
  return engine === "postgres" ? createPostgresAdapter(options) : createMysqlAdapter(options);
}
import { MYSQL_ADMIN_URL, createDatabase, type TestDatabase } from "../support/databases.ts";
import { freePort } from "../support/ports.ts";

const SAFE_MESSAGES = new Set([
  "The database is unreachable or timed out; try again shortly.",
  "An argument does not fit the column it is compared with.",
  "The request failed inside the runner; details are in the local ledger.",
  "The server cannot use its database connection as configured (login, database name, permissions or session settings); an operator must fix it. Retrying will not help.",
]);

const HOSTILE = "'; DROP TABLE tickets; --";

interface EngineFixture {
  schema: string;
  /** Writes statements with $n placeholders; MySQL gets "?". */
  sql(text: string): string;
  sleep: string;
  connectionId: string;
  /** The connection id, after holding the connection 50 ms: concurrent calls cannot all share one. */
  heldConnectionId: string;
  kill(admin: TestDatabase, id: string): Promise<void>;
}

const FIXTURES: Record<Engine, EngineFixture> = {
  postgres: {
    schema: `
      CREATE TABLE tickets (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        priority integer NOT NULL,
        views bigint NOT NULL,
        amount numeric(12,2) NOT NULL,
        escalated boolean NOT NULL,
        note text,
        updated_at timestamptz NOT NULL,
        due_on date NOT NULL,
        meta jsonb NOT NULL
      );
      INSERT INTO tickets VALUES
        ('t-1', 'acme', 3, 9007199254740993, 1234567890.12, true, NULL,
         '2026-05-16 08:30:00.123456+00', '2026-06-01', '{"tags":["vip"],"level":2}'),
        ('t-2', 'acme', 1, 7, 0.50, false, '${HOSTILE.replaceAll("'", "''")}',
         '2026-05-17 00:00:00.000001+00', '2026-06-02', '[]'),
        ('t-3', 'globex', 2, -5, -10.00, false, 'other tenant',
         '2026-05-18 23:59:59.999999+00', '2026-06-03', '{}');
      CREATE TABLE scratch (code varchar(4), amount numeric(12,2));`,
    sql: (text) => text,
    sleep: "SELECT pg_sleep(1) AS slept",
    connectionId: "SELECT pg_backend_pid()::text AS id",
    heldConnectionId: "SELECT pg_backend_pid()::text AS id, pg_sleep(0.05)::text AS held",
    async kill(db, id) {
      await db.exec(`SELECT pg_terminate_backend(${Number(id)})`);
    },
  },
  mysql: {
    schema: `
      CREATE TABLE tickets (
        id VARCHAR(64) PRIMARY KEY,
        tenant_id VARCHAR(64) NOT NULL,
        priority INT NOT NULL,
        views BIGINT NOT NULL,
        amount DECIMAL(12,2) NOT NULL,
        escalated BOOLEAN NOT NULL,
        note TEXT NULL,
        updated_at DATETIME(6) NOT NULL,
        due_on DATE NOT NULL,
        meta JSON NOT NULL
      );
      INSERT INTO tickets VALUES
        ('t-1', 'acme', 3, 9007199254740993, 1234567890.12, TRUE, NULL,
         '2026-05-16 08:30:00.123456', '2026-06-01', '{"tags":["vip"],"level":2}'),
        ('t-2', 'acme', 1, 7, 0.50, FALSE, '${HOSTILE.replaceAll("'", "''")}',
         '2026-05-17 00:00:00.000001', '2026-06-02', '[]'),
        ('t-3', 'globex', 2, -5, -10.00, FALSE, 'other tenant',
         '2026-05-18 23:59:59.999999', '2026-06-03', '{}');
      CREATE TABLE scratch (code VARCHAR(4), small TINYINT);`,
    sql: (text) => text.replace(/\$\d+/g, "?"),
    sleep: "SELECT SLEEP(1) AS slept",
    connectionId: "SELECT CAST(CONNECTION_ID() AS CHAR) AS id",
    heldConnectionId: "SELECT CAST(CONNECTION_ID() AS CHAR) AS id, SLEEP(0.05) AS held",
    async kill(db, id) {
      const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
      try {
        await admin.query(`KILL ${Number(id)}`);
      } finally {
        await admin.end();
      }
    },
  },
};

const EXPECTED_T1 = {
  id: "t-1",
  tenant_id: "acme",
  priority: 3,
  views: "9007199254740993",
  amount: "1234567890.12",
  escalated: true,
  note: null,
  updated_at: "2026-05-16T08:30:00.123456Z",
  due_on: "2026-06-01",
  meta: { tags: ["vip"], level: 2 },
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected the call to reject");
}

/** A listener on `port`: forwards to `target`, or (without one) accepts and never answers. */
async function listenOn(port: number, target?: URL): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("error", () => {});
    if (!target) return;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

for (const engine of ["postgres", "mysql"] as const) {
  const fx = FIXTURES[engine];
  const byId: FixedStatement = {
    name: "ticket_by_id",
    text: fx.sql(
      "SELECT id, tenant_id, priority, views, amount, escalated, note, updated_at, due_on, meta FROM tickets WHERE tenant_id = $1 AND id = $2",
    ),
  };
  const connectionId: FixedStatement = { name: "connection_id", text: fx.connectionId };
  const heldConnectionId: FixedStatement = { name: "held_connection_id", text: fx.heldConnectionId };

  describe(`${engine} adapter`, () => {
    let db: TestDatabase;
    const open: Adapter[] = [];
    const adapter = (overrides: Partial<AdapterOptions> = {}): Adapter => {
      const a = createAdapter(engine, { url: db.url, statementTimeoutMs: 5000, maxConnections: 2, ...overrides });
      open.push(a);
      return a;
    };

    before(async () => {
      db = await createDatabase(engine, "dbadapt");
      await db.exec(fx.schema);
    });
    after(async () => {
      await Promise.all(open.map((a) => a.close()));
      await db.drop();
    });

    test("a bound lookup returns the row with exact, JSON-safe value types", async () => {
      const a = adapter();
      const rows = await a.query(byId, ["acme", "t-1"]);
      assert.deepEqual(rows, [EXPECTED_T1]);
      assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype, "rows are plain objects");
      assert.deepEqual(JSON.parse(JSON.stringify(rows)), rows, "rows survive JSON unchanged");
      assert.deepEqual(await a.query(byId, ["globex", "t-1"]), [], "another tenant's key finds nothing");
    });

    test("the session runs in UTC with the configured statement timeout", async () => {
      const a = adapter({ statementTimeoutMs: 1234 });
      const text =
        engine === "postgres"
          ? "SELECT current_setting('TimeZone') AS tz, current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app"
          : "SELECT @@session.time_zone AS tz, CAST(@@session.max_statement_time AS CHAR) AS timeout";
      const [row] = await a.query({ name: "session", text }, []);
      if (engine === "postgres") assert.deepEqual(row, { tz: "UTC", timeout: "1234ms", app: "synapsor-runner" });
      else assert.deepEqual(row, { tz: "+00:00", timeout: "1.234000" });
    });

    test("100 concurrent calls of one named statement over a pool of 4 are all correct", async () => {
      const a = adapter({ maxConnections: 4 });
      const keys = [
        ["acme", "t-1"],
        ["acme", "t-2"],
        ["globex", "t-3"],
        ["acme", "t-3"],
      ] as const;
      const [results, ids] = await Promise.all([
        Promise.all(Array.from({ length: 100 }, (_, i) => a.query(byId, keys[i % keys.length]!))),
        Promise.all(Array.from({ length: 20 }, () => a.query(heldConnectionId, []))),
      ]);
      results.forEach((rows, i) => {
        const [tenant, id] = keys[i % keys.length]!;
        if (tenant === "acme" && id === "t-3") assert.deepEqual(rows, []);
        else assert.deepEqual(rows.map((r) => [r.tenant_id, r.id]), [[tenant, id]]);
      });
      const distinct = new Set(ids.map(([row]) => row!.id));
      assert.ok(distinct.size > 1 && distinct.size <= 4, `used ${distinct.size} connections`);
    });

    test("a statement is prepared once per connection and then reused", async () => {
      const a = adapter({ maxConnections: 1 });
      await a.query(byId, ["acme", "t-1"]);
      if (engine === "postgres") {
        const prepared = await a.query(
          { name: "prepared_names", text: "SELECT name FROM pg_prepared_statements ORDER BY name" },
          [],
        );
        assert.deepEqual(prepared.map((r) => r.name), ["prepared_names", "ticket_by_id"]);
      } else {
        const prepares: FixedStatement = {
          name: "prepares",
          text: "SELECT VARIABLE_VALUE AS n FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_STMT_PREPARE'",
        };
        const before = Number((await a.query(prepares, []))[0]!.n);
        for (let i = 0; i < 5; i++) await a.query(byId, ["acme", "t-2"]);
        const afterRuns = Number((await a.query(prepares, []))[0]!.n);
        assert.equal(afterRuns, before, "no statement was prepared again");
      }
    });

    test("prepare checks a statement against the live schema without running it or leaving it behind", async () => {
      const a = adapter({ maxConnections: 1 });
      await a.prepare(byId);
      await a.prepare(byId); // a second check on the same connection: the first left nothing behind
      await assert.rejects(a.prepare({ name: "drifted", text: fx.sql("SELECT no_such_column FROM tickets WHERE id = $1") }));
      // The connection is still usable after a failed check.
      assert.deepEqual((await a.query(byId, ["acme", "t-1"])).length, 1);
      if (engine === "postgres") {
        const prepared = await a.query({ name: "prepared_left", text: "SELECT name FROM pg_prepared_statements ORDER BY name" }, []);
        assert.deepEqual(prepared.map((r) => r.name), ["prepared_left", "ticket_by_id"], "no readiness statement stays prepared");
      }
    });

    test("SQL metacharacters in bound values are only data", async () => {
      const a = adapter();
      assert.deepEqual(await a.query(byId, [HOSTILE, "t-1"]), []);
      assert.deepEqual(await a.query(byId, ["acme", HOSTILE]), []);
      const [row] = await a.query(byId, ["acme", "t-2"]);
      assert.equal(row!.note, HOSTILE);
      const count = await a.query({ name: "count", text: "SELECT COUNT(*) AS n FROM tickets" }, []);
      assert.equal(String(count[0]!.n), "3", "the table is still there");
    });

    test("a NUL byte in a bound string is classified, not a crash", async () => {
      const a = adapter({ maxConnections: 1 });
      const call = a.query(byId, ["acme", "t-\u00001"]);
      if (engine === "postgres") {
        // Postgres text cannot hold NUL; the server rejects it as a data exception.
        assert.equal(classifyDatabaseError(await rejection(call)).code, "INVALID_ARGUMENT");
      } else {
        // MySQL strings may hold NUL, so it simply matches no key.
        assert.deepEqual(await call, []);
      }
      assert.deepEqual(await a.query(byId, ["acme", "t-1"]), [EXPECTED_T1], "the pool still serves calls");
    });

    test("a value that does not fit its column is INVALID_ARGUMENT and keeps the connection", async () => {
      const a = adapter({ maxConnections: 1 });
      const [{ id: before }] = (await a.query(connectionId, [])) as [{ id: string }];
      const tooLong: FixedStatement = { name: "too_long", text: fx.sql("INSERT INTO scratch (code) VALUES ($1)") };
      const outOfRange: FixedStatement =
        engine === "postgres"
          ? { name: "out_of_range", text: "INSERT INTO scratch (amount) VALUES ($1)" }
          : { name: "out_of_range", text: "INSERT INTO scratch (small) VALUES (?)" };
      for (const [statement, value] of [
        [tooLong, "ABCDEFG"],
        [outOfRange, engine === "postgres" ? "1e20" : 100000],
      ] as const) {
        const err = await rejection(a.query(statement, [value]));
        assert.deepEqual(classifyDatabaseError(err), {
          code: "INVALID_ARGUMENT",
          message: "An argument does not fit the column it is compared with.",
        });
      }
      if (engine === "postgres") {
        const err = await rejection(a.query({ name: "bad_int", text: "SELECT $1::int AS n" }, ["abc"]));
        assert.equal(classifyDatabaseError(err).code, "INVALID_ARGUMENT");
      }
      assert.deepEqual(await a.query(tooLong, ["ok"]), [], "a statement without a result set yields no rows");
      const [{ id: afterwards }] = (await a.query(connectionId, [])) as [{ id: string }];
      assert.equal(afterwards, before, "the same connection (and its prepared statements) is reused");
    });

    test("the statement timeout fires and is TEMPORARILY_UNAVAILABLE", async () => {
      // The statement sleeps a second and would then return a row; a rejection means the 200 ms
      // timeout ended it (behaviour, not a stopwatch: a loaded machine must not fail this).
      const a = adapter({ statementTimeoutMs: 200, maxConnections: 1 });
      const err = await rejection(a.query({ name: "sleep", text: fx.sleep }, []));
      assert.deepEqual(classifyDatabaseError(err), {
        code: "TEMPORARILY_UNAVAILABLE",
        message: "The database is unreachable or timed out; try again shortly.",
      });
      assert.deepEqual(await a.query(byId, ["acme", "t-1"]), [EXPECTED_T1], "the pool recovers");
    });

    test("an undefined binding is refused without leaking a pooled connection", async () => {
      const a = adapter({ maxConnections: 1 });
      for (let i = 0; i < 3; i++) {
        const err = await rejection(a.query(byId, ["acme", undefined]));
        assert.equal(classifyDatabaseError(err).code, "INTERNAL");
      }
      assert.deepEqual(await a.query(byId, ["acme", "t-1"]), [EXPECTED_T1]);
    });

    test("an idle connection killed by the server does not crash the process; the next call reconnects", async () => {
      const a = adapter({ maxConnections: 1 });
      const [{ id }] = (await a.query(connectionId, [])) as [{ id: string }];
      await fx.kill(db, id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [{ id: next }] = (await a.query(connectionId, [])) as [{ id: string }];
      assert.notEqual(next, id);
      assert.deepEqual(await a.query(byId, ["acme", "t-1"]), [EXPECTED_T1]);
    });

    test("an unreachable port fails quickly as TEMPORARILY_UNAVAILABLE, without exhausting the pool", async () => {
      let a: Adapter | undefined;
      assert.doesNotThrow(() => {
        a = adapter({ url: withPort(db.url, 1), maxConnections: 2 });
      });
      const errors = await Promise.all(Array.from({ length: 5 }, () => rejection(a!.query(byId, ["acme", "t-1"]))));
      for (const err of errors) {
        assert.equal(classifyDatabaseError(err).code, "TEMPORARILY_UNAVAILABLE");
        // Refused by the port, not left waiting for a connect timeout.
        assert.equal((err as { code?: unknown }).code, "ECONNREFUSED");
      }
    });

    test("an unknown host name is TEMPORARILY_UNAVAILABLE", async () => {
      const url = new URL(db.url);
      url.hostname = "no-such-host.invalid";
      const err = await rejection(adapter({ url: url.toString() }).query(byId, ["acme", "t-1"]));
      assert.equal(classifyDatabaseError(err).code, "TEMPORARILY_UNAVAILABLE");
    });

    test("a server that accepts but never answers hits the connect timeout", async () => {
      const port = await freePort();
      const stop = await listenOn(port);
      try {
        const options = { url: withPort(db.url, port), statementTimeoutMs: 5000, maxConnections: 1 };
        const a =
          engine === "postgres"
            ? createPostgresAdapter(options, { connectTimeoutMs: 300 })
            : createMysqlAdapter(options, { connectTimeoutMs: 300 });
        open.push(a);
        const err = await rejection(a.query(byId, ["acme", "t-1"]));
        assert.equal(classifyDatabaseError(err).code, "TEMPORARILY_UNAVAILABLE");
        // The statement timeout is 5 s; what ended the wait is the 300 ms connect timeout.
        const { code, message } = err as { code?: unknown; message?: unknown };
        assert.match(`${String(code)} ${String(message)}`, /ETIMEDOUT|timeout/i);
      } finally {
        await stop();
      }
    });

    test("an adapter opened while the database is down starts serving once it is up", async () => {
      const port = await freePort();
      const a = adapter({ url: withPort(db.url, port) });
      const err = await rejection(a.query(byId, ["acme", "t-1"]));
      assert.equal(classifyDatabaseError(err).code, "TEMPORARILY_UNAVAILABLE");
      const stop = await listenOn(port, new URL(db.url));
      try {
        assert.deepEqual(await a.query(byId, ["acme", "t-1"]), [EXPECTED_T1]);
        await a.close();
      } finally {
        await stop();
      }
    });

    test("close is idempotent and later calls fail as INTERNAL", async () => {
      const a = adapter();
      await a.query(byId, ["acme", "t-1"]);
      await a.close();
      await a.close();
      const err = await rejection(a.query(byId, ["acme", "t-1"]));
      assert.equal(classifyDatabaseError(err).code, "INTERNAL");
    });

    // Reports the figure; behaviour tests never assert wall-clock time (bench/ compares ratios).
    test("2,000 sequential primary-key lookups each return the row (latency reported)", async (t) => {
      const a = adapter({ maxConnections: 8 });
      for (let i = 0; i < 50; i++) await a.query(byId, ["acme", "t-1"]); // warm the pool and the statement
      const started = performance.now();
      for (let i = 0; i < 2000; i++) {
        const rows = await a.query(byId, ["acme", "t-1"]);
        assert.equal(rows.length, 1);
      }
      const perQueryUs = ((performance.now() - started) * 1000) / 2000;
      t.diagnostic(`${engine}: ${perQueryUs.toFixed(0)} µs/query over 2,000 sequential PK lookups`);
    });
  });
}

describe("postgres-only value handling", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createDatabase("postgres", "dbadapt");
    // Database defaults an operator might have set; the runner's session must override them.
    await db.exec(`ALTER DATABASE "${db.name}" SET TimeZone = 'America/New_York';
      ALTER DATABASE "${db.name}" SET DateStyle = 'SQL, DMY';`);
  });
  after(() => db.drop());

  test("timestamps, dates and arrays come back as ISO UTC text whatever the database defaults", async () => {
    const a = createAdapter("postgres", { url: db.url, statementTimeoutMs: 1000 });
    try {
      const [row] = await a.query(
        {
          name: "values",
          text: `SELECT '2026-05-16 04:30:00.123456-04'::timestamptz AS at,
                        '2026-05-16 08:30:00.5'::timestamp AS local,
                        '2026-05-16'::date AS day,
                        ARRAY['2026-05-16 08:30:00.000001+00'::timestamptz, NULL] AS stamps,
                        ARRAY[9007199254740993::int8] AS bigs,
                        '1 day 02:00:00'::interval AS span,
                        '\\x00ff'::bytea AS raw`,
        },
        [],
      );
      assert.deepEqual(row, {
        at: "2026-05-16T08:30:00.123456Z",
        local: "2026-05-16T08:30:00.5Z",
        day: "2026-05-16",
        stamps: ["2026-05-16T08:30:00.000001Z", null],
        bigs: ["9007199254740993"],
        span: "1 day 02:00:00",
        raw: "AP8=",
      });
    } finally {
      await a.close();
    }
  });

  test("the adapter's type parsing does not change pg's global defaults", async () => {
    const a = createAdapter("postgres", { url: db.url, statementTimeoutMs: 1000 });
    const client = new pg.Client({ connectionString: db.url, options: "-c DateStyle=ISO" });
    await client.connect();
    try {
      assert.equal((await a.query({ name: "day", text: "SELECT '2026-05-16'::date AS day" }, []))[0]!.day, "2026-05-16");
      const r = await client.query("SELECT '2026-05-16'::date AS day");
      assert.ok(r.rows[0].day instanceof Date, `pg's default parser still yields a Date, got ${String(r.rows[0].day)}`);
    } finally {
      await client.end();
      await a.close();
    }
  });
});

describe("classifyDatabaseError", () => {
  const node = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code, syscall: "connect" });

  test("network and resource failures are TEMPORARILY_UNAVAILABLE", () => {
    const cases: unknown[] = [
      node("ECONNRESET"),
      node("ENOTFOUND"),
      node("EAI_AGAIN"),
      new AggregateError([node("ECONNREFUSED"), node("ECONNREFUSED")], "all addresses failed"),
      new Error("Connection terminated due to connection timeout", { cause: new Error("Connection terminated") }),
      new Error("timeout exceeded when trying to connect"),
      Object.assign(new Error("sorry, too many clients already"), { code: "53300", severity: "FATAL" }),
      Object.assign(new Error("Too many connections"), { errno: 1040, sqlState: "08004", code: "ER_CON_COUNT_ERROR" }),
      Object.assign(new Error("maximum statement execution time exceeded"), { errno: 3024, sqlState: "HY000" }),
      Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true }),
    ];
    for (const err of cases) assert.equal(classifyDatabaseError(err).code, "TEMPORARILY_UNAVAILABLE", String(err));
  });

  test("a refused login, a missing database or a missing grant is CONFIGURATION_ERROR: no retry fixes them", () => {
    const cases: unknown[] = [
      Object.assign(new Error('password authentication failed for user "x"'), { code: "28P01", severity: "FATAL" }),
      Object.assign(new Error('database "x" does not exist'), { code: "3D000", severity: "FATAL" }),
      Object.assign(new Error("permission denied for table t"), { code: "42501", severity: "ERROR" }),
      Object.assign(new Error("Access denied"), { errno: 1045, sqlState: "28000", code: "ER_ACCESS_DENIED_ERROR" }),
      Object.assign(new Error("Unknown database"), { errno: 1049, sqlState: "42000", code: "ER_BAD_DB_ERROR" }),
      Object.assign(new Error("SELECT command denied"), { errno: 1142, sqlState: "42000", code: "ER_TABLEACCESS_DENIED_ERROR" }),
    ];
    for (const err of cases) {
      const classified = classifyDatabaseError(err);
      assert.equal(classified.code, "CONFIGURATION_ERROR", String(err));
      assert.ok(SAFE_MESSAGES.has(classified.message));
      assert.equal(databaseFailure(err).failure.error.retryable, false);
    }
  });

  test("data exceptions are INVALID_ARGUMENT; bugs and unknowns are INTERNAL", () => {
    const pgError = (code: string) => Object.assign(new Error("driver text"), { code, severity: "ERROR" });
    assert.equal(classifyDatabaseError(pgError("22003")).code, "INVALID_ARGUMENT");
    assert.equal(
      classifyDatabaseError(Object.assign(new Error("x"), { errno: 1292, sqlState: "22007" })).code,
      "INVALID_ARGUMENT",
    );
    assert.equal(classifyDatabaseError(pgError("08P01")).code, "INTERNAL", "a wrong parameter count is our bug");
    assert.equal(classifyDatabaseError(pgError("42P01")).code, "INTERNAL");
    assert.equal(classifyDatabaseError(node("EPIPE")).code, "TEMPORARILY_UNAVAILABLE");
    assert.equal(classifyDatabaseError(new Error("boom")).code, "INTERNAL");
    assert.equal(classifyDatabaseError("not even an error").code, "INTERNAL");
  });

  test("messages are ours; the driver's text goes only to the ledger detail", () => {
    const err = Object.assign(new Error('relation "secret_table" does not exist'), { code: "42P01", severity: "ERROR" });
    const classified = classifyDatabaseError(err);
    assert.ok(SAFE_MESSAGES.has(classified.message));
    assert.doesNotMatch(classified.message, /secret_table/);
    const failure = databaseFailure(node("ECONNREFUSED"));
    assert.deepEqual(failure.failure.error, {
      code: "TEMPORARILY_UNAVAILABLE",
      message: "The database is unreachable or timed out; try again shortly.",
      retryable: true,
    });
    assert.match(failure.failure.internal ?? "", /ECONNREFUSED/);
  });

  test("adapters refuse pool settings that are not plain integers", async () => {
    for (const engine of ["postgres", "mysql"] as const) {
      await assert.rejects(openAdapter(engine, { url: "postgres://x@127.0.0.1/x", statementTimeoutMs: 1.5 }), RangeError);
      await assert.rejects(
        openAdapter(engine, { url: "postgres://x@127.0.0.1/x", statementTimeoutMs: 100, maxConnections: 0 }),
        RangeError,
      );
    }
  });

  test("openAdapter loads the driver of the requested engine on demand", async () => {
    const pgAdapter = await openAdapter("postgres", { url: "postgres://x@127.0.0.1:1/x", statementTimeoutMs: 100 });
    const myAdapter = await openAdapter("mysql", { url: "mysql://x@127.0.0.1:1/x", statementTimeoutMs: 100 });
    assert.equal(pgAdapter.engine, "postgres");
    assert.equal(myAdapter.engine, "mysql");
    await Promise.all([pgAdapter.close(), myAdapter.close()]);
  });
});

describe("read-only sessions", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: with readOnly the database itself refuses a write`, async () => {
      const db = await createDatabase(engine, "srro");
      try {
        await db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
        const readOnly = createAdapter(engine, { url: db.url, statementTimeoutMs: 2000, maxConnections: 1, readOnly: true });
        const writable = createAdapter(engine, { url: db.url, statementTimeoutMs: 2000, maxConnections: 1 });
        try {
          const insert = { name: "ro_insert", text: engine === "postgres" ? "INSERT INTO t (id) VALUES ($1)" : "INSERT INTO t (id) VALUES (?)" };
          await assert.rejects(readOnly.query(insert, [1]), /read.only/i);
          assert.deepEqual(await readOnly.query({ name: "ro_select", text: "SELECT COUNT(*) AS n FROM t" }, []), [{ n: "0" }]);
          await writable.query(insert, [2]);
        } finally {
          await Promise.all([readOnly.close(), writable.close()]);
        }
      } finally {
        await db.drop();
      }
    });
  }
});

describe("a transaction whose ROLLBACK fails", () => {
  test("mysql: the connection is discarded, never handed back inside a transaction", async () => {
    const db = await createDatabase("mysql", "srrb");
    const a = createMysqlAdapter({ url: db.url, statementTimeoutMs: 2000, maxConnections: 1 });
    try {
      const id: FixedStatement = { name: "rb_connection_id", text: "SELECT CONNECTION_ID() AS id" };
      const [before] = await a.query(id, []);
      // An open XA transaction makes ROLLBACK fail with an ordinary (non-fatal) error packet.
      await assert.rejects(
        a.transaction(async (tx) => {
          await tx.execute({ name: "rb_commit", text: "COMMIT" }, []);
          await tx.execute({ name: "rb_xa", text: "XA START 'synapsor-rb'" }, []);
          throw new Error("work failed");
        }),
        /work failed/,
      );
      const [after] = await a.query(id, []);
      assert.notEqual(after?.id, before?.id, "the connection whose ROLLBACK failed was reused");
    } finally {
      await a.close();
      await db.drop();
    }
  });
});
