// The pure parts of `npm run bench -- --peers`: Toolbox's cache location and configuration, the
// argument parser, and the ratio table judged against issue 11's targets. Nothing is downloaded.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parsePeersArgs } from "../../bench/peers.ts";
import { formatRatioTable, medianRatio, ratioRows, type PeerFigures, type RoundFigures } from "../../bench/lib/peer-report.ts";
import { cachedToolbox, exampleLookupWords, TOOLBOX_TOOL, toolboxBinary, toolboxCacheDir, toolboxConfig } from "../../bench/lib/toolbox.ts";

const COLUMNS = ["id", "tenant_id", "amount_cents"];

test("the Toolbox config is the flat format: one source, one tool with the tenant fixed and the id as $1", () => {
  const yaml = toolboxConfig({ databaseUrl: "postgres://postgres@127.0.0.1:5432/srpeers_x", tenant: "tenant_acme", columns: COLUMNS });
  const [source, tool] = yaml.split("\n---\n");
  assert.match(source!, /^kind: source\nname: app_db\ntype: postgres\n/);
  assert.match(source!, /^database: "srpeers_x"$/m);
  assert.match(source!, /^port: 5432$/m);
  // Toolbox refuses a source without a password, even on a trust-auth server.
  assert.match(source!, /^password: "unused-with-trust-auth"$/m);
  assert.match(tool!, new RegExp(`^kind: tool\\nname: ${TOOLBOX_TOOL}\\ntype: postgres-sql\\nsource: app_db\\n`));
  const statement = JSON.parse(/^statement: (.*)$/m.exec(tool!)![1]!);
  assert.equal(statement, `SELECT "id", "tenant_id", "amount_cents" FROM "public"."invoices" WHERE "id" = $1 AND "tenant_id" = 'tenant_acme' LIMIT 2`);
  assert.match(tool!, /parameters:\n {2}- name: invoice_id\n {4}type: string\n/);
});

test("the Toolbox config keeps hostile values inside their scalars and literals", () => {
  const yaml = toolboxConfig({
    databaseUrl: `postgres://u%0Akind%3A%20tool@127.0.0.1/${encodeURIComponent("db\nkind: tool\nname: evil")}`,
    tenant: "acme' OR '1'='1",
    columns: COLUMNS,
  });
  // Newlines stay escaped inside quoted scalars: still exactly two documents, one line per key.
  assert.equal(yaml.split("\n---\n").length, 2);
  assert.equal(yaml.match(/^kind: /gm)!.length, 2);
  assert.match(yaml, /^database: "db\\nkind: tool\\nname: evil"$/m);
  assert.match(yaml, /^user: "u\\nkind: tool"$/m);
  const statement = JSON.parse(/^statement: (.*)$/m.exec(yaml)![1]!);
  assert.ok(statement.endsWith(`"tenant_id" = 'acme'' OR ''1''=''1' LIMIT 2`), statement);
  assert.throws(() => toolboxConfig({ databaseUrl: "postgres://h/db", tenant: "t", columns: ['id" FROM x; --'] }), /not a plain SQL identifier/);
  assert.throws(() => toolboxConfig({ databaseUrl: "mysql://h/db", tenant: "t", columns: COLUMNS }), /not a Postgres URL/);
  assert.throws(() => toolboxConfig({ databaseUrl: "postgres://h/", tenant: "t", columns: COLUMNS }), /names no database/);
});

