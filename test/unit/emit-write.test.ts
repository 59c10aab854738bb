// The generated module shows the planned write on one screen: names that need quoting reach
// the code only through the encoders (and the module still type-checks), and a proposal with
// an app-owned executor says plainly that the runner writes nothing.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { emitSources } from "../../compiler/emit/emit.ts";
import { emitPlan } from "../../compiler/pipeline.ts";
import { INVOICES, column, planCase, table, waiver } from "../support/plan-fixtures.ts";

const ODD = table("public", "odd table", ["order-id"], [
  column("order-id", "text"),
  column("org_id", "text"),
  column('we"ird*/col', "integer"),
  column("state", "text"),
  column("rev", "bigint"),
]);

function oddProposal(): Record<string, any> {
  return {
    name: "ops.propose_odd_change",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "odd table", primary_key: "order-id", tenant_key: "org_id" },
    args: { order_id: { type: "string", required: true, max_length: 40 }, amount: { type: "integer", required: true, minimum: 0, maximum: 9 } },
    lookup: { id_from_arg: "order_id" },
    visible_columns: ["order-id", 'we"ird*/col', "state", "rev"],
    patch: { 'we"ird*/col': { from_arg: "amount" }, state: { fixed: "done\u2028// injected" } },
    allowed_columns: ['we"ird*/col', "state"],
    transition_guards: { state: { from: ["new"], to: ["done\u2028// injected"] } },
    conflict_guard: { column: "rev" },
    approval: { mode: "human" },
    executor: "writer",
  };
}

describe("the write section of a generated module", () => {
  test("odd identifiers and values reach the module only encoded, and it type-checks", async () => {
    for (const engine of ["postgres", "mysql"] as const) {
      const planned = planCase({ engine, capability: oddProposal(), tables: [ODD] });
      assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
      const emitted = await emitPlan(planned.plan, { bundle: false });
      assert.ok(emitted.ok, JSON.stringify(!emitted.ok && emitted.diagnostics));
      const module = emitted.files.get("src/capabilities/ops.propose_odd_change.ts")!;
      // MySQL binds the text key and tenant twice: the indexed `=`, then the exact comparison.
      const row = engine === "mysql" ? "w\\.objectId, w\\.objectId, w\\.tenantId, w\\.tenantId" : "w\\.objectId, w\\.tenantId";
      assert.match(module, new RegExp(String.raw`params: \(w\) => \[w\.patch\["we\\"ird\*\/col"\], "done\\u2028\/\/ injected", ${row}, w\.version\.expected, "new"\]`));
      // Inside comments the line separator is escaped, so nothing after it can become code.
      for (const line of module.split("\n").filter((l) => l.trimStart().startsWith("//"))) assert.ok(!line.includes("\u2028"), line);
      // Nor any string literal: the line separator is written as its escape, so a reviewer sees it.
      assert.ok(!module.includes("\u2028"));
      assert.match(module, /\/\/ .*#1 patch:"we\\"ird\*\\\/col" \(arg amount\)/);
      assert.match(module, /"we\\"ird\*\/col": number;/, "the Row interface quotes the odd column name");
      assert.match(module, /rev goes up by 1/);
    }
  });

  test("a proposal with an app executor: no WRITE_SQL, a plain note, and write.statements null in the manifest", () => {
    const planned = planCase({
      engine: "postgres",
      capability: waiver(),
      tables: [INVOICES],
      executors: { writer: { type: "command_handler", command_env: "BILLING_COMMAND" } },
    });
    assert.ok(planned.ok);
    const files = emitSources(planned.plan);
    const module = files.get("src/capabilities/billing.propose_late_fee_waiver.ts")!;
    assert.doesNotMatch(module, /WRITE_SQL|defineSqlUpdate|UPDATE "/);
    assert.match(module, /The write: none by the runner\./);
    assert.match(module, /"writer" executor\n\/\/ \(command_handler\): the app team's own code performs the write/);
    const manifest = JSON.parse(files.get("manifest.json")!);
    const write = manifest.capabilities[0].proposal.write;
    assert.equal(write.statements, null);
    assert.equal(write.executor, "command_handler");
    assert.match(write.note, /No runner-side UPDATE/);
  });
});
