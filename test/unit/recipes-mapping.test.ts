// Mapping a recipe's roles onto a table of an inspected schema, without a database: the snapshot
// is written here the way inspect would produce it.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { typeClassOf } from "../../compiler/inspect/type-class.ts";
import { suggestHints } from "../../compiler/inspect/suggestions.ts";
import { RECIPES, findRecipe } from "../../operator/recipes/catalogue/index.ts";
import { mapRecipe, parseRoleMap } from "../../operator/recipes/mapping.ts";
import { recipeSelection } from "../../operator/recipes/selection.ts";
import { fillPlaceholders, placeholdersIn } from "../../operator/recipes/text.ts";
import { columnPlaceholder, tablePlaceholder, type Recipe } from "../../operator/recipes/recipe.ts";

function column(name: string, data_type: string, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, data_type, type_class: typeClassOf(data_type), nullable: false, has_default: false, generated: false, ...extra };
}

function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  const shape = { schema: "public", name, kind: "table" as const, columns, primary_key: ["id"], foreign_keys: [], ...extra };
  return { ...shape, suggestions: suggestHints([shape])[0]!, ...extra };
}

function snapshot(...tables: TableInfo[]): SchemaSnapshot {
  return { snapshot_version: 1, engine: "postgres", database: "app", tables };
}

const invoices = table("invoices", [
  column("id", "text"),
  column("tenant_id", "text"),
  column("customer_id", "text"),
  column("amount_cents", "integer"),
  column("late_fee_cents", "integer"),
  column("fee_cents", "integer"),
  column("state", "text"),
  column("is_paid", "boolean"),
  column("waiver_reason", "character varying(500)"),
  column("due_at", "timestamp with time zone"),
  column("updated_at", "timestamp with time zone"),
]);

function recipe(name: string): Recipe {
  const found = findRecipe(name);
  assert.ok(found.ok);
  return found.recipe;
}

test("the catalogue holds the five issue-8 recipes with unique tool names", () => {
  assert.deepEqual(
    RECIPES.map((r) => r.name),
    ["billing.late_fee_waiver", "credits.account_credit", "orders.refund_review", "support.ticket_resolution", "accounts.trial_extension"],
  );
  const tools = RECIPES.flatMap((r) => [r.read_tool.name, r.proposal_tool.name]);
  assert.equal(new Set(tools).size, tools.length);
});

test("every placeholder a recipe's text uses is its table or one of its required column roles", () => {
  for (const r of RECIPES) {
    const known = new Set([tablePlaceholder(r.table.role), ...r.columns.filter((c) => !c.optional).map((c) => columnPlaceholder(c.role))]);
    for (const placeholder of placeholdersIn(r)) assert.ok(known.has(placeholder), `${r.name}: ${placeholder}`);
    // Every patch, bound, guard and precondition names a role the recipe declares.
    const roles = new Set(r.columns.map((c) => c.role));
    const used = [...r.patch.map((p) => p.role), ...Object.keys(r.bounds ?? {}), ...Object.keys(r.preconditions ?? {})];
    if (r.transition_guard) used.push(r.transition_guard.role);
    for (const role of used) assert.ok(roles.has(role), `${r.name}: ${role}`);
  }
});

test("an unknown recipe name is refused with the closest name", () => {
  const found = findRecipe("billing.late_fee_waver");
  assert.equal(found.ok, false);
  if (!found.ok) {
    assert.equal(found.problem.code, "RECIPE_UNKNOWN");
    assert.equal(found.problem.suggestions[0], "billing.late_fee_waiver");
  }
});

test("--map parses ROLE=COLUMN pairs and refuses malformed or repeated items", () => {
  assert.deepEqual(parseRoleMap("late_fee=late_fee_cents, status=state").map, { late_fee: "late_fee_cents", status: "state" });
  const bad = parseRoleMap("late_fee,status=state,status=x");
  assert.deepEqual(
    bad.problems.map((p) => p.code),
    ["RECIPE_BAD_FLAG", "RECIPE_BAD_FLAG"],
  );
});

test("a mapped recipe becomes a review selection: patch, bounds, transition guard, approval role and visible columns", () => {
  const outcome = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(invoices), { map: { status: "state" } });
  assert.ok(outcome.ok, JSON.stringify(!outcome.ok && outcome.problems));
  const selection = recipeSelection(outcome.mapped, { engine: "postgres", read_url_env: "DATABASE_URL", write_url_env: "DATABASE_WRITE_URL" });
  assert.equal(selection.mode, "review");
  assert.equal(selection.table, "invoices");
  assert.equal(selection.tenant_column, "tenant_id");
  assert.equal(selection.conflict_column, "updated_at");
  assert.equal(selection.id_arg, "invoice_id");
  assert.deepEqual(selection.patch, {
    late_fee_cents: { from_arg: "new_late_fee" },
    waiver_reason: { from_arg: "reason" },
    state: { fixed: "open" },
  });
  assert.deepEqual(selection.patch_bounds, { late_fee_cents: { minimum: 0, maximum: 10000 } });
  assert.deepEqual(selection.status_guards, { state: { from: ["overdue"], to: "open" } });
  assert.equal(selection.approval_role, "billing_lead");
  assert.deepEqual(selection.visible_columns, ["id", "late_fee_cents", "state", "waiver_reason", "amount_cents", "customer_id", "due_at", "updated_at"]);
  assert.equal(fillPlaceholders("{late_fee_column} of {invoice_table} by {status_column}", outcome.mapped), "late_fee_cents of invoices by state");
});

