// How the runner holds its database connections against a hostile or broken environment, on real
// Postgres and MariaDB: URL parameters cannot undo the session it enforces, a reader session is
// proven read-only, a wrong login or database is CONFIGURATION_ERROR (logged once at start), and a
// silent network stall answers TEMPORARILY_UNAVAILABLE and leaks no pool slot.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import pg from "pg";
import mysql from "mysql2/promise";
import { classifyDatabaseError, type Adapter, type Engine } from "../../runtime/db/index.ts";
import { createMysqlAdapter } from "../../runtime/db/mysql.ts";
import { createPostgresAdapter } from "../../runtime/db/postgres.ts";
import { POSTGRES_SESSION_CHECK, checkSession, mysqlSessionCheck } from "../../runtime/db/session-check.ts";
import { DatabaseConfigurationError } from "../../runtime/db/connection-url.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";
import { startStallProxy, type StallProxy } from "../support/stall-proxy.ts";

const ENGINES: Engine[] = ["postgres", "mysql"];
const WRONG_PASSWORD = "Wrong-Pw-3e9a-NEVER-LEAK";

const adapterFor = (engine: Engine, url: string, readOnly = true): Adapter =>
  engine === "postgres" ? createPostgresAdapter({ url, statementTimeoutMs: 2000, readOnly }) : createMysqlAdapter({ url, statementTimeoutMs: 2000, readOnly });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}

/** URLs that would turn off read-only, the timeout, UTC or exact values, were their parameters honoured. */
const HOSTILE_PARAMETERS: Record<Engine, string[]> = {
  postgres: [
    "options=-c%20default_transaction_read_only%3Doff%20-c%20statement_timeout%3D0%20-c%20TimeZone%3DAmerica%2FNew_York",
    "statement_timeout=0",
    "binary=true",
    "client_encoding=LATIN1",
  ],
  mysql: ["typeCast=false", "multipleStatements=true", "dateStrings=false", "supportBigNumbers=false&bigNumberStrings=false", "timezone=%22-05%3A00%22", "flags=%22-FOUND_ROWS%22"],
};

for (const engine of ENGINES) {
  describe(`${engine}: the URL cannot undo the runner's session`, () => {
    let db: TestDatabase;
    const open: Adapter[] = [];
    before(async () => {
      db = await createDatabase(engine, "srconn");
      await db.exec(engine === "postgres" ? "CREATE TABLE t (id int PRIMARY KEY, at timestamptz NOT NULL)" : "CREATE TABLE t (id int PRIMARY KEY, at datetime(6) NOT NULL)");
      await db.exec("INSERT INTO t VALUES (1, '2026-05-16 08:30:00')");
    });
    after(async () => {
      await Promise.allSettled(open.map((a) => a.close()));
      await db?.drop();
    });
    const adapter = (url: string, readOnly = true) => {
      const a = adapterFor(engine, url, readOnly);
      open.push(a);
      return a;
    };
    const write = { name: "w", text: "UPDATE t SET id = 2 WHERE id = 1" };

    for (const parameter of HOSTILE_PARAMETERS[engine]) {
      test(`?${decodeURIComponent(parameter).slice(0, 60)} is refused as CONFIGURATION_ERROR, naming the parameter and the fix`, async () => {
        const a = adapter(`${db.url}?${parameter}`);
        const err = await rejection(a.query({ name: "r", text: "SELECT id FROM t" }, []));
        assert.ok(err instanceof DatabaseConfigurationError, String(err));
        assert.equal(classifyDatabaseError(err).code, "CONFIGURATION_ERROR");
        const name = parameter.split("=")[0]!;
        assert.match(err.message, new RegExp(`'${name}'`));
        assert.match(err.message, /Remove/);
        assert.doesNotMatch(err.message, /America|LATIN1|-05|FOUND_ROWS/, "parameter values are not echoed");
        // Nothing was written through it either.
        assert.ok((await rejection(a.query(write, []))) instanceof DatabaseConfigurationError);
      });
    }

    test("a clean URL gives a read-only UTC session whose write fails in the database", async () => {
      const a = adapter(db.url);
      const check = { name: "c", text: engine === "postgres" ? POSTGRES_SESSION_CHECK : mysqlSessionCheck("mariadb") };
      const [row] = await a.query(check, []);
      assert.doesNotThrow(() => checkSession(row, { readOnly: true }));
      await rejection(a.query(write, []));
      await a.verify();
    });

    test("the session check refuses a session that is not read-only (a real session without the setting)", async () => {
      let row: Record<string, unknown> | undefined;
      if (engine === "postgres") {
        const client = new pg.Client({ connectionString: db.url, options: "-c TimeZone=UTC" });
        await client.connect();
        row = (await client.query(POSTGRES_SESSION_CHECK)).rows[0];
        await client.end();
      } else {
        const conn = await mysql.createConnection(db.url);
        await conn.query("SET time_zone = '+00:00'");
        row = ((await conn.query(mysqlSessionCheck("mariadb"))) as unknown as [Record<string, unknown>[]])[0][0];
        await conn.end();
      }
      assert.throws(() => checkSession(row, { readOnly: true }), (err: unknown) => err instanceof DatabaseConfigurationError && /not read-only/.test(err.message));
      assert.doesNotThrow(() => checkSession(row, { readOnly: false }), "a writer session needs no read-only proof");
    });

    test("the writer (readOnly off) refuses hostile URLs too", async () => {
      const a = adapter(`${db.url}?${HOSTILE_PARAMETERS[engine][0]}`, false);
      assert.ok((await rejection(a.transaction(async (tx) => tx.execute(write, [])))) instanceof DatabaseConfigurationError);
    });
  });
}