test("Toolbox describes the lookup in the example's own words, as our tools/list sends them", () => {
  const words = exampleLookupWords();
  // The generated capability module holds the description our tools/list sends, verbatim.
  const generated = readFileSync(new URL("../golden/support-billing/expected/src/capabilities/billing.inspect_invoice.ts", import.meta.url), "utf8");
  assert.ok(generated.includes(JSON.stringify(words.description)), words.description);
  assert.match(words.argument, /INV-3001/);
  const yaml = toolboxConfig({ databaseUrl: "postgres://postgres@127.0.0.1/db", tenant: "t", columns: COLUMNS });
  assert.equal(JSON.parse(/^description: (.*)$/m.exec(yaml)![1]!), words.description);
  assert.equal(JSON.parse(/^ {4}description: (.*)$/m.exec(yaml)![1]!), words.argument);

  // Words with YAML structure in them stay inside their scalars.
  const hostile = toolboxConfig({ databaseUrl: "postgres://h/db", tenant: "t", columns: COLUMNS, words: { description: "x\n---\nkind: tool", argument: "y\n  - name: z" } });
  assert.equal(hostile.split("\n---\n").length, 2);
  assert.equal(hostile.match(/^ {2}- name: /gm)!.length, 1);

  const dir = mkdtempSync(join(tmpdir(), "toolbox-words-"));
  try {
    const config = join(dir, "synapsor.runner.json");
    writeFileSync(config, JSON.stringify({ capabilities: [{ name: "billing.inspect_invoice", args: { invoice_id: {} } }] }));
    assert.throws(() => exampleLookupWords(config), /billing\.inspect_invoice has no description/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Toolbox is cached outside the repository, under XDG_CACHE_HOME when it is absolute", () => {
  assert.equal(toolboxCacheDir({ XDG_CACHE_HOME: "/var/cache/me" }), "/var/cache/me/synapsor-runner/bench/toolbox-1.12.0");
  // A relative XDG_CACHE_HOME is invalid by the spec and would land in the working directory.
  assert.match(toolboxCacheDir({ XDG_CACHE_HOME: "rel" }), /\/\.cache\/synapsor-runner\/bench\/toolbox-1\.12\.0$/);
  const empty = mkdtempSync(join(tmpdir(), "toolbox-cache-"));
  try {
    assert.equal(cachedToolbox(empty), undefined);
    assert.equal(toolboxBinary(empty), join(empty, "node_modules", "@toolbox-sdk", "server-linux-x64", "bin", "toolbox"));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test("--peers arguments: defaults, --quick, --rounds bounds, unknown flags", () => {
  assert.deepEqual(parsePeersArgs([]), { rounds: 5, quick: false, json: false, install: true });
  assert.deepEqual(parsePeersArgs(["--quick", "--json", "--no-install"]), { rounds: 1, quick: true, json: true, install: false });
  assert.deepEqual(parsePeersArgs(["--rounds", "7"]), { rounds: 7, quick: false, json: false, install: true });
  assert.equal(parsePeersArgs(["--help"]), "help");
  assert.deepEqual(parsePeersArgs(["--ablate", "ledger-commit"]), { rounds: 5, quick: false, json: false, install: true, ablation: "ledger-commit" });
  assert.deepEqual(parsePeersArgs(["--ablate", "ledger"]), { error: "--ablate must be one of ledger-commit, not 'ledger'" });
  for (const bad of [["--rounds", "0"], ["--rounds", "2.5"], ["--rounds", "x"], ["--fast"], ["extra"], ["--ablate"]]) {
    assert.ok(typeof parsePeersArgs(bad) === "object" && "error" in (parsePeersArgs(bad) as object), bad.join(" "));
  }
});

function figures(overrides: Partial<PeerFigures>): PeerFigures {
  return {
    stdioCpuUs: 100,
    stdioP50Ms: 0.3,
    stdioCallsPerSecond: 5000,
    httpCpuUs: 300,
    coldStartMs: 50,
    peakRssMiB: 100,
    listBytesPerTool: 900,
    ...overrides,
  };
}

const toolbox = figures({});
const rounds: RoundFigures[] = [
  // Ratios of stdio CPU per call (node): 0.7, 0.9, 0.75 -> median 0.75 (met); shebang 1.0 in each.
  { round: 1, rawPg: { p50Ms: 0.1, callsPerSecond: 10000 }, peers: { node: figures({ stdioCpuUs: 70, listBytesPerTool: 1200 }), shebang: figures({ stdioCpuUs: 100, listBytesPerTool: 1200 }), toolbox } },
  { round: 2, rawPg: { p50Ms: 0.3, callsPerSecond: 12000 }, peers: { node: figures({ stdioCpuUs: 90, stdioCallsPerSecond: 7000, listBytesPerTool: 1200 }), shebang: figures({ listBytesPerTool: 1200 }), toolbox } },
  { round: 3, rawPg: { p50Ms: 0.2, callsPerSecond: 11000 }, peers: { node: figures({ stdioCpuUs: 75, stdioCallsPerSecond: 6500, listBytesPerTool: 1200 }), shebang: figures({ listBytesPerTool: 1200 }), toolbox } },
];

test("each ratio is the median of the rounds' synapsor / Toolbox ratios, judged against its target", () => {
  assert.equal(medianRatio(rounds, "node", "stdioCpuUs"), 0.75);
  const rows = ratioRows(rounds);
  const row = (figure: string) => rows.find((r) => r.figure === figure)!;
  assert.deepEqual(row("stdioCpuUs").met, { node: true, shebang: false });
  assert.equal(row("stdioCpuUs").values.node, 75);
  // calls/s is "higher is better": node 1.3 (median of 1.0, 1.4, 1.3) meets >= 1.2, shebang 1.0 does not.
  assert.equal(row("stdioCallsPerSecond").compared.node, 1.3);
  assert.deepEqual(row("stdioCallsPerSecond").met, { node: true, shebang: false });
  // Equal figures: a ratio of 1 fails every "<=" target below 1 and meets the RSS bound of 1.3.
  assert.deepEqual(row("coldStartMs").met, { node: false, shebang: false });
  assert.deepEqual(row("peakRssMiB").met, { node: true, shebang: true });
  // Bytes per tool is an absolute bound on our own figure.
  assert.equal(row("listBytesPerTool").compared.node, 1200);
  assert.deepEqual(row("listBytesPerTool").met, { node: false, shebang: false });
  const table = formatRatioTable(rounds);
  assert.match(table, /\| stdio server CPU per call, 16 in flight \(µs\) +\| +75 \| +100 \| +100 \| +0\.75 \| +1\.00 \| +≤ 0\.8 \| +met \| +NOT MET \|/);
  assert.match(table, /raw pg prepared statement \(floor\): calls\/s, p50 ms \| 11,000 \/s, 0\.200 ms/);
});

test("without Toolbox the ratios are not judged, but our absolute bound still is", () => {
  const alone = rounds.map((r) => ({ ...r, peers: { node: r.peers.node!, shebang: r.peers.shebang! } }));
  const rows = ratioRows(alone);
  for (const row of rows.filter((r) => r.figure !== "listBytesPerTool")) {
    assert.deepEqual(row.met, { node: undefined, shebang: undefined }, row.figure);
    assert.ok(Number.isNaN(row.compared.node));
  }
  assert.deepEqual(rows.find((r) => r.figure === "listBytesPerTool")!.met, { node: false, shebang: false });
  assert.match(formatRatioTable(alone), /\| stdio sequential p50 \(ms\) +\| +0\.300 \| +0\.300 \| +- \| +- \| +- \|/);
});

test("every response must be the requested invoice of the tenant, or the run fails", async () => {
  const { synapsorPeer, toolboxPeer } = await import("../../bench/peers.ts");
  const ours = synapsorPeer("node", "/nowhere/server.mjs", "/nowhere", {});
  const row = { id: "INV-10005", tenant_id: "tenant_acme", amount_cents: 1 };
  const oursText = (data: object, ok = true) =>
    JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: JSON.stringify({ ok, data }) }], structuredContent: { ok, data } } });
  ours.check(oursText(row), "INV-10005", true);
  assert.throws(() => ours.check(oursText(row), "INV-10010", false), /not INV-10010 of tenant_acme/);
  assert.throws(() => ours.check(oursText({ ...row, tenant_id: "tenant_globex" }), "INV-10005", false), /node server\.mjs: not INV-10005/);
  assert.throws(() => ours.check(oursText(row, false), "INV-10005", false), /not INV-10005/);
  // A lookup of another tenant's invoice must not come back as a success or carry its row.
  ours.checkForeign(JSON.stringify({ result: { isError: true, structuredContent: { ok: false, error: { code: "not_found" } } } }));
  assert.throws(() => ours.checkForeign(oursText({ id: "INV-10036", tenant_id: "tenant_globex" })), /another tenant's invoice/);

  const toolbox = toolboxPeer("/nowhere/toolbox", "/nowhere/tools.yaml", "/nowhere");
  const toolboxText = (rows: object[], isError = false) =>
    JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: rows.map((r) => ({ type: "text", text: JSON.stringify(r) })), ...(isError ? { isError } : {}) } });
  toolbox.check(toolboxText([row]), "INV-10005", true);
  assert.throws(() => toolbox.check(toolboxText([{ ...row, id: "INV-100050" }]), "INV-10005", false), /Toolbox: not INV-10005/);
  assert.throws(() => toolbox.check(toolboxText([row], true), "INV-10005", false), /Toolbox: not INV-10005/);
  assert.throws(() => toolbox.check(toolboxText([row, row]), "INV-10005", true), /not exactly INV-10005/);
  toolbox.checkForeign(toolboxText([]));
  assert.throws(() => toolbox.checkForeign(toolboxText([{ id: "INV-10036", tenant_id: "tenant_globex" }])), /another tenant's invoice/);
});

test("a report of an ablated bundle says so above and below its table, and in its command", async () => {
  const { formatPeersReport } = await import("../../bench/peers.ts");
  const report = {
    command: "npm run bench -- --peers --rounds 3 --ablate ledger-commit",
    machine: { cpus: 2, model: "test", memoryGiB: 24, node: "24", postgres: "15" },
    load: { start: [0, 0, 0], end: [0, 0, 0] },
    toolbox: { version: "x", measured: true },
    ablation: "ledger-commit" as const,
    sizes: { warmup: 1, sequential: 1, loaded: 1, coldStarts: 1, rounds: 3, inFlight: 16, invoiceRows: 1 },
    rounds,
    medians: { peers: {}, rawPg: { p50Ms: 0.2, callsPerSecond: 11000 } },
    ratios: ratioRows(rounds),
  };
  const text = formatPeersReport(report);
  assert.equal(text.match(/ABLATED \(--ablate ledger-commit\).*do not count toward issue 11/g)?.length, 2);
  assert.doesNotMatch(formatPeersReport({ ...report, ablation: undefined }), /ABLATED/);
});
