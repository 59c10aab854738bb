// The official MCP conformance suite against the compiled example server (examples/support-billing,
// built by the real CLI, served over Streamable HTTP on a seeded Postgres database), for both spec
// eras: @modelcontextprotocol/conformance 0.1.16 (every server scenario, 2025 era) and
// 0.2.0-alpha.12 (the 2026-07-28 scenarios). Each era has a committed expected-failures baseline
// (test/conformance/baseline-<era>.json) naming, per scenario, the feature the server does not
// offer. A scenario that fails outside the baseline, a baseline entry that now passes, and an
// entry without a reason all fail the test. Rewrite the baselines with `npm run conformance:baseline`.
// About two minutes on two busy cores (a process per scenario), hence the slow tier.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  compareWithBaseline,
  ERAS,
  failureSummary,
  limiter,
  readBaseline,
  runEra,
  startConformanceServer,
  type ConformanceServer,
} from "../support/conformance.ts";

describe("official MCP conformance suite against the compiled server (Streamable HTTP)", { concurrency: true }, () => {
  let server: ConformanceServer;
  // Shared by both eras: at most three suite processes at once.
  const limit = limiter(3);
  before(async () => {
    server = await startConformanceServer();
  });
  after(() => server?.stop());

  for (const era of ERAS) {
    test(`era ${era.id} (${era.suite}) fails only its baseline's scenarios`, async (t) => {
      const baseline = await readBaseline(era);
      const results = await runEra(era, server.url, limit);
      // A scenario that recorded no check at all means the harness, not the server, broke.
      const silent = results.filter((r) => r.checks.length === 0).map((r) => `${r.scenario}: ${r.output}`);
      assert.deepEqual(silent, [], "scenarios that recorded no checks");

      const passed = results.filter((r) => r.passed).map((r) => r.scenario);
      t.diagnostic(`${results.length} scenarios, ${passed.length} passed: ${passed.join(", ")}`);
      const { newFailures, stale, unexplained, suiteMismatch } = compareWithBaseline(era, results, baseline);
      const problems = [
        ...(suiteMismatch ? [`${suiteMismatch}: run npm run conformance:baseline`] : []),
        ...newFailures.map((s) => `new failure ${s} (not in ${era.id} baseline): ${failureSummary(results.find((r) => r.scenario === s)!)}`),
        ...stale.map((s) => `stale baseline entry ${s}: it ${results.some((r) => r.scenario === s) ? "now passes" : "is no longer a scenario of the suite"}; remove it (npm run conformance:baseline)`),
        ...unexplained.map((s) => `baseline entry ${s} says no why: name the feature the server does not offer`),
      ];
      assert.deepEqual(problems, [], problems.join("\n"));
      // Something must pass, or a broken server would hide behind a baseline of everything.
      assert.ok(passed.length > 0, "no scenario passed");
    });
  }
});
