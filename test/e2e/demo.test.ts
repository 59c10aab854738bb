import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";

test("the demo runs the read → propose loop on an embedded Postgres with no database server", async () => {
  const dir = join(tempDir("synapsor-demo-test-"), "demo");
  const r = await runCli(["demo", "--json", "--dir", dir], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { steps: Array<{ step: string; envelope?: any }>; proposalId: string };
  const step = (name: string) => result.steps.find((s) => s.step === name)!.envelope;
  assert.equal(step("list_tickets").data.rows.length, 2);
  assert.equal(step("inspect_invoice").data.late_fee_cents, 2500);
  assert.equal(step("inspect_other_tenant").error.code, "NOT_FOUND_IN_TENANT");
  assert.equal(step("propose_waiver").proposal.state, "review_required");
  assert.match(result.proposalId, /^wrp_/);
  assert.equal(step("inspect_after_proposal").data.late_fee_cents, 2500, "the source row is unchanged");
  assert.equal(step("propose_on_paid_invoice").error.code, "POLICY_VIOLATION");
  assert.ok(existsSync(join(dir, "out", "server.mjs")));
  assert.ok(existsSync(join(dir, "ledger.db")), "the ledger is kept for review");
});
