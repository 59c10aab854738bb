// The Prometheus text encoder and the server's metric families: escaping per the exposition
// format, cumulative buckets, and labels that can only be compiled names and our own codes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { escapeLabelValue, ExpositionWriter, formatValue } from "../../runtime/metrics/exposition.ts";
import { Histogram } from "../../runtime/metrics/histogram.ts";
import { ServerMetrics, UNKNOWN_CAPABILITY } from "../../runtime/metrics/server-metrics.ts";
import { instrumentHost, instrumentLedger, outcomeOf } from "../../runtime/metrics/instrument.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { ToolHost } from "../../runtime/mcp/host.ts";
import { metricsServingFrom } from "../../runtime/metrics/endpoint.ts";
import { createLog, logRequests, parseLogLevel } from "../../runtime/metrics/log.ts";
import type { McpServerCore } from "../../runtime/mcp/protocol.ts";
import type { PoolStats } from "../../runtime/db/adapter.ts";
import { mysql2PoolStats } from "../../runtime/db/mysql-pool-stats.ts";

describe("exposition format", () => {
  test("label values escape backslash, double quote and line feed, and nothing else", () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeLabelValue("plain.name_1"), "plain.name_1");
  });

  test("a hostile label value stays inside its quotes on one line", () => {
    const out = new ExpositionWriter().family("x_total", "counter", "help\nwith newline");
    out.sample("x_total", [["capability", 'evil"} 1\nfake_metric{a="b']], 3);
    const lines = out.text().trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.equal(lines[0], "# HELP x_total help\\nwith newline");
    assert.equal(lines[2], 'x_total{capability="evil\\"} 1\\nfake_metric{a=\\"b"} 3');
  });

  test("special values are spelt as Prometheus parses them", () => {
    assert.deepEqual([Infinity, -Infinity, NaN, 0.25, 7].map(formatValue), ["+Inf", "-Inf", "NaN", "0.25", "7"]);
  });
});

describe("histogram", () => {
  test("buckets are cumulative, bounds inclusive, and +Inf equals the count", () => {
    const h = new Histogram([0.001, 0.01]);
    for (const v of [0.0005, 0.001, 0.005, 2]) h.observe(v);
    const out = new ExpositionWriter();
    h.writeTo(out, "d_seconds", [["capability", "c"]]);
    assert.equal(
      out.text(),
      [
        'd_seconds_bucket{capability="c",le="0.001"} 2',
        'd_seconds_bucket{capability="c",le="0.01"} 3',
        'd_seconds_bucket{capability="c",le="+Inf"} 4',
        `d_seconds_sum{capability="c"} ${0.0005 + 0.001 + 0.005 + 2}`,
        'd_seconds_count{capability="c"} 4',
      ].join("\n") + "\n",
    );
  });
});

