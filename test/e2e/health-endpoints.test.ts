// /livez and /readyz on a real compiled server over Postgres (issue 10, item 3): served without
// the bearer token, answering fixed words only; readiness fails while a planned statement no longer
// prepares against the live schema and recovers once it does.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectHttp, exampleConfigFor, type HttpSession } from "../support/compiled-server.ts";

const TOKEN = "health-token-0123456789abcdef";

async function get(url: string, path: string, init: RequestInit = {}) {
  const res = await fetch(new URL(path, url), init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Polls /readyz until it answers `status` (each answer is cached for a second). */
async function readyzUntil(url: string, status: number) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await get(url, "/readyz");
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`/readyz never answered ${status}; last ${last?.status} ${last?.text}`);
}

describe("health endpoints of the compiled server (postgres)", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let env: Record<string, string>;
  let session: HttpSession | undefined;

  before(async () => {
    db = await createDatabase("postgres", "health");
    await seedExample(db);
    built = await buildServer(exampleConfigFor("postgres"), { ...process.env, SUPPORT_DB_READ_URL: db.url }, "SUPPORT_DB_READ_URL");
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
});