/** The example with a small statement timeout, so the client deadline (timeout + grace) is short. */
function fastExampleConfig(engine: Engine) {
  const config = exampleConfigFor(engine);
  config.sources.app_db.statement_timeout_ms = 500;
  return config;
}

for (const engine of ENGINES) {
  describe(`${engine}: the compiled server's database failures`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    const sessions: StdioSession[] = [];
    let proxy: StallProxy;
    const reader = `rc_${Date.now().toString(36).slice(-6)}`;

    before(async () => {
      db = await createDatabase(engine, "srconf");
      await seedExample(db);
      if (engine === "mysql") {
        await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'right-password'; GRANT SELECT ON \`${db.name}\`.customers TO '${reader}'@'%'`);
      } else {
        await db.exec(`CREATE ROLE ${reader} LOGIN; GRANT SELECT ON customers TO ${reader}`);
      }
      built = await buildServer(fastExampleConfig(engine), { ...process.env, SUPPORT_DB_READ_URL: db.url, SUPPORT_DB_WRITE_URL: db.url }, "SUPPORT_DB_READ_URL");
      const target = new URL(db.url);
      proxy = await startStallProxy(target.hostname, Number(target.port));
    });
    after(async () => {
      await Promise.allSettled(sessions.map((s) => s.close()));
      await proxy?.close();
      if (engine === "mysql") await db.exec(`DROP USER IF EXISTS '${reader}'@'%'`).catch(() => undefined);
      else await db.exec(`DROP OWNED BY ${reader}; DROP ROLE IF EXISTS ${reader}`).catch(() => undefined);
      await db?.drop();
    });

    const serve = async (readUrl: string, extra: string[] = []) => {
      const env = { SUPPORT_DB_READ_URL: readUrl, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-conn" };
      const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, `ledger-${sessions.length}.db`), ...extra]);
      sessions.push(session);
      return session;
    };
    const inspect = async (session: StdioSession, invoice = "INV-3001") =>
      envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: invoice } }));
    const waitFor = async (predicate: () => boolean) => {
      for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 50));
    };

    test("a refused login answers CONFIGURATION_ERROR (not retryable), logged once at start without the secret", async () => {
      // Local Postgres trusts every password, so there the login fails on an unknown role.
      const url = new URL(db.url);
      url.username = engine === "mysql" ? reader : `no_such_role_${reader}`;
      url.password = WRONG_PASSWORD;
      const session = await serve(url.toString());
      const first = await inspect(session);
      assert.equal(first.ok, false);
      assert.deepEqual([first.error.code, first.error.retryable], ["CONFIGURATION_ERROR", false]);
      assert.equal(JSON.stringify(first).includes(WRONG_PASSWORD), false);
      const second = await inspect(session);
      assert.equal(second.error.code, "CONFIGURATION_ERROR");
      await waitFor(() => session.stderr().includes("source_unavailable"));
      // Once for the start-up check and the two failed calls together: the log says a state, not each call.
      const lines = session.stderr().split("\n").filter((l) => l.includes("source_unavailable"));
      assert.equal(lines.length, 1, session.stderr());
      const logged = JSON.parse(lines[0]!);
      assert.deepEqual([logged.level, logged.source, logged.category, logged.code], ["error", "app_db", "authentication", "CONFIGURATION_ERROR"]);
      assert.match(logged.message, /\$SUPPORT_DB_READ_URL: the database refused the login/);
      assert.equal(session.stderr().includes(WRONG_PASSWORD), false);
    });

    test("a database name that does not exist is CONFIGURATION_ERROR", async () => {
      const url = new URL(db.url);
      url.pathname = `/${db.name}_missing`;
      const e = await inspect(await serve(url.toString()));
      assert.deepEqual([e.error.code, e.error.retryable], ["CONFIGURATION_ERROR", false]);
    });

    test("a reader without SELECT on the table is CONFIGURATION_ERROR", async () => {
      const url = new URL(db.url);
      url.username = reader;
      url.password = engine === "mysql" ? "right-password" : "";
      const e = await inspect(await serve(url.toString()));
      assert.deepEqual([e.error.code, e.error.retryable], ["CONFIGURATION_ERROR", false]);
    });

    test("a hostile URL parameter is CONFIGURATION_ERROR and the log names the parameter, not its value", async () => {
      const session = await serve(`${db.url}?${HOSTILE_PARAMETERS[engine][0]}`);
      const e = await inspect(session);
      assert.deepEqual([e.error.code, e.error.retryable], ["CONFIGURATION_ERROR", false]);
      await waitFor(() => session.stderr().includes("source_unavailable"));
      assert.match(session.stderr(), /"category":"config"/);
      assert.match(session.stderr(), engine === "postgres" ? /'options'/ : /'typeCast'/);
      assert.doesNotMatch(session.stderr(), /default_transaction_read_only/);
    });

    test("a silent network stall answers TEMPORARILY_UNAVAILABLE, and once it ends calls succeed with no slot leaked", async () => {
      const session = await serve(proxy.urlFor(db.url), ["--pool-size", "2"]);
      assert.equal((await inspect(session)).ok, true, "the proxy forwards before the stall");
      proxy.stall();
      let stalled;
      try {
        // More calls than pool slots: the ones holding a slot hit the query deadline, the others the checkout deadline.
        stalled = await Promise.all(["INV-3001", "INV-3002", "INV-3003"].map((id) => inspect(session, id)));
      } finally {
        proxy.resume();
      }
      for (const e of stalled) assert.deepEqual([e.ok, e.error?.code, e.error?.retryable], [false, "TEMPORARILY_UNAVAILABLE", true]);
      // Both slots are free again: as many concurrent calls as the pool holds, twice over, all succeed.
      for (let round = 0; round < 2; round++) {
        const results = await Promise.all(["INV-3001", "INV-3003"].map((id) => inspect(session, id)));
        for (const e of results) assert.equal(e.ok, true, JSON.stringify(e.error));
      }
      // The operator's log: one line when the source stopped answering, one when it came back.
      const health = session.stderr().split("\n").filter((l) => /"event":"source_(unavailable|recovered)"/.test(l)).map((l) => JSON.parse(l));
      assert.deepEqual(health.map((h) => [h.event, h.category ?? null]), [["source_unavailable", "connection"], ["source_recovered", null]], session.stderr());
    });
  });
}

