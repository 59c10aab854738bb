// The ledger's database server restarted under load, focused: one replica of the compiled example
// on a Postgres ledger in a private cluster of its own, four clients calling it (reads and
// proposals), and that cluster stopped and started again mid-load. The full soak (`npm run
// soak`) runs the same phase with three replicas and 32 clients; the short run in npm test leaves
// it out (a second cluster and one more phase would add ~18 s there).
// Checked: failures only TEMPORARILY_UNAVAILABLE and only around the outage, never a wrong answer
// or a success without its evidence row, evidence rows = successes (+ the lookups of proposal
// calls cut off before their proposal), no half-written proposal, the replica recovers without a
// restart, and `store verify` passes afterwards.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { privateClustersUnavailable } from "../support/soak/cluster.ts";
import { startEnvironment, type SoakEnvironment } from "../support/soak/environment.ts";
import { ownClusterFactory } from "../support/soak/ledger-backend.ts";
import { ledgerRestart, ledgerVerifies, type PhaseReport } from "../support/soak/phases.ts";

describe("ledger restart under a few concurrent calls against one replica", { skip: privateClustersUnavailable() }, () => {
  let env: SoakEnvironment;
  let phase: PhaseReport;

  before(async () => {
    env = await startEnvironment({ replicas: 1, invoices: 1000, statementTimeoutMs: 500, poolSize: 4, ledger: ownClusterFactory });
    phase = await ledgerRestart(env, { clients: 4, faultLoadMs: 2500, recoveryMs: 1000, statementTimeoutMs: 500 }, 1000);
  });

  after(async () => {
    await env?.close();
  });

  test("every check of the phase passes", () => {
    assert.ok(phase.checks.length >= 9, JSON.stringify(phase.checks.map((c) => c.name)));
    for (const c of phase.checks) assert.ok(c.ok, `${c.name}: ${c.detail ?? ""}`);
  });

  test("calls succeeded before and after the outage and failed only with TEMPORARILY_UNAVAILABLE during it", () => {
    const summary = phase.summary!;
    assert.ok(summary.ok > 0);
    assert.deepEqual(Object.keys(summary.errorsByCode), ["TEMPORARILY_UNAVAILABLE"]);
    assert.ok(phase.evidence!.missing === 0);
  });

  test("the ledger verifies afterwards", async () => {
    const verified = await ledgerVerifies(env);
    assert.ok(verified.ok, verified.detail);
  });
});
