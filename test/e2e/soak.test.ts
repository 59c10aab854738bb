// The short run of the load and fault suite (`npm run soak` is the long one; docs/reliability.md):
// three replicas of the compiled example behind a balancer on one Postgres ledger, 16 clients
// checked answer by answer, and every fault once: the source restarted under load and in the idle
// window, a stalling and a resetting proxy, racing approvals and applies from several CLI
// processes, a replica SIGKILLed. (The ledger restart runs in `npm run soak` and, focused, in
// test/slow/ledger-restart.test.ts: here it would add ~18 s.)
// Each of the harness's checks is one assertion here.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateClustersUnavailable } from "../support/soak/cluster.ts";
import { SHORT, runSoak, type SoakReport } from "../support/soak/harness.ts";

const skip = privateClustersUnavailable();

describe("soak (short): replicas under load and faults", { skip }, () => {
  let report: SoakReport;
  before(async () => {
    report = await runSoak({ ...SHORT });
  });

  const phaseNames = [
    "steady load",
    "source restart under load",
    "idle-window restart and reset",
    "stalling proxy (replica 0 to source)",
    "resetting proxy (replica 0 to source)",
    "racing approvals and applies",
    "replica SIGKILL under load",
  ];
  for (const name of phaseNames) {
    test(name, () => {
      const phase = report.phases.find((p) => p.name === name);
      assert.ok(phase, `phase ${name} did not run`);
      assert.ok(phase.checks.length > 0);
      for (const c of phase.checks) assert.ok(c.ok, `${c.name}: ${c.detail ?? ""}`);
      if (phase.summary) assert.ok(phase.summary.ok > 0, "calls succeeded");
    });
  }

  test("it ran on the Postgres ledger, with the heartbeat rows checked", () => {
    assert.match(report.options.ledger, /^postgres/);
    const kill = report.phases.find((p) => p.name === "replica SIGKILL under load");
    assert.ok(kill?.checks.some((c) => c.name.includes("heartbeat row is left behind")), "no heartbeat check ran");
  });

  test("the ledger verifies at the end", () => {
    for (const c of report.final) assert.ok(c.ok, `${c.name}: ${c.detail ?? ""}`);
    assert.equal(report.ok, true);
  });
});
