// `recipes list` and `recipes show` through the real CLI: the JSON shapes scripts rely on and the
// text a person reads.

import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../support/cli.ts";

const NAMES = ["billing.late_fee_waiver", "credits.account_credit", "orders.refund_review", "support.ticket_resolution", "accounts.trial_extension"];

test("recipes list --json lists every recipe with its tools, default table and approval role", async () => {
  const r = await runCli(["recipes", "list", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { recipes: Array<Record<string, unknown>> };
  assert.deepEqual(
    parsed.recipes.map((e) => e.name),
    NAMES,
  );
  for (const entry of parsed.recipes) {
    assert.deepEqual(Object.keys(entry).sort(), ["approval_role", "name", "summary", "table", "tools"]);
    assert.equal((entry.tools as string[]).length, 2);
  }
  assert.deepEqual(parsed.recipes[0], {
    name: "billing.late_fee_waiver",
    summary: "Lower or waive the late fee on an overdue invoice and reopen it; a billing lead approves.",
    table: "invoices",
    tools: ["billing.inspect_invoice", "billing.propose_late_fee_waiver"],
    approval_role: "billing_lead",
  });
});

test("recipes list prints a table with a header and one row per recipe", async () => {
  const r = await runCli(["recipes", "list"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^NAME\s+SUMMARY$/);
  for (const name of NAMES) assert.ok(lines.some((l) => l.startsWith(`${name} `)), name);
  assert.match(r.stdout, /recipes show NAME/);
});

test("recipes show --json describes tools, arguments, needed columns with types and states, and guards", async () => {
  const r = await runCli(["recipes", "show", "billing.late_fee_waiver", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(d), ["name", "summary", "table", "tools", "columns", "guards", "example"]);
  assert.deepEqual(d.table, { role: "invoice", placeholder: "{invoice_table}", meaning: "one row per invoice", defaults: ["invoices", "invoice"] });
  assert.deepEqual(
    d.tools.map((t: { name: string; kind: string; arguments: Array<{ name: string; feeds: string }> }) => [t.name, t.kind, t.arguments.map((a) => `${a.name}->${a.feeds}`)]),
    [
      ["billing.inspect_invoice", "read", ["invoice_id->primary key"]],
      ["billing.propose_late_fee_waiver", "proposal", ["invoice_id->primary key", "new_late_fee->late_fee", "reason->waiver_reason"]],
    ],
  );
  const status = d.columns.find((c: { role: string }) => c.role === "status");
  assert.deepEqual(status, {
    role: "status",
    placeholder: "{status_column}",
    meaning: "the invoice's state; the waiver moves it from overdue to open",
    required: true,
    type: "a text or enum status column",
    type_classes: ["string"],
    values: ["overdue", "open"],
    defaults: ["status", "state"],
    use: "must be 'overdue'; set to 'open'",
  });
  const lateFee = d.columns.find((c: { role: string }) => c.role === "late_fee");
  assert.deepEqual(lateFee.type_classes, ["integer", "bigint", "decimal"]);
  assert.deepEqual(d.guards, {
    bounds: [{ role: "late_fee", minimum: 0, maximum: 10000 }],
    transition: { role: "status", from: ["overdue"], to: "open" },
    preconditions: [],
    approval_role: "billing_lead",
  });
  assert.match(d.example, /^synapsor-runner recipes init billing\.late_fee_waiver /);
});

test("recipes show names a read-only precondition as checked, never written", async () => {
  const r = await runCli(["recipes", "show", "accounts.trial_extension"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Tools it creates:\n {2}accounts\.inspect_account \(read\)/);
  assert.match(r.stdout, /plan: only while 'trial' \(read, never written\)/);
  assert.match(r.stdout, /trial_ends \{trial_ends_column\}: when the trial ends\n {4}a timestamp or date column; set from argument new_trial_end/);
});

test("recipes show with an unknown name fails with the closest recipe", async () => {
  const r = await runCli(["recipes", "show", "orders.refund_reviw"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /RECIPE_UNKNOWN: There is no recipe 'orders\.refund_reviw'\. Did you mean 'orders\.refund_review'\?/);
  assert.equal(r.stdout, "");
});
