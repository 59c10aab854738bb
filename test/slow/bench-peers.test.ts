// `npm run bench -- --peers --quick` end to end: the real bundle (plain node and its shebang)
// against a 100k-invoice Postgres database, every response checked by the benchmark itself.
// Toolbox joins only when it is already cached (--no-install: this test never downloads it);
// otherwise the run says it skipped Toolbox and still reports real figures for the bundle.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { PeersReport } from "../../bench/peers.ts";
import { cachedToolbox } from "../../bench/lib/toolbox.ts";
import { REPO_ROOT, runProcess } from "../support/cli.ts";

const BENCH = `${REPO_ROOT}bench/read-latency.ts`;

test("bench --peers --quick measures the bundle both ways (and Toolbox when cached)", async () => {
  const toolboxCached = cachedToolbox() !== undefined;
  const run = await runProcess(process.execPath, [BENCH, "--peers", "--quick", "--json", "--no-install"], { timeoutMs: 240_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as PeersReport;
  assert.equal(report.rounds.length, 1);
  assert.equal(report.sizes.invoiceRows, 100_000);
  const round = report.rounds[0]!;
  assert.ok(round.rawPg.callsPerSecond > 0 && round.rawPg.p50Ms > 0);
  for (const key of ["node", "shebang"] as const) {
    const f = round.peers[key];
    assert.ok(f, `${key} was measured`);
    for (const [name, value] of Object.entries(f)) assert.ok(Number.isFinite(value) && value > 0, `${key}.${name} = ${value}`);
    // The example lists three tools, each with an outputSchema: well over a hundred bytes each.
    assert.ok(f.listBytesPerTool > 300, `${key} bytes per tool ${f.listBytesPerTool}`);
    assert.ok(f.peakRssMiB > 20 && f.peakRssMiB < 2048, `${key} peak RSS ${f.peakRssMiB}`);
  }
  const bytes = report.ratios.find((r) => r.figure === "listBytesPerTool")!;
  assert.equal(typeof bytes.met.node, "boolean");
  if (toolboxCached) {
    assert.equal(report.toolbox.measured, true);
    const f = round.peers.toolbox!;
    for (const [name, value] of Object.entries(f)) assert.ok(Number.isFinite(value) && value > 0, `toolbox.${name} = ${value}`);
    assert.ok(report.ratios.every((r) => typeof r.met.node === "boolean" && typeof r.met.shebang === "boolean"));
  } else {
    assert.equal(report.toolbox.measured, false);
    assert.equal(round.peers.toolbox, undefined);
    assert.match(run.stderr, /Toolbox skipped: not cached in .* only the bundle was measured/);
    assert.equal(report.ratios.find((r) => r.figure === "stdioCpuUs")!.met.node, undefined);
  }
});

test("bench --peers refuses bad arguments with its usage, and --help prints it", async () => {
  const bad = await runProcess(process.execPath, [BENCH, "--peers", "--rounds", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rounds must be a whole number from 1 to 100, not '0'/);
  assert.match(bad.stderr, /Usage: npm run bench -- --peers/);
  const help = await runProcess(process.execPath, [BENCH, "--peers", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--no-install/);
  const unknown = await runProcess(process.execPath, [BENCH, "--peer"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--peer'/);
});
