// The parts of `benchmark mcp-efficiency` that decide its figures: the pinned tokenizer (stable,
// offline), the safety flags derived from any tool list, and the refusal of a transcript that
// does not fit its tool list. test/golden/mcp-efficiency.test.ts checks the command's output.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readRawSqlTools, readTranscript, type ListedTool } from "../../operator/benchmark/fixtures.ts";
import { measurePath } from "../../operator/benchmark/measure.ts";
import { safetyColumns } from "../../operator/benchmark/safety.ts";
import { servedToolsList } from "../../operator/benchmark/served-tools.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_SNAPSHOT_PATH } from "../../operator/demo/example-files.ts";
import { tokenCount, TOKENIZER } from "../../operator/benchmark/tokens.ts";
import { REPO_ROOT, runProcess } from "../support/cli.ts";
import { NO_NETWORK_USED } from "../support/no-network.ts";

const SAMPLE = 'SELECT * FROM public.invoices WHERE id = \'INV-3001\' AND tenant_id = \'tenant_acme\' -- "Überfällig" <|endoftext|>';
const NO_NETWORK = fileURLToPath(new URL("../support/no-network.ts", import.meta.url));

test("the tokenizer is the pinned package, counts the same every time and in a process without network", async () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  assert.equal(manifest.dependencies[TOKENIZER.package], TOKENIZER.version, "pinned exactly (npm install --save-exact)");
  const entry = fileURLToPath(import.meta.resolve(`${TOKENIZER.package}/encoding/${TOKENIZER.encoding}`));
  const installed = JSON.parse(readFileSync(join(dirname(entry), "..", "..", "package.json"), "utf8"));
  assert.equal(installed.version, TOKENIZER.version, "the installed tokenizer is the one the output names");

  const counts = [tokenCount(SAMPLE), tokenCount(SAMPLE), tokenCount(SAMPLE)];
  assert.deepEqual(counts, [37, 37, 37], "special-token text is counted as text, the same each time");
  const child = await runProcess(process.execPath, [
    "--import",
    NO_NETWORK,
    "--input-type=module",
    "--eval",
    `const { tokenCount } = await import(${JSON.stringify(join(REPO_ROOT, "operator/benchmark/tokens.ts"))}); process.stdout.write(String(tokenCount(${JSON.stringify(SAMPLE)})));`,
  ]);
  assert.equal(child.code, 0, child.stderr);
  assert.equal(child.stderr.includes(NO_NETWORK_USED), false, child.stderr);
  assert.equal(child.stdout, "37");
});

