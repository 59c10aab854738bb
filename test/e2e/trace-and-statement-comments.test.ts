// Tracing a call into the database, end to end with the SDK Client against compiled servers:
// the caller's W3C traceparent (in params._meta over stdio; over HTTP the header, which a valid
// _meta overrides) lands in the query audit that `query-audit` shows, and every planned statement
// starts with its capability's comment where a DBA looks (pg_stat_activity, MariaDB's processlist).
// On MariaDB the mysql2 pool's connections by state are scraped while a call is held on a lock.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import pg from "pg";
import mysql from "mysql2/promise";
import fc from "fast-check";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, spawnHttpServer, type HttpServerProcess, type StdioSession } from "../support/compiled-server.ts";
import { runCli } from "../support/cli.ts";
import { hostileText } from "../support/hostile-names.ts";
import { sqlStatementComment } from "../../compiler/emit/comment-text.ts";

const TENANT = "tenant_acme";
const HEADER_TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const META_TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
const INSPECT_COMMENT = "/* synapsor:billing.inspect_invoice */ ";

interface AuditJson {
  id: string;
  capability: string;
  outcome: string;
  evidence_id: string | null;
  traceparent: string | null;
}

async function auditRows(store: string, ...flags: string[]): Promise<AuditJson[]> {
  const result = await runCli(["query-audit", "list", "--store", store, "--json", ...flags]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as AuditJson[];
}

/** Polls `probe` until it returns a value (bounded; a lock wait is milliseconds away). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("postgres: traceparent over stdio, statement comments in pg_stat_activity", () => {
  let db: TestDatabase;
  let session: StdioSession;
  let store: string;

  before(async () => {
    db = await createDatabase("postgres", "srtrc");
    await seedExample(db);
    const env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent-trace" };
    const built = await buildServer(exampleConfigFor("postgres"), { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
    const call = async (args: Record<string, unknown>, meta?: Record<string, unknown>) =>
      envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: args, ...(meta ? { _meta: meta } : {}) }));
    assert.equal((await call({ invoice_id: "INV-3001" }, { traceparent: META_TRACE, tracestate: "rojo=1" })).ok, true);
    assert.equal((await call({ invoice_id: "INV-9999" }, { traceparent: META_TRACE })).error.code, "NOT_FOUND_IN_TENANT");
    // Invalid values are ignored: upper case, a hostile string, a non-string.
    assert.equal((await call({ invoice_id: "INV-3001" }, { traceparent: META_TRACE.toUpperCase() })).ok, true);
    assert.equal((await call({ invoice_id: "INV-3001" }, { traceparent: "00-\u001b[2J\u202e-evil\n" })).ok, true);
    assert.equal((await call({ invoice_id: "INV-3001" }, { traceparent: 42 })).ok, true);
    assert.equal((await call({ invoice_id: "INV-3001" })).ok, true);
  });

  after(async () => {
    await session?.close();
    await db?.drop();
  });

  let rows: AuditJson[] = [];

  test("query-audit --json: the valid traceparent on the calls that sent it (a miss included), null on the others", async () => {
    rows = (await auditRows(store)).reverse(); // oldest first
    assert.deepEqual(rows.map((r) => r.traceparent), [META_TRACE, META_TRACE, null, null, null, null]);
    const ofTrace = await auditRows(store, "--trace", META_TRACE.slice(3, 35).toUpperCase());
    assert.equal(ofTrace.length, 2);
    const refused = await runCli(["query-audit", "list", "--store", store, "--trace", "00000000000000000000000000000000"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--trace takes a W3C trace-id/);
  });

  test("query-audit show (text and --json) and the evidence of the same read name the trace", async () => {
    const traced = rows.find((r) => r.traceparent === META_TRACE && r.outcome === "ok");
    const text = await runCli(["query-audit", "show", traced!.id, "--store", store]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^  trace: ${META_TRACE}$`, "m"));
    const json = await runCli(["query-audit", "show", traced!.id, "--store", store, "--json"]);
    assert.equal(JSON.parse(json.stdout).traceparent, META_TRACE);
    const evidence = await runCli(["evidence", "show", traced!.evidence_id!, "--store", store]);
    assert.match(evidence.stdout, new RegExp(`^  query audit: ${traced!.id} \\(.*, trace ${META_TRACE}\\)$`, "m"));
    const none = rows.find((r) => r.traceparent === null)!;
    assert.match((await runCli(["query-audit", "show", none.id, "--store", store])).stdout, /^ {2}trace: none$/m);
  });

  test("the server's connection shows the capability's comment in pg_stat_activity", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ query: string }>(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '/* synapsor:%'",
      );
      assert.ok(rows.length >= 1, "no backend of the server shows a commented statement");
      assert.ok(rows.some((r) => r.query.startsWith(`${INSPECT_COMMENT}SELECT `)), JSON.stringify(rows));
    } finally {
      await client.end();
    }
  });

  test("whatever a name holds, its encoded comment parses as a comment on postgres", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const names = fc.sample(hostileText, 40).concat(["x*/ SELECT 2; /*", "/* nested", "a?b$1"]);
      for (const name of names) {
        const { rows } = await client.query<{ one: number }>({ text: `${sqlStatementComment(name)} SELECT 1 AS one`, values: [] });
        assert.deepEqual(rows, [{ one: 1 }], JSON.stringify(name));
      }
    } finally {
      await client.end();
    }
  });
});

describe("mariadb: traceparent over HTTP (header and _meta), comments in the processlist, pool metrics", () => {
  const MCP_TOKEN = "mcp-token-trace-e2e-0001";
  const METRICS_TOKEN = "metrics-token-trace-e2e-01";
  let db: TestDatabase;
  let server: HttpServerProcess;
  let client: Client;
  let store: string;

  const scrape = async () => {
    const res = await fetch(new URL("/metrics", server.url), { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(res.status, 200);
    return res.text();
  };
  const pool = (text: string, state: string) => {
    const series = `synapsor_pool_connections{source="app_db",state="${state}"} `;
    const line = text.split("\n").find((l) => l.startsWith(series));
    return line === undefined ? undefined : Number(line.slice(series.length));
  };
  const inspect = (meta?: Record<string, unknown>) =>
    client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" }, ...(meta ? { _meta: meta } : {}) }).then(envelopeOf);

  before(async () => {
    db = await createDatabase("mysql", "srtrc");
    await seedExample(db);
    const env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent-trace", TEST_HTTP_TOKEN: MCP_TOKEN, TEST_METRICS_TOKEN: METRICS_TOKEN };
    const built = await buildServer(exampleConfigFor("mysql"), { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger.db");
    server = await spawnHttpServer(built.serverPath, built.runDir, env, [
      "--auth-token-env", "TEST_HTTP_TOKEN", "--metrics-token-env", "TEST_METRICS_TOKEN", "--store", store, "--pool-size", "1",
    ]);
    client = new Client({ name: "synapsor-e2e-trace", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${MCP_TOKEN}`, traceparent: HEADER_TRACE } } }),
    );
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    await db?.drop();
  });

  test("a valid _meta.traceparent wins over the header; without one, or with an invalid one, the header is recorded", async () => {
    assert.equal((await inspect({ traceparent: META_TRACE })).ok, true);
    assert.equal((await inspect()).ok, true);
    assert.equal((await inspect({ traceparent: "01-" + META_TRACE.slice(3) })).ok, true);
    const rows = (await auditRows(store)).reverse();
    assert.deepEqual(rows.slice(0, 3).map((r) => r.traceparent), [META_TRACE, HEADER_TRACE, HEADER_TRACE]);
  });

  test("a call held on a lock: its comment in the processlist, the pool's slot in use and the next call waiting", async () => {
    const locker = await mysql.createConnection(db.url);
    let calls: Promise<unknown>[] = [];
    try {
      await locker.query("LOCK TABLES invoices WRITE");
      calls = [inspect(), inspect()];
      const info = await eventually(async () => {
        const [rows] = await locker.query<mysql.RowDataPacket[]>(
          "SELECT INFO FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE '/* synapsor:%'",
          [db.name],
        );
        return rows[0]?.INFO as string | undefined;
      }, "the held statement in the processlist");
      assert.ok(info.startsWith(`${INSPECT_COMMENT}SELECT `), info);
      const held = await eventually(async () => {
        const text = await scrape();
        return pool(text, "waiting") === 1 ? text : undefined;
      }, "a second call waiting for the one connection");
      assert.equal(pool(held, "in_use"), 1);
      assert.equal(pool(held, "idle"), 0);
    } finally {
      await locker.query("UNLOCK TABLES");
      await locker.end();
    }
    for (const envelope of (await Promise.all(calls)) as Array<{ ok: boolean }>) assert.equal(envelope.ok, true);
    const after = await scrape();
    assert.deepEqual([pool(after, "idle"), pool(after, "in_use"), pool(after, "waiting")], [1, 0, 0]);
  });

  test("whatever a name holds, its encoded comment parses as a comment on mariadb (as a prepared statement)", async () => {
    const conn = await mysql.createConnection(db.url);
    try {
      const names = fc.sample(hostileText, 40).concat(["x*/ SELECT 2; /*", "/*! executable", "a?b$1"]);
      for (const name of names) {
        const [rows] = await conn.execute<mysql.RowDataPacket[]>(`${sqlStatementComment(name)} SELECT 1 AS one`);
        assert.deepEqual(rows.map((r) => r.one), [1], JSON.stringify(name));
      }
    } finally {
      await conn.end();
    }
  });
});
