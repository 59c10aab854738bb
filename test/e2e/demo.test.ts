import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { cookieFrom, rawRequest, startConsoleProcess } from "../support/console.ts";

// Two whole demos in this file (each starts a Postgres and builds): one as JSON with the user's own
// ledger key, one as a newcomer sees it in a log, with the default key file.
test("the demo runs read → propose → approve → apply → conflict → replay on an embedded Postgres; with SYNAPSOR_LEDGER_KEY set in the user's shell, its server and review steps seal and verify with that one key", async () => {
  const dir = join(tempDir("synapsor-demo-test-"), "demo");
  const env = { ...process.env, SYNAPSOR_LEDGER_KEY: "a-users-own-ledger-key-0123456789abcdefghijklmnop" };
  const r = await runCli(["demo", "--json", "--dir", dir], { env, timeoutMs: 300_000 });
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
  assert.equal(step("apply_first").receipt.status, "applied");
  assert.equal(step("inspect_INV-3001_after_apply").data.late_fee_cents, 0, "the approved change was written");
  assert.equal(step("apply_again").receipt.status, "already_applied");
  assert.equal(step("apply_conflict").receipt.status, "conflict");
  assert.equal(step("apply_conflict").receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
  assert.equal(step("inspect_INV-3003_after_apply").data.late_fee_cents, 3000, "the person's edit survives");
  assert.ok(existsSync(join(dir, `replay-${result.proposalId}.md`)), "the replay is written");
  assert.ok(existsSync(join(dir, "out", "server.mjs")));
  const ledger = join(dir, "ledger.db");
  assert.ok(existsSync(ledger), "the ledger is kept for review");
  assert.equal(existsSync(`${ledger}.key`), false, "the variable was used on both sides, so no key file was made");
  // A review command run afterwards in the same shell verifies what the demo sealed.
  const shown = await runCli(["proposals", "show", result.proposalId, "--store", ledger, "--json"], { env });
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(JSON.parse(shown.stdout).verified, true);
});

test("piped (not a terminal), the slow steps print plain start and end lines with cumulative times; without a key variable the loop runs on the key file", async () => {
  const dir = join(tempDir("synapsor-demo-plain-test-"), "demo");
  const env = { ...process.env };
  delete env.SYNAPSOR_LEDGER_KEY;
  const r = await runCli(["demo", "--dir", dir], { env, timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^12\. Applying it, .* → applied:/m);
  assert.match(r.stdout, /apply → conflict \(ROW_CHANGED_AFTER_PROPOSAL\)/);
  assert.ok(existsSync(join(dir, "ledger.db.key")), "the ledger keys came from the key file next to the ledger");
  assert.match(r.stdout, /^Times in brackets are cumulative/m, "the output says the times add up from the start");
  const lines = r.stdout.split("\n");
  const stamped = (text: string) => lines.findIndex((l) => new RegExp(String.raw`^\[\d+\.\d s\] ${text}$`).test(l));
  const order = [
    stamped(String.raw`starting the embedded Postgres \.\.\.`),
    stamped("embedded Postgres started"),
    stamped(String.raw`checking, type-checking and bundling the server \.\.\.`),
    stamped("built server.mjs"),
  ];
  assert.ok(order.every((i) => i >= 0), `every step line is there:\n${r.stdout}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, "in the order the steps run");
  const seconds = order.map((i) => Number(/^\[(\d+\.\d) s\]/.exec(lines[i]!)![1]));
  assert.deepEqual([...seconds].sort((a, b) => a - b), seconds, "cumulative: never going back");
  assert.doesNotMatch(r.stdout, /\r|\u001b/, "no carriage returns or escape sequences in a log");

  // The demo leaves one proposal waiting and prints the console command that shows it.
  const waiting = /^15\. .* → (wrp_[a-z0-9]+), review_required: it waits for you\.$/m.exec(r.stdout)?.[1];
  assert.ok(waiting, r.stdout);
  const command = /^  synapsor-runner ui (--config \S+ --schema \S+ --store \S+)$/m.exec(r.stdout)?.[1];
  assert.ok(command, `the ui command is printed:\n${r.stdout}`);
  const ui = await startConsoleProcess([...command.split(" "), "--port", "0"], env);
  try {
    const signIn = await rawRequest(ui.port, "GET", `/?token=${ui.token}`, { Host: `127.0.0.1:${ui.port}` });
    const cookie = cookieFrom(signIn);
    const page = await rawRequest(ui.port, "GET", `/proposals/${waiting}`, { Host: `127.0.0.1:${ui.port}`, Cookie: cookie });
    assert.equal(page.status, 200);
    for (const piece of ["billing.propose_late_fee_waiver", "INV-3005", "Approve", "UPDATE"]) assert.ok(page.body.includes(piece), `the review page shows ${piece}`);
    assert.equal(ui.stderr().includes("did not compile"), false, ui.stderr());
  } finally {
    await ui.stop();
  }
});