test("the tokenizer's module graph imports only its own files, no network module, and calls no fetch", () => {
  const entry = fileURLToPath(import.meta.resolve(`${TOKENIZER.package}/encoding/${TOKENIZER.encoding}`));
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    assert.doesNotMatch(source, /\bfetch\s*\(|\brequire\s*\(|\bimport\s*\(/, `${file} loads or fetches something at run time`);
    for (const [, spec] of source.matchAll(/^(?:import|export)\b[^'"\n]*?['"]([^'"]+)['"]/gm)) {
      assert.match(spec!, /^\.\.?\//, `${file} imports ${spec}, outside the package`);
      visit(join(dirname(file), spec!));
    }
  };
  visit(entry);
  assert.ok(seen.size > 5, `followed ${seen.size} modules; the walk is looking in the wrong place`);
});

const tool = (name: string, properties: Record<string, object>, annotations?: Record<string, unknown>): ListedTool => ({
  name,
  inputSchema: { type: "object", properties },
  ...(annotations ? { annotations } : {}),
});

test("the safety flags come from the tool list: free SQL, tenant-like inputs, tools that change data by themselves", () => {
  const read = { readOnlyHint: true };
  const proposal = { destructiveHint: false };
  assert.deepEqual(
    safetyColumns([tool("orders.inspect", { order_id: { type: "string" } }, read), tool("orders.propose_refund", { order_id: { type: "string" } }, proposal)]),
    { raw_sql_exposed: false, tenant_controlled_by_model: false, approval_separated: true, why: { raw_sql_inputs: [], tenant_inputs: [], may_write_without_approval: [] } },
  );
  const tenantArg = safetyColumns([tool("orders.inspect", { tenant_id: { type: "string" }, order_id: { type: "string" } }, read)]);
  assert.deepEqual([tenantArg.raw_sql_exposed, tenantArg.tenant_controlled_by_model, tenantArg.why.tenant_inputs], [false, true, ["orders.inspect.tenant_id"]]);
  // Free SQL decides the tenant too (the WHERE clause is the model's) and writes without a person.
  const sql = safetyColumns([tool("run_query", { query: { type: "string" } }, read)]);
  assert.deepEqual([sql.raw_sql_exposed, sql.tenant_controlled_by_model, sql.approval_separated], [true, true, false]);
  // A query name limited to an enum is a choice, not SQL.
  assert.equal(safetyColumns([tool("saved_report", { query: { type: "string", enum: ["overdue"] } }, read)]).raw_sql_exposed, false);
  // No annotations: MCP's defaults say the tool may change data in place.
  assert.deepEqual(safetyColumns([tool("set_status", { id: { type: "string" } })]).why.may_write_without_approval, ["set_status"]);
  // An approval tool the model can call is not a separated approval, whatever its hints say.
  assert.equal(safetyColumns([tool("approve_proposal", { id: { type: "string" } }, proposal)]).approval_separated, false);
});

test("the shipped raw-SQL list is a generic one: free SQL, no annotations", () => {
  const raw = readRawSqlTools();
  assert.equal(raw.ok, true);
  if (!raw.ok) return;
  const flags = safetyColumns(raw.value.tools);
  assert.deepEqual(flags.why.raw_sql_inputs, ["execute_sql.sql", "explain_query.sql"]);
  assert.equal(flags.approval_separated, false);
});

test("a transcript that calls an unlisted tool or passes arguments the schema refuses is refused with a code", () => {
  const transcript = readTranscript();
  assert.equal(transcript.ok, true);
  if (!transcript.ok) return;
  const list = { tools: [tool("billing.inspect_invoice", { invoice_id: { type: "string" } }, { readOnlyHint: true })] };
  const unlisted = measurePath("semantic", list, transcript.value.semantic);
  assert.equal(unlisted.ok, false);
  if (!unlisted.ok) {
    assert.equal(unlisted.code, "BENCHMARK_TRANSCRIPT_MISMATCH");
    assert.match(unlisted.message, /call 2 names "billing\.propose_late_fee_waiver", which is not in its tools\/list \(billing\.inspect_invoice\)/);
  }
  const strict = { tools: [{ ...list.tools[0]!, inputSchema: { type: "object", properties: { invoice_id: { type: "integer" } } } }] };
  const refused = measurePath("semantic", strict, { calls: transcript.value.semantic.calls.slice(0, 1), outside_mcp: [] });
  assert.equal(refused.ok, false);
  if (!refused.ok) assert.match(refused.message, /call 1 \(billing\.inspect_invoice\) has arguments its inputSchema refuses: data\/invoice_id must be integer/);
});

test("a malformed benchmark input is a value with a code and a fix, not a crash", () => {
  const dir = mkdtempSync(join(tmpdir(), "sr-effbench-"));
  try {
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    const parsed = readTranscript(broken);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.equal(parsed.code, "BENCHMARK_FIXTURE_INVALID");
    writeFileSync(broken, JSON.stringify({ tools: [{ description: "no name" }] }));
    const unnamed = readRawSqlTools(broken);
    assert.equal(unnamed.ok, false);
    if (!unnamed.ok) assert.match(unnamed.message, /tools\[0\] has no string `name`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a config that does not compile is BENCHMARK_BUILD_FAILED with the build's own diagnostics", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sr-effbench-"));
  try {
    const config = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
    config.capabilities[0].target.table = "invoicez";
    const configPath = join(dir, "synapsor.runner.json");
    writeFileSync(configPath, JSON.stringify(config));
    const served = await servedToolsList({ configPath, snapshotPath: EXAMPLE_SNAPSHOT_PATH });
    assert.equal(served.ok, false);
    if (!served.ok) {
      assert.equal(served.code, "BENCHMARK_BUILD_FAILED");
      assert.match(served.message, /did not compile \(stage resolve\)[\s\S]*invoicez/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
