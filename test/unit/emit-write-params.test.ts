// apply and doctor bind the planned write through plannedWriteFrom(plan); the generated module
// spells the same write out for review. This keeps the two from drifting: each module is
// loaded for real (its runtime import pointed at this repository's runtime), and every
// statement's text and bound values are compared with what plannedWriteFrom binds.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { emitSources } from "../../compiler/emit/emit.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { plannedWriteFrom, type PlannedWrite, type WriteValues } from "../../runtime/executors/planned-write.ts";
import type { WriteStatementName } from "../../runtime/executors/write-plan.ts";
import { INVOICES, column, planCase, table, waiver } from "../support/plan-fixtures.ts";

const RUNTIME = pathToFileURL(fileURLToPath(new URL("../../runtime/index.ts", import.meta.url))).href;
const STATEMENTS: WriteStatementName[] = ["claimReceipt", "update", "readNewVersion", "completeReceipt", "explainConflict", "readReceipt"];

const ORDERS = table("public", "orders", ["order_id"], [
  column("order_id", "bigint"),
  column("org_id", "text"),
  column("status", "text"),
  column("stage", "text"),
  column("priority", "integer"),
  column("note", "text", true),
  column("handled_by", "text", true),
  column("rev", "bigint"),
]);

/** A counter-guarded proposal: two transition guards, two fixed values and two argument-fed ones. */
function escalation(): Record<string, any> {
  return {
    name: "ops.propose_escalation",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "orders", primary_key: "order_id", tenant_key: "org_id" },
    args: {
      order_id: { type: "integer", required: true },
      priority: { type: "integer", required: true, minimum: 1, maximum: 5 },
      note: { type: "string", required: true, max_length: 200 },
    },
    lookup: { id_from_arg: "order_id" },
    visible_columns: ["order_id", "status", "stage", "priority", "note", "rev"],
    patch: {
      priority: { from_arg: "priority" },
      status: { fixed: "escalated" },
      note: { from_arg: "note" },
      stage: { fixed: "review" },
      handled_by: { fixed: null },
    },
    allowed_columns: ["priority", "status", "note", "stage", "handled_by"],
    transition_guards: { status: { from: ["open", "waiting"], to: ["escalated"] }, stage: { from: ["triage"], to: ["review"] } },
    conflict_guard: { column: "rev" },
    approval: { mode: "human" },
    executor: "writer",
  };
}

/** The same without a version guard: the conflict explanation only says whether the row exists. */
function unguarded(): Record<string, any> {
  const cap = escalation();
  cap.name = "ops.propose_note";
  cap.patch = { note: { from_arg: "note" }, priority: { from_arg: "priority" } };
  cap.allowed_columns = ["note", "priority"];
  delete cap.transition_guards;
  delete cap.conflict_guard;
  return cap;
}

/** The escalation with both argument-fed columns optional: each is set only when its argument is given. */
function optionalArgs(): Record<string, any> {
  const cap = escalation();
  cap.name = "ops.propose_optional_escalation";
  cap.args.priority.required = false;
  cap.args.note.required = false;
  return cap;
}

/** An optional argument feeding a column named `__proto__`: left out, it must bind null, not Object.prototype. */
const PROTO_ORDERS = table("public", "orders", ["order_id"], [...ORDERS.columns, column("__proto__", "text", true)]);
function protoColumn(): Record<string, any> {
  const cap = unguarded();
  cap.name = "ops.propose_proto";
  delete cap.args.priority;
  cap.args.proto = { type: "string", required: false, max_length: 20 };
  // JSON.parse, because a `__proto__` key in an object literal would set the prototype instead.
  cap.patch = JSON.parse('{"note": {"from_arg": "note"}, "__proto__": {"from_arg": "proto"}}');
  cap.allowed_columns = ["note", "__proto__"];
  return cap;
}

/** A bound input in which every value is distinct, so a swapped or missing placeholder shows. */
function sample(write: PlannedWrite, version: WriteValues["version"]): WriteValues {
  return {
    objectId: "obj-1",
    tenantId: "tenant-1",
    patch: Object.fromEntries(write.patchColumns.map((c, i) => [c, `patch-${i}-${c}`])),
    version,
    receipt: { idempotencyKey: "idem-1", proposalId: "wrp_1", previousVersion: "prev-1", newVersion: "new-1", json: '{"status":"applied"}' },
  };
}

