// /livez and /readyz on a real compiled server over Postgres (issue 10, item 3): served without
// the bearer token, answering fixed words only; readiness fails while a planned statement no longer
// prepares against the live schema and recovers once it does. Then graceful shutdown: on SIGTERM
// readiness flips to 503, new MCP requests are refused, a call held in flight by a table lock
// finishes and the process exits 0; a drain cut short exits 1; the store lease is gone either way.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { buildServer, connectHttp, envelopeOf, exampleConfigFor, type HttpSession } from "../support/compiled-server.ts";

const TOKEN = "health-token-0123456789abcdef";

async function get(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(new URL(path, url), init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Polls /readyz until it answers `status` (each answer is cached for a second). */
/** Polls /readyz until it answers `status` (and, when given, a body `match` accepts). */
async function readyzUntil(url: string, status: number, match: (text: string) => boolean = () => true) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await get(url, "/readyz");
    if (last.status === status && match(last.text)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`/readyz never answered ${status}; last ${last?.status} ${last?.text}`);
}

// One build for the file; each describe has its own database and servers.
let built: Awaited<ReturnType<typeof buildServer>>;
before(async () => {
  const config = exampleConfigFor("postgres");
  // Long enough that a held call is finished by the lock's release, never by its timeout.
  for (const source of Object.values<any>(config.sources)) source.statement_timeout_ms = 25_000;
  config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
  built = await buildServer(config, { ...process.env });
});

describe("health endpoints of the compiled server (postgres)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let session: HttpSession | undefined;

  before(async () => {
    db = await createDatabase("postgres", "health");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-health" };
  });
  after(async () => {
    await session?.close();
    await db?.drop();
  });

  test("a schema drift keeps /readyz at 503 naming no table or column; /livez stays 200; no token needed", async () => {
    // Drift before start: the planned reads name waiver_reason, which no longer exists.
    await db.exec("ALTER TABLE invoices RENAME COLUMN waiver_reason TO waiver_note");
    session = await connectHttp(built.serverPath, built.runDir, env, TOKEN, ["--store", join(built.runDir, "health.db")]);

    const live = await get(session.url, "/livez");
    assert.deepEqual([live.status, live.text], [200, "ok"]);

    const drifted = await get(session.url, "/readyz");
    assert.equal(drifted.status, 503);
    assert.deepEqual(JSON.parse(drifted.text), { ready: false, checks: { source: "ok", ledger: "ok", statements: "fail" } });
    for (const secret of ["waiver", "invoices", "127.0.0.1", db.name, "postgres", "column"]) {
      assert.equal(drifted.text.toLowerCase().includes(secret.toLowerCase()), false, `readyz revealed ${secret}`);
    }

    // Repaired: the statements are prepared again (they never passed), and then readiness holds.
    await db.exec("ALTER TABLE invoices RENAME COLUMN waiver_note TO waiver_reason");
    const ready = await readyzUntil(session.url, 200);
    assert.deepEqual(JSON.parse(ready.text), { ready: true, checks: { source: "ok", ledger: "ok", statements: "ok" } });
    assert.equal(ready.headers.get("cache-control"), "no-store");
  });

  test("health paths take GET/HEAD only, ignore the query string, and the MCP path still needs the token", async () => {
    assert.ok(session, "the server of the first test");
    const head = await fetch(new URL("/readyz?verbose=1", session.url), { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const post = await get(session.url, "/livez", { method: "POST", body: "{}" });
    assert.deepEqual([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
    const mcp = await get(session.url, "/mcp", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.equal(mcp.status, 401);
    // A working MCP call on the same server, for contrast.
    const tools = await session.client.listTools();
    assert.ok(tools.tools.length > 0);
  });

  test("a ledger deleted under the server fails the ledger check, naming no path", async () => {
    assert.ok(session, "the server of the first test");
    const store = join(built.runDir, "health.db");
    for (const suffix of ["", "-wal", "-shm"]) rmSync(store + suffix, { force: true });
    const lost = await readyzUntil(session.url, 503);
    assert.deepEqual(JSON.parse(lost.text), { ready: false, checks: { source: "ok", ledger: "fail", statements: "ok" } });
    assert.equal(lost.text.includes("health.db") || lost.text.includes(built.runDir), false);
    assert.equal((await get(session.url, "/livez")).status, 200, "the process itself is alive");
  });
});

/** Holds ACCESS EXCLUSIVE on invoices in an open transaction: every read of it waits. */
async function lockInvoices(url: string) {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  await holder.query("BEGIN; LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE");
  return {
    async waitForBlockedRead() {
      for (let i = 0; i < 300; i++) {
        const r = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%invoices%' AND query NOT LIKE 'PREPARE%'");
        if (r.rows[0].n > 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the call never blocked on the locked table");
    },
    async release() {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
      await watcher.end();
    },
  };
}

describe("graceful shutdown over HTTP (postgres)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    db = await createDatabase("postgres", "drain");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-drain" };
  });
  after(async () => {
    await db?.drop();
  });

  const exitOf = (session: HttpSession) =>
    new Promise<number | null>((resolve) => {
      if (session.child.exitCode !== null) resolve(session.child.exitCode);
      else session.child.once("exit", (code) => resolve(code));
    });

  test("SIGTERM: /readyz 503 at once, new MCP requests 503, the call in flight completes, exit 0, lease released", async () => {
    const store = join(built.runDir, "drain-ok.db");
    const session = await connectHttp(built.serverPath, built.runDir, env, TOKEN, ["--store", store]);
    assert.equal(existsSync(`${store}.lease.json`), true);
    const lock = await lockInvoices(db.url);
    try {
      const call = session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } });
      await lock.waitForBlockedRead();
      const exited = exitOf(session);
      session.child.kill("SIGTERM");

      // Wait for the stopping answer itself: while the table is locked, a readiness round that ran
      // before the signal may already answer 503 because the statements cannot be prepared.
      const stopping = await readyzUntil(session.url, 503, (text) => text.includes('"stopping"'));
      session.child.kill("SIGTERM"); // a second signal (an impatient operator) changes nothing
      assert.deepEqual(JSON.parse(stopping.text), { ready: false, checks: { stopping: "yes" } });
      const refused = await get(session.url, "/mcp", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get("retry-after"), "5");
      assert.equal(session.child.exitCode, null, "still draining while the call is held");

      await lock.release();
      const envelope = envelopeOf(await call);
      assert.equal(envelope.ok, true, JSON.stringify(envelope));
      assert.equal(await exited, 0, session.stderr());
      assert.equal(existsSync(`${store}.lease.json`), false, "the lease is released");
      assert.match(session.stderr(), /"event":"drain_started"/);
      assert.doesNotMatch(session.stderr(), /drain_cut_short/);
    } finally {
      await lock.release().catch(() => undefined);
      await session.client.close().catch(() => undefined);
    }
  });

  test("a drain cut short by --drain-timeout-ms exits 1 and still releases the lease", async () => {
    const store = join(built.runDir, "drain-cut.db");
    const session = await connectHttp(built.serverPath, built.runDir, env, TOKEN, ["--store", store, "--drain-timeout-ms", "200"]);
    const lock = await lockInvoices(db.url);
    try {
      const call = session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }).then(
        () => "answered",
        () => "dropped",
      );
      await lock.waitForBlockedRead();
      const exited = exitOf(session);
      session.child.kill("SIGTERM");
      assert.equal(await exited, 1, session.stderr());
      assert.equal(await call, "dropped", "the held call's connection was closed");
      assert.equal(existsSync(`${store}.lease.json`), false, "the lease is released");
      assert.match(session.stderr(), /"event":"drain_cut_short"/);
    } finally {
      await lock.release();
      await session.client.close().catch(() => undefined);
    }
  });

  test("--drain-timeout-ms must be under 30 s", async () => {
    await assert.rejects(
      connectHttp(built.serverPath, built.runDir, env, TOKEN, ["--store", join(built.runDir, "bad.db"), "--drain-timeout-ms", "30000"]),
      /--drain-timeout-ms must be a whole number of milliseconds from 1 to 29999/,
    );
  });
});