describe("postgres: a server that ignores the startup settings (the embedded demo database)", () => {
  test("reads still run read-only and in UTC, each in its own local-settings transaction", async () => {
    const { startEmbeddedPostgres } = await import("../../operator/demo/embedded-postgres.ts");
    const embedded = await startEmbeddedPostgres({ sql: ["CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)"] });
    const a = createPostgresAdapter({ url: embedded.url, statementTimeoutMs: 2000, readOnly: true, maxConnections: 1 });
    try {
      // A plain connection shows the server ignores the startup parameters...
      const plain = new pg.Client({ connectionString: embedded.url, options: "-c default_transaction_read_only=on" });
      await plain.connect();
      const [ignored] = (await plain.query(POSTGRES_SESSION_CHECK)).rows;
      await plain.end();
      assert.equal(ignored.read_only, "off");
      // ...yet through the reader adapter, a statement sees a read-only transaction and cannot write.
      const [row] = await a.query({ name: "session_check", text: POSTGRES_SESSION_CHECK }, []);
      assert.equal(row!.read_only, "on");
      const err = await rejection(a.query({ name: "w", text: "UPDATE t SET id = 2 WHERE id = 1" }, []));
      assert.equal((err as { code?: string }).code, "25006", "read_only_sql_transaction");
      assert.deepEqual(await a.query({ name: "r", text: "SELECT id FROM t" }, []), [{ id: 1 }]);
    } finally {
      await a.close();
      await embedded.stop();
    }
  });
});

describe("inspect applies the same rule to its URL", () => {
  for (const engine of ENGINES) {
    test(`${engine}: a session-overriding parameter stops inspect with the parameter and the fix, never its value`, async () => {
      const { runCli } = await import("../support/cli.ts");
      const { PG_ADMIN_URL, MYSQL_ADMIN_URL } = await import("../support/databases.ts");
      const base = engine === "postgres" ? PG_ADMIN_URL : MYSQL_ADMIN_URL;
      const r = await runCli(["inspect", "--engine", engine, "--from-env", "INSPECT_URL"], {
        env: { ...process.env, INSPECT_URL: `${base}?${HOSTILE_PARAMETERS[engine][0]}` },
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, engine === "postgres" ? /\$INSPECT_URL: .*'options'.*Remove it/s : /\$INSPECT_URL: .*'typeCast'.*Remove it/s);
      assert.doesNotMatch(r.stderr, /default_transaction_read_only/);
    });
  }
});
