// The expected-failures baselines of the MCP conformance run (the run itself is
// test/slow/mcp-conformance.test.ts): how a run is judged against them, how a run rewrites them,
// and that the committed ones are complete and name scenarios the pinned suites have.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { baselineFrom, compareWithBaseline, TODO_WHY, type Baseline } from "../support/conformance-baseline.ts";
import { ERAS, listScenarios, readBaseline } from "../support/conformance.ts";

const era = { id: "2025", suite: "@modelcontextprotocol/conformance@0.1.16" } as const;
const baseline: Baseline = {
  suite: era.suite,
  expectedFailures: [
    { scenario: "prompts-list", why: "prompts: not offered" },
    { scenario: "logging-set-level", why: "logging: not offered" },
  ],
};
const run = (failed: string[], passed: string[]) => [
  ...failed.map((scenario) => ({ scenario, passed: false })),
  ...passed.map((scenario) => ({ scenario, passed: true })),
];

describe("a conformance run against its baseline", () => {
  test("matches when exactly the baseline's scenarios fail", () => {
    assert.deepEqual(compareWithBaseline(era, run(["prompts-list", "logging-set-level"], ["ping"]), baseline), {
      newFailures: [],
      stale: [],
      unexplained: [],
    });
  });

  test("a failure outside the baseline is new; an entry that passes, or is gone from the suite, is stale", () => {
    const comparison = compareWithBaseline(era, run(["prompts-list", "ping"], ["tools-list"]), baseline);
    assert.deepEqual(comparison.newFailures, ["ping"]);
    assert.deepEqual(comparison.stale, ["logging-set-level"]);
  });

  test("an entry without a why, or still TODO, is refused; so is a baseline of another suite version", () => {
    const unexplained: Baseline = {
      suite: "@modelcontextprotocol/conformance@0.1.15",
      expectedFailures: [
        { scenario: "prompts-list", why: " " },
        { scenario: "logging-set-level", why: TODO_WHY },
      ],
    };
    const comparison = compareWithBaseline(era, run(["prompts-list", "logging-set-level"], []), unexplained);
    assert.deepEqual(comparison.unexplained, ["prompts-list", "logging-set-level"]);
    assert.match(comparison.suiteMismatch ?? "", /0\.1\.15.*0\.1\.16/);
  });

  test("rewriting keeps written whys, drops what passes, marks new entries TODO (offering the other era's why)", () => {
    const other: Baseline = { suite: "x", expectedFailures: [{ scenario: "tools-call-image", why: "image content: not offered" }] };
    const rewritten = baselineFrom(era, run(["prompts-list", "tools-call-image", "completion-complete"], ["logging-set-level"]), baseline, [other]);
    assert.deepEqual(rewritten, {
      suite: era.suite,
      expectedFailures: [
        { scenario: "prompts-list", why: "prompts: not offered" },
        { scenario: "tools-call-image", why: `${TODO_WHY} (the other era's baseline says: image content: not offered)` },
        { scenario: "completion-complete", why: TODO_WHY },
      ],
    });
    const again = compareWithBaseline(era, run(["prompts-list", "tools-call-image", "completion-complete"], []), rewritten);
    assert.deepEqual(again.unexplained, ["tools-call-image", "completion-complete"]);
  });
});

describe("the committed baselines", () => {
  for (const pinned of ERAS) {
    test(`era ${pinned.id}: for ${pinned.suite}, every entry explained, once, and a scenario the suite lists`, async () => {
      const committed = await readBaseline(pinned);
      assert.equal(committed.suite, pinned.suite);
      const scenarios = new Set(await listScenarios(pinned));
      const names = committed.expectedFailures.map((e) => e.scenario);
      assert.equal(new Set(names).size, names.length, "a scenario listed twice");
      assert.deepEqual(names.filter((s) => !scenarios.has(s)), [], "entries the pinned suite does not list for this era");
      assert.deepEqual(compareWithBaseline(pinned, [], committed).unexplained, []);
      assert.ok(names.length < scenarios.size, "a baseline of every scenario would hide a broken server");
    });
  }
});
