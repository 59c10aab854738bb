// `synapsor-runner benchmark mcp-efficiency`, both forms, against the committed snapshots byte for
// byte (record them with `npm run golden:update -- mcp-efficiency`), run as a user runs it with
// every network call of the CLI's process refused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EXAMPLE_CONFIG_PATH } from "../../operator/demo/example-files.ts";
import { runCli } from "../support/cli.ts";
import { NO_NETWORK_USED } from "../support/no-network.ts";
import { committedEfficiencyOutputs, runBenchmark } from "./mcp-efficiency.ts";

const UPDATE = "If the change is intended, run `npm run golden:update -- mcp-efficiency` and review the diff.";

test("benchmark mcp-efficiency prints the committed JSON and table, offline, in one run each", async () => {
  const [json, text] = await Promise.all([runBenchmark(true), runBenchmark(false)]);
  for (const run of [json, text]) {
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.includes(NO_NETWORK_USED), false, `the benchmark tried the network:\n${run.stderr}`);
  }
  const committed = committedEfficiencyOutputs();
  assert.equal(json.stdout, committed.json, `the --json output drifted from test/golden/mcp-efficiency.json. ${UPDATE}`);
  assert.equal(text.stdout, committed.text, `the table drifted from test/golden/mcp-efficiency.txt. ${UPDATE}`);

  // The interface the acceptance checks read: one object, a semantic and a raw_sql part.
  const report = JSON.parse(json.stdout);
  for (const side of ["semantic", "raw_sql"]) {
    for (const key of ["tool_count", "tools_list_bytes", "tokens", "calls"]) {
      assert.equal(Number.isInteger(report[side][key]) && report[side][key] > 0, true, `${side}.${key} = ${report[side][key]}`);
    }
  }
  // Our side is the compiled example's own list: one tool per capability of the shipped config.
  const capabilities = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8")).capabilities as unknown[];
  assert.equal(report.semantic.tool_count, capabilities.length);
  assert.deepEqual(
    [report.semantic.raw_sql_exposed, report.semantic.tenant_controlled_by_model, report.semantic.approval_separated],
    [false, false, true],
  );
  assert.deepEqual(
    [report.raw_sql.raw_sql_exposed, report.raw_sql.tenant_controlled_by_model, report.raw_sql.approval_separated],
    [true, true, false],
  );
  assert.deepEqual(report.tokenizer, { package: "gpt-tokenizer", version: "4.0.0", encoding: "o200k_base" });
  assert.match(text.stdout, /gpt-tokenizer 4\.0\.0, encoding o200k_base/);
});

test("benchmark mcp-efficiency --help names the JSON form and the benchmark group lists it", async () => {
  const help = await runCli(["benchmark", "mcp-efficiency", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--json\s+print one JSON object with a `semantic` and a `raw_sql` part/);
  const group = await runCli(["benchmark", "--help"]);
  assert.match(group.stdout, /mcp-efficiency/);
});

test("the README's table is the committed one", () => {
  const table = committedEfficiencyOutputs().text.split("\n\n")[1]!;
  assert.ok(table.startsWith(" ") && table.includes("approval separated"), "the snapshot's second paragraph is its table");
  assert.ok(readFileSync(new URL("../../README.md", import.meta.url), "utf8").includes("```text\n" + table + "\n```"), "paste test/golden/mcp-efficiency.txt's table into the README's section");
});