const dir = mkdtempSync(join(tmpdir(), "synapsor-write-params-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes the generated module and its validator, importing this repository's runtime, and loads it. */
async function loadModule(plan: BuildPlan, name: string, engine: string): Promise<{ write: PlannedWrite }> {
  const files = emitSources(plan);
  const root = join(dir, `${engine}-${name}`);
  mkdirSync(join(root, "capabilities"), { recursive: true });
  mkdirSync(join(root, "validators"), { recursive: true });
  const module = files.get(`src/capabilities/${name}.ts`)!;
  assert.ok(module.includes('from "synapsor-runner/runtime"'));
  writeFileSync(join(root, "capabilities", `${name}.ts`), module.replace('from "synapsor-runner/runtime"', `from ${JSON.stringify(RUNTIME)}`));
  writeFileSync(join(root, "validators", `${name}.mjs`), files.get(`src/validators/${name}.mjs`)!);
  return (await import(pathToFileURL(join(root, "capabilities", `${name}.ts`)).href)) as { write: PlannedWrite };
}

function describeWrite(write: PlannedWrite): Record<string, unknown> {
  const { capability, engine, table, primaryKey, tenantKey, patchColumns, optionalPatchColumns, versionGuard, transitionFlags } = write;
  return { capability, engine, table, primaryKey, tenantKey, patchColumns, optionalPatchColumns, versionGuard, transitionFlags };
}

const CASES = [
  { label: "timestamp guard, one transition, a fixed value", capability: waiver(), tables: [INVOICES], name: "billing.propose_late_fee_waiver" },
  { label: "counter guard, two transitions, fixed values including null", capability: escalation(), tables: [ORDERS], name: "ops.propose_escalation" },
  { label: "no version guard, no transition", capability: unguarded(), tables: [ORDERS], name: "ops.propose_note" },
  { label: "optional arguments feeding the patch", capability: optionalArgs(), tables: [ORDERS], name: "ops.propose_optional_escalation" },
  { label: "an optional column named __proto__", capability: protoColumn(), tables: [PROTO_ORDERS], name: "ops.propose_proto" },
];

describe("the generated module's write binds what apply binds", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    for (const c of CASES) {
      test(`${engine}: ${c.label}`, async () => {
        const planned = planCase({ engine, capability: c.capability, tables: c.tables });
        assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
        const plan = planned.capability.proposal!.write!;
        const fromPlan = plannedWriteFrom(plan);
        const { write: fromModule } = await loadModule(planned.plan, c.name, engine);
        assert.deepEqual(describeWrite(fromModule), describeWrite(fromPlan));

        const version =
          plan.versionGuard?.kind === "counter"
            ? { expected: "41", lower: null, upper: null }
            : { expected: null, lower: "2026-05-16 09:30:00.123000", upper: "2026-05-16 09:30:00.124000" };
        const full = sample(fromPlan, version);
        // Also bound with every optional column left out, as a proposal without those arguments stores it.
        const optional = new Set(fromPlan.optionalPatchColumns ?? []);
        const leftOut = { ...full, patch: Object.fromEntries(Object.entries(full.patch).filter(([c]) => !optional.has(c))) };
        let compared = 0;
        for (const [key, w] of STATEMENTS.flatMap((k) => (optional.size > 0 ? [[k, full], [k, leftOut]] : [[k, full]]) as Array<[WriteStatementName, WriteValues]>)) {
          const mine = fromModule[key];
          const theirs = fromPlan[key];
          if (theirs === null) {
            assert.equal(mine, null, key);
            continue;
          }
          assert.ok(mine, key);
          assert.equal(mine.name, theirs.name, key);
          assert.equal(mine.text, theirs.text, key);
          const bound = mine.params(w);
          assert.deepEqual(bound, theirs.params(w), key);
          assert.equal(bound.length, plan.statements[key]!.params.length, key);
          compared += 1;
        }
        assert.equal(compared, (plan.statements.readNewVersion ? 6 : 5) * (optional.size > 0 ? 2 : 1));
      });
    }
  }
});