describe("server metrics", () => {
  const build = { version: "0.1.0", planHash: "abc123" };

  test("build info, calls by capability and outcome, durations with sub-millisecond buckets", async () => {
    const m = new ServerMetrics(["billing.inspect_invoice"], build);
    m.recordCall("billing.inspect_invoice", "ok", 0.0002);
    m.recordCall("billing.inspect_invoice", "ok", 0.003);
    m.recordCall("billing.inspect_invoice", "NOT_FOUND", 0.0001);
    m.recordLedgerWrite("record_read", 0.0004);
    const text = await m.render();
    assert.match(text, /^synapsor_build_info\{version="0\.1\.0",plan_hash="abc123"\} 1$/m);
    assert.match(text, /^synapsor_tool_calls_total\{capability="billing\.inspect_invoice",outcome="ok"\} 2$/m);
    assert.match(text, /^synapsor_tool_calls_total\{capability="billing\.inspect_invoice",outcome="NOT_FOUND"\} 1$/m);
    assert.match(text, /^synapsor_tool_call_duration_seconds_bucket\{capability="billing\.inspect_invoice",le="0\.00025"\} 2$/m);
    assert.match(text, /^synapsor_tool_call_duration_seconds_count\{capability="billing\.inspect_invoice"\} 3$/m);
    assert.match(text, /^synapsor_ledger_write_duration_seconds_count\{operation="record_read"\} 1$/m);
    // Families without observations print their HELP and TYPE only.
    assert.doesNotMatch(text, /operation="create_proposal"/);
  });

  test("the OpenTelemetry name: mcp.server.operation.duration with the conventions' attributes", async () => {
    const m = new ServerMetrics(["billing.inspect_invoice"], build);
    m.recordCall("billing.inspect_invoice", "ok", 0.0002);
    m.recordCall("billing.inspect_invoice", "NOT_FOUND_IN_TENANT", 0.0003);
    m.recordCall("billing.inspect_invoice", "INTERNAL_ERROR", 0.0004);
    m.recordCall("who knows", "CAPABILITY_NOT_FOUND", 0.0001);
    const text = await m.render();
    assert.match(text, /^# TYPE mcp_server_operation_duration_seconds histogram$/m);
    const base = 'mcp_method_name="tools/call",gen_ai_operation_name="execute_tool"';
    assert.match(text, new RegExp(`^mcp_server_operation_duration_seconds_count\\{${base},gen_ai_tool_name="billing\\.inspect_invoice"\\} 1$`, "m"));
    assert.match(text, new RegExp(`^mcp_server_operation_duration_seconds_count\\{${base},gen_ai_tool_name="billing\\.inspect_invoice",error_type="tool_error"\\} 1$`, "m"));
    assert.match(text, new RegExp(`^mcp_server_operation_duration_seconds_count\\{${base},gen_ai_tool_name="billing\\.inspect_invoice",error_type="-32603",rpc_response_status_code="-32603"\\} 1$`, "m"));
    // A tool the server does not have: no tool name at all (the caller's text is never a label).
    assert.match(text, new RegExp(`^mcp_server_operation_duration_seconds_count\\{${base},error_type="-32602",rpc_response_status_code="-32602"\\} 1$`, "m"));
    assert.doesNotMatch(text, /who knows/);
  });

  test("outcomes keep first-seen order and exact counts whether or not the first call succeeded", async () => {
    const m = new ServerMetrics(["a.b"], build);
    m.recordCall("a.b", "NOT_FOUND", 0.0001);
    m.recordCall("a.b", "ok", 0.0002);
    m.recordCall("a.b", "ok", 0.02);
    m.recordCall("a.b", "NOT_FOUND", 0.0003);
    const text = await m.render();
    const calls = text.split("\n").filter((l) => l.startsWith("synapsor_tool_calls_total{"));
    assert.deepEqual(calls, [
      'synapsor_tool_calls_total{capability="a.b",outcome="NOT_FOUND"} 2',
      'synapsor_tool_calls_total{capability="a.b",outcome="ok"} 2',
    ]);
    // Successes under the OTel name: the same buckets, sum and count as the two ok calls.
    const base = 'mcp_method_name="tools/call",gen_ai_operation_name="execute_tool",gen_ai_tool_name="a.b"';
    assert.ok(text.includes(`mcp_server_operation_duration_seconds_bucket{${base},le="0.00025"} 1\n`));
    assert.ok(text.includes(`mcp_server_operation_duration_seconds_bucket{${base},le="0.025"} 2\n`));
    assert.ok(text.includes(`mcp_server_operation_duration_seconds_sum{${base}} ${0.0002 + 0.02}\n`));
    assert.ok(text.includes(`synapsor_tool_call_duration_seconds_count{capability="a.b"} 4\n`));
  });

  test("a name that is not a compiled capability is counted as unknown, never echoed", async () => {
    const m = new ServerMetrics(["a.b"], build);
    m.recordCall("tenant-42 secret", "CAPABILITY_NOT_FOUND", 0.001);
    const text = await m.render();
    assert.match(text, new RegExp(`capability="${UNKNOWN_CAPABILITY}",outcome="CAPABILITY_NOT_FOUND"\\} 1`));
    assert.doesNotMatch(text, /tenant-42|secret/);
  });

  test("proposals by state: every known state, unknown stored values summed as other, none on a read failure", async () => {
    const m = new ServerMetrics([], build, { countProposals: async () => [
      { state: "review_required", count: 3 },
      { state: "approved", count: 1 },
      { state: 'x"}\nfake 1', count: 2 },
      { state: "tenant_acme", count: 4 },
    ] });
    const text = await m.render();
    assert.match(text, /^synapsor_proposals\{state="review_required"\} 3$/m);
    assert.match(text, /^synapsor_proposals\{state="approved"\} 1$/m);
    assert.match(text, /^synapsor_proposals\{state="expired"\} 0$/m);
    assert.match(text, /^synapsor_proposals\{state="other"\} 6$/m);
    assert.doesNotMatch(text, /fake|tenant_acme/);
    const failing = new ServerMetrics([], build, {
      countProposals: async () => {
        throw new Error("store lost");
      },
    });
    assert.doesNotMatch(await failing.render(), /^synapsor_proposals\{/m);
  });
});

describe("pool connections", () => {
  test("each source with pool figures gets idle, in_use and waiting, read at scrape time", async () => {
    let idle = 2;
    const m = new ServerMetrics([], { version: "0", planHash: "h" }, { pools: new Map([["app_db", () => ({ idle, inUse: 1, waiting: 0 })]]) });
    assert.match(await m.render(), /^synapsor_pool_connections\{source="app_db",state="idle"\} 2$/m);
    idle = 5;
    const text = await m.render();
    assert.match(text, /^synapsor_pool_connections\{source="app_db",state="idle"\} 5$/m);
    assert.match(text, /^synapsor_pool_connections\{source="app_db",state="in_use"\} 1$/m);
    assert.match(text, /^synapsor_pool_connections\{source="app_db",state="waiting"\} 0$/m);
  });

  test("no family at all when no source exposes figures", async () => {
    const m = new ServerMetrics([], { version: "0", planHash: "h" }, { pools: new Map() });
    assert.doesNotMatch(await m.render(), /synapsor_pool_connections/);
  });

  test("a source whose figures are unavailable when scraped has no series; the others still do", async () => {
    const m = new ServerMetrics([], { version: "0", planHash: "h" }, {
      pools: new Map<string, () => PoolStats | undefined>([["gone", () => undefined], ["app_db", () => ({ idle: 1, inUse: 0, waiting: 0 })]]),
    });
    const text = await m.render();
    assert.doesNotMatch(text, /source="gone"/);
    assert.match(text, /^synapsor_pool_connections\{source="app_db",state="idle"\} 1$/m);
  });

  test("mysql2's private queues are read only when each is a queue with a whole, consistent length", () => {
    const q = (length: unknown) => ({ length });
    assert.deepEqual(mysql2PoolStats({ _allConnections: q(3), _freeConnections: q(1), _connectionQueue: q(2) }), { idle: 1, inUse: 2, waiting: 2 });
    for (const pool of [
      {},
      { _allConnections: q(3), _freeConnections: q(1) },
      { _allConnections: q("3"), _freeConnections: q(1), _connectionQueue: q(0) },
      { _allConnections: q(1), _freeConnections: q(2), _connectionQueue: q(0) },
      { _allConnections: q(-1), _freeConnections: q(0), _connectionQueue: q(0) },
      { _allConnections: q(1.5), _freeConnections: q(0), _connectionQueue: q(0) },
    ]) assert.equal(mysql2PoolStats(pool), undefined, JSON.stringify(pool));
  });
});

describe("instrumented host", () => {
  const base: ToolHost = {
    serverInfo: { name: "t", version: "0" },
    listTools: () => [],
    listResourceTemplates: () => [],
    readResource: async () => undefined,
    async callTool(name) {
      if (name === "boom") throw new Error("boom");
      if (name === "a__b") return { content: [{ type: "text", text: "{}" }], structuredContent: { ok: true } };
      return { content: [{ type: "text", text: "{}" }], structuredContent: { ok: false, error: { code: "CAPABILITY_NOT_FOUND" } }, isError: true };
    },
  };

  test("counts each call under its compiled capability (aliases mapped) with its outcome", async () => {
    const m = new ServerMetrics(["a.b"], { version: "0", planHash: "h" });
    const seen: string[] = [];
    const host = instrumentHost(base, new Map([["a__b", "a.b"]]), m, (c) => seen.push(`${c.capability}:${c.outcome}`));
    await host.callTool("a__b", {});
    await host.callTool("nope", {});
    await assert.rejects(host.callTool("boom", {}));
    assert.deepEqual(seen, ["a.b:ok", "unknown:CAPABILITY_NOT_FOUND", "unknown:INTERNAL_ERROR"]);
    assert.match(await m.render(), /capability="a\.b",outcome="ok"\} 1/);
  });

  test("ledger writes are timed, counted before the caller resumes, and their failures pass through", async () => {
    const m = new ServerMetrics([], { version: "0", planHash: "h" });
    const reads = {
      recordRead: async () => ({ readId: "r1" }),
      recordReads: async () => { throw new Error("disk full"); },
      recordFailure: (): Promise<void> => { throw new Error("sync"); },
      kept: () => "passed through",
    };
    const ledger = instrumentLedger({ reads, proposals: {} } as unknown as Ledger, m);
    const count = async (op: string) => Number(new RegExp(`_count\\{operation="${op}"\\} (\\d+)`).exec(await m.render())?.[1] ?? 0);
    assert.deepEqual(await ledger.reads.recordRead({} as never), { readId: "r1" });
    assert.equal(await count("record_read"), 1);
    await assert.rejects(ledger.reads.recordReads([]), /disk full/);
    assert.equal(await count("record_reads"), 1);
    // A write that throws instead of rejecting still reaches the caller as a rejection, and is timed.
    const thrown = ledger.reads.recordFailure({} as never);
    assert.ok(thrown instanceof Promise);
    await assert.rejects(thrown, /sync/);
    assert.equal(await count("record_failure"), 1);
    assert.equal((ledger.reads as unknown as typeof reads).kept(), "passed through");
  });

  test("an error code that is not one of ours in shape is reported as ERROR", () => {
    const bad = { content: [], isError: true, structuredContent: { error: { code: 'x"}\n' } } } as never;
    assert.equal(outcomeOf(bad), "ERROR");
  });
});

describe("metrics flags", () => {
  const env = { GOOD: "a-long-metrics-token-0001", SHORT: "tiny-7x" };

  test("neither flag: nothing served", () => {
    assert.deepEqual(metricsServingFrom({}, "http", env), { ok: true, serving: undefined });
  });

  test("a token on HTTP, a port anywhere, or both", () => {
    assert.deepEqual(metricsServingFrom({ tokenEnv: "GOOD" }, "http", env), { ok: true, serving: { token: env.GOOD } });
    assert.deepEqual(metricsServingFrom({ port: "9464" }, "stdio", env), { ok: true, serving: { port: 9464 } });
    assert.deepEqual(metricsServingFrom({ port: "9464", tokenEnv: "GOOD" }, "stdio", env), { ok: true, serving: { port: 9464, token: env.GOOD } });
  });

  test("refusals say what to fix and never print the token", () => {
    const cases: Array<[Parameters<typeof metricsServingFrom>[0], "stdio" | "http", RegExp]> = [
      [{ tokenEnv: "GOOD" }, "stdio", /pass --metrics-port/],
      [{ tokenEnv: "MISSING" }, "http", /MISSING .* is not set/],
      [{ tokenEnv: "SHORT" }, "http", /shorter than 16 characters/],
      [{ port: "0" }, "stdio", /--metrics-port must be a port number/],
      [{ port: "80x" }, "stdio", /--metrics-port must be a port number/],
    ];
    for (const [flags, transport, message] of cases) {
      const result = metricsServingFrom(flags, transport, env);
      assert.equal(result.ok, false, JSON.stringify(flags));
      if (!result.ok) {
        assert.match(result.message, message);
        assert.equal(result.message.includes(env.GOOD) || result.message.includes(env.SHORT), false);
      }
    }
  });
});

describe("structured logs", () => {
  test("lines below the level are dropped; an event without a level counts as info", () => {
    const lines: string[] = [];
    const log = createLog("warn", (l) => lines.push(l));
    log({ level: "debug", event: "a" });
    log({ level: "info", event: "b" });
    log({ event: "c" });
    log({ level: "warn", event: "d" });
    log({ level: "error", event: "e" });
    assert.deepEqual(lines.map((l) => JSON.parse(l).event), ["d", "e"]);
    assert.ok(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")));
    assert.equal(parseLogLevel(undefined), "info");
    assert.equal(parseLogLevel("verbose"), undefined);
  });

  test("a request line names known methods and compiled capabilities only, never arguments", async () => {
    const core: McpServerCore = {
      async handle(message) {
        const m = message as { id?: number | string; method?: string };
        if (m.method === "tools/call") return { jsonrpc: "2.0", id: m.id!, result: { content: [], structuredContent: { error: { code: "NOT_FOUND_IN_TENANT" } }, isError: true } };
        return { jsonrpc: "2.0", id: m.id ?? null, error: { code: -32601, message: "Method not found" } };
      },
    };
    const events: Array<Record<string, unknown>> = [];
    const logged = logRequests(core, new Map([["a__b", "a.b"]]), (e) => events.push(e));
    await logged.handle({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "a__b", arguments: { secret_arg: "S3CRET" } } });
    await logged.handle({ jsonrpc: "2.0", id: "x\u001b[31m\u202e", method: "evil/\u001b]0;title\u0007", params: { name: "S3CRET" } });
    await logged.handle({ jsonrpc: "2.0", id: 8, method: "tools/call", params: { name: "S3CRET-tool" } });
    // The 2026 era's one method of its own is named too.
    await logged.handle({ jsonrpc: "2.0", id: 9, method: "server/discover", params: { _meta: {} } });
    const text = JSON.stringify(events);
    assert.doesNotMatch(text, /S3CRET|secret_arg|\u001b|\u202e|evil/);
    assert.deepEqual(
      events.map((e) => [e.request_id, e.method, e.capability, e.outcome]),
      [[1, "tools/call", "a.b", "NOT_FOUND_IN_TENANT"], [2, "other", undefined, "rpc_error"], [3, "tools/call", "unknown", "NOT_FOUND_IN_TENANT"], [4, "server/discover", undefined, "rpc_error"]],
    );
    assert.equal(events[0]!.jsonrpc_id, 7);
    assert.equal(typeof events[0]!.duration_ms, "number");
  });
});