test("a mapping to a missing column is refused with the closest columns of the right type", () => {
  const outcome = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(invoices), { map: { late_fee: "late_fees_cent", status: "state" } });
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.problems.length, 1);
  const [problem] = outcome.problems;
  assert.equal(problem!.code, "RECIPE_COLUMN_NOT_FOUND");
  assert.equal(problem!.role, "late_fee");
  assert.equal(problem!.suggestions[0], "late_fee_cents");
  // Only money columns are offered for a money role.
  assert.ok(problem!.suggestions.every((s) => ["late_fee_cents", "fee_cents", "amount_cents"].includes(s)), problem!.suggestions.join());
  assert.match(problem!.fix, /--map late_fee=COLUMN/);
});

test("a mapping to a column of the wrong type class is refused with the fix and columns that fit", () => {
  const outcome = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(invoices), { map: { late_fee: "due_at", status: "is_paid" } });
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.deepEqual(
    outcome.problems.map((p) => [p.code, p.role]),
    [
      ["RECIPE_COLUMN_TYPE_MISMATCH", "late_fee"],
      ["RECIPE_COLUMN_TYPE_MISMATCH", "status"],
    ],
  );
  assert.match(outcome.problems[0]!.message, /needs a whole-number or decimal amount column, but 'invoices.due_at' is timestamp with time zone/);
  assert.ok(!outcome.problems[0]!.suggestions.includes("due_at"));
  assert.ok(outcome.problems[0]!.suggestions.includes("late_fee_cents"));
  assert.ok(outcome.problems[1]!.suggestions.includes("state"));
});

test("an enum status column must hold the states the recipe moves between", () => {
  const enumInvoices = table("invoices", [
    ...invoices.columns.filter((c) => c.name !== "state"),
    column("status", "invoice_status", { type_class: "string", enum_values: ["draft", "open", "paid"] }),
  ]);
  const outcome = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(enumInvoices), {});
  assert.equal(outcome.ok, false);
  if (outcome.ok) return;
  assert.equal(outcome.problems[0]!.code, "RECIPE_ENUM_VALUE_MISSING");
  assert.match(outcome.problems[0]!.message, /no 'overdue'/);
});

test("an unknown role, a missing table and a role on the tenant column are each named", () => {
  const unknownRole = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(invoices), { map: { late_fees: "late_fee_cents", status: "state" } });
  assert.ok(!unknownRole.ok && unknownRole.problems[0]!.code === "RECIPE_UNKNOWN_ROLE" && unknownRole.problems[0]!.suggestions[0] === "late_fee");

  const noTable = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(invoices), { table: "invoice_rows" });
  assert.ok(!noTable.ok && noTable.problems[0]!.code === "RECIPE_TABLE_NOT_FOUND" && noTable.problems[0]!.suggestions[0] === "invoices");

  const onTenant = mapRecipe(recipe("credits.account_credit"), snapshot(table("account_credits", [
    column("id", "bigint"),
    column("tenant_id", "text"),
    column("amount_cents", "integer"),
    column("status", "text"),
    column("note", "text"),
  ])), { map: { reason: "tenant_id" } });
  assert.ok(!onTenant.ok && onTenant.problems[0]!.code === "RECIPE_COLUMN_REUSED", JSON.stringify(onTenant));
});

test("optional roles without a column are left out, and the selection does without them", () => {
  const bare = table("invoices", [column("id", "text"), column("tenant_id", "text"), column("late_fee_cents", "integer"), column("status", "text")]);
  const outcome = mapRecipe(recipe("billing.late_fee_waiver"), snapshot(bare), {});
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.mapped.skipped.map((s) => s.role), ["waiver_reason", "amount", "customer", "due"]);
  const selection = recipeSelection(outcome.mapped, { engine: "postgres", read_url_env: "DATABASE_URL", write_url_env: "W" });
  assert.deepEqual(Object.keys(selection.patch ?? {}), ["late_fee_cents", "status"]);
  assert.equal(selection.conflict_column, undefined);
});

test("a read-only precondition becomes the selection's preconditions, not a patch", () => {
  const accounts = table("accounts", [column("id", "uuid"), column("tenant_id", "text"), column("plan", "text"), column("trial_ends_at", "timestamp with time zone")]);
  const outcome = mapRecipe(recipe("accounts.trial_extension"), snapshot(accounts), {});
  assert.ok(outcome.ok);
  const selection = recipeSelection(outcome.mapped, { engine: "postgres", read_url_env: "R", write_url_env: "W" });
  assert.deepEqual(selection.preconditions, { plan: ["trial"] });
  assert.deepEqual(selection.patch, { trial_ends_at: { from_arg: "new_trial_end" } });
});
