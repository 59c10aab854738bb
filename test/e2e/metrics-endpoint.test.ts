// /metrics end to end: a compiled server on Postgres, real calls from the SDK Client, then
// scrapes over the MCP HTTP port (behind the metrics token) and over a loopback port of its own
// next to a stdio server. Counts must match the calls; no tenant, principal or argument value
// may appear in the text.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectHttp, connectStdio, envelopeOf, exampleConfigFor, type HttpSession, type StdioSession } from "../support/compiled-server.ts";
import { freePort } from "../support/ports.ts";

const MCP_TOKEN = "mcp-token-5b1e-for-tests-only";
const METRICS_TOKEN = "metrics-token-77c2-for-tests-only";
const TENANT = "tenant_acme";
const PRINCIPAL = "agent-metrics-e2e";
/** An argument value the text must never carry. */
const REASON = "Outage-reason-9f3d-should-not-appear";

async function scrape(url: string, token?: string): Promise<{ status: number; type: string | null; text: string; auth: string | null }> {
  const res = await fetch(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text(), auth: res.headers.get("www-authenticate") };
}

/** The value of one sample line, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function assertNothingPrivate(text: string): void {
  for (const secret of [TENANT, PRINCIPAL, REASON, "INV-3001", "C-101", MCP_TOKEN, METRICS_TOKEN, "not.a.tool"]) {
    assert.equal(text.includes(secret), false, `metrics text carries ${secret}`);
  }
}

describe("metrics of a compiled server on postgres", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let env: Record<string, string>;

  before(async () => {
    db = await createDatabase("postgres", "srmet");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: PRINCIPAL, TEST_METRICS_TOKEN: METRICS_TOKEN };
    built = await buildServer(exampleConfigFor("postgres"), { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
  });

  after(async () => {
    await db?.drop();
  });

  describe("over the MCP HTTP port with --metrics-token-env", () => {
    let session: HttpSession;
    let metricsUrl: string;

    before(async () => {
      session = await connectHttp(built.serverPath, built.runDir, env, MCP_TOKEN, [
        "--store", join(built.runDir, "http-ledger.db"), "--metrics-token-env", "TEST_METRICS_TOKEN", "--log-level", "debug",
      ]);
      metricsUrl = new URL("/metrics", session.url).toString();
      const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));
      assert.equal((await call("billing.inspect_invoice", { invoice_id: "INV-3001" })).ok, true);
      assert.equal((await call("billing.inspect_invoice", { invoice_id: "INV-3001" })).ok, true);
      assert.equal((await call("billing.inspect_invoice", { invoice_id: "INV-9999" })).error.code, "NOT_FOUND_IN_TENANT");
      assert.equal((await call("support.list_open_tickets", { customer_id: "C-101" })).ok, true);
      assert.equal((await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3003", new_late_fee_cents: 0, reason: REASON })).ok, true);
      // An unknown tool is the protocol error (-32602, data.code CAPABILITY_NOT_FOUND), not an envelope.
      await assert.rejects(session.client.callTool({ name: "not.a.tool", arguments: { tenant_id: TENANT } }), (err: { code?: number; data?: { code?: string } }) =>
        err.code === -32602 && err.data?.code === "CAPABILITY_NOT_FOUND");
    });

    after(async () => {
      await session?.close();
    });

    test("without the metrics token, with a wrong one, or with the MCP token: 401 and no figures", async () => {
      for (const token of [undefined, "wrong-token-0000000000000", MCP_TOKEN]) {
        const res = await scrape(metricsUrl, token);
        assert.equal(res.status, 401, `token ${token}`);
        assert.match(res.auth ?? "", /^Bearer/);
        assert.doesNotMatch(res.text, /synapsor_/);
      }
    });

    test("with the token: the calls counted by capability and outcome, timed, and nothing private", async () => {
      // The start-up source check runs beside the first calls and, on a loaded machine, may still
      // hold its connection at the first scrape: wait (bounded) until the pool has nothing lent out.
      let res = await scrape(metricsUrl, METRICS_TOKEN);
      for (let waited = 0; waited < 10_000 && sample(res.text, 'synapsor_pool_connections{source="app_db",state="in_use"}') !== 0; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        res = await scrape(metricsUrl, METRICS_TOKEN);
      }
      assert.equal(res.status, 200);
      assert.match(res.type ?? "", /^text\/plain; version=0\.0\.4/);
      const t = res.text;
      assert.equal(sample(t, 'synapsor_tool_calls_total{capability="billing.inspect_invoice",outcome="ok"}'), 2);
      assert.equal(sample(t, 'synapsor_tool_calls_total{capability="billing.inspect_invoice",outcome="NOT_FOUND_IN_TENANT"}'), 1);
      assert.equal(sample(t, 'synapsor_tool_calls_total{capability="support.list_open_tickets",outcome="ok"}'), 1);
      assert.equal(sample(t, 'synapsor_tool_calls_total{capability="billing.propose_late_fee_waiver",outcome="ok"}'), 1);
      assert.equal(sample(t, 'synapsor_tool_calls_total{capability="unknown",outcome="CAPABILITY_NOT_FOUND"}'), 1);
      assert.equal(sample(t, 'synapsor_tool_call_duration_seconds_count{capability="billing.inspect_invoice"}'), 3);
      assert.equal(sample(t, 'synapsor_tool_call_duration_seconds_bucket{capability="billing.inspect_invoice",le="+Inf"}'), 3);
      // The same calls under the OpenTelemetry name, split by the conventions' error.type.
      const otel = 'mcp_server_operation_duration_seconds_count{mcp_method_name="tools/call",gen_ai_operation_name="execute_tool"';
      assert.equal(sample(t, `${otel},gen_ai_tool_name="billing.inspect_invoice"}`), 2);
      assert.equal(sample(t, `${otel},gen_ai_tool_name="billing.inspect_invoice",error_type="tool_error"}`), 1);
      assert.equal(sample(t, `${otel},error_type="-32602",rpc_response_status_code="-32602"}`), 1);
      assert.equal(sample(t, 'synapsor_ledger_write_duration_seconds_count{operation="create_proposal"}'), 1);
      assert.ok((sample(t, 'synapsor_ledger_write_duration_seconds_count{operation="record_read"}') ?? 0) >= 3);
      // The pg pool of the one source: every call done, so nothing lent out and nobody waiting.
      assert.ok((sample(t, 'synapsor_pool_connections{source="app_db",state="idle"}') ?? 0) >= 1);
      assert.equal(sample(t, 'synapsor_pool_connections{source="app_db",state="in_use"}'), 0);
      assert.equal(sample(t, 'synapsor_pool_connections{source="app_db",state="waiting"}'), 0);
      // Read from this server's own ledger at scrape time: the one proposal made above.
      assert.equal(sample(t, 'synapsor_proposals{state="review_required"}'), 1);
      assert.equal(sample(t, 'synapsor_proposals{state="approved"}'), 0);
      assert.match(t, /^synapsor_build_info\{version="[^"]+",plan_hash="[0-9a-f]{64}"\} 1$/m);
      assertNothingPrivate(t);
    });

    test("--log-level debug: start-up at info, and one request line per call without arguments", async () => {
      const lines = session.stderr().trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.event === "server_started" && l.level === "info"));
      const calls = lines.filter((l) => l.event === "request" && l.method === "tools/call");
      assert.deepEqual(
        calls.map((l) => `${l.capability}:${l.outcome}`),
        [
          "billing.inspect_invoice:ok", "billing.inspect_invoice:ok", "billing.inspect_invoice:NOT_FOUND_IN_TENANT",
          "support.list_open_tickets:ok", "billing.propose_late_fee_waiver:ok", "unknown:CAPABILITY_NOT_FOUND",
        ],
      );
      for (const l of calls) {
        assert.equal(l.level, "debug");
        assert.equal(typeof l.duration_ms, "number");
        assert.equal(typeof l.request_id, "number");
      }
      assert.equal(new Set(calls.map((l) => l.request_id)).size, calls.length, "request ids are distinct");
      assert.ok(lines.some((l) => l.event === "request" && l.method === "initialize" && l.outcome === "ok"));
      assertNothingPrivate(session.stderr());
    });
  });

  describe("next to a stdio server with --metrics-port", () => {
    let session: StdioSession;
    let port: number;

    before(async () => {
      port = await freePort();
      session = await connectStdio(built.serverPath, built.runDir, env, [
        "--store", join(built.runDir, "stdio-ledger.db"), "--metrics-port", String(port), "--log-level", "warn", "--log-requests",
      ]);
      envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
    });

    after(async () => {
      await session?.close();
    });

    test("loopback scrape without a token counts the stdio call", async () => {
      const res = await scrape(`http://127.0.0.1:${port}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(sample(res.text, 'synapsor_tool_calls_total{capability="billing.inspect_invoice",outcome="ok"}'), 1);
      assertNothingPrivate(res.text);
      assert.equal((await scrape(`http://127.0.0.1:${port}/mcp`)).status, 404);
    });

    test("--log-level warn --log-requests: request lines only, the info lines filtered out", () => {
      const lines = session.stderr().trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.filter((l) => l.level === "info"), []);
      const call = lines.find((l) => l.event === "request" && l.method === "tools/call");
      assert.equal(call?.capability, "billing.inspect_invoice");
      assert.equal(call?.outcome, "ok");
      assertNothingPrivate(session.stderr());
    });
  });
});
