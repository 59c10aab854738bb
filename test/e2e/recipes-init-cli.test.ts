// `recipes init` refusals through the real CLI against a real PostgreSQL schema: a role mapped to a
// missing column and to a column of the wrong type are each refused with the closest columns that
// fit; nothing is written then; an existing config is not replaced without --force.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { RECIPE_TABLES_SQL } from "../support/recipe-tables.ts";

let db: TestDatabase;
let dir: string;
let snapshotFile: string;
const env = () => ({ ...process.env, RECIPE_DB_URL: db.url });

before(async () => {
  db = await createPostgresDatabase("recipes_init");
  await db.exec(RECIPE_TABLES_SQL.postgres);
  dir = tempDir("synapsor-recipes-init-");
  snapshotFile = join(dir, "synapsor.schema.json");
  const inspected = await runCli(["inspect", "--from-env", "RECIPE_DB_URL", "--output", snapshotFile], { env: env() });
  assert.equal(inspected.code, 0, inspected.stderr);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Problem {
  code: string;
  role?: string;
  message: string;
  fix: string;
  suggestions: string[];
}

function initArgs(output: string, ...extra: string[]): string[] {
  return ["recipes", "init", "billing.late_fee_waiver", "--from-env", "RECIPE_DB_URL", "--write-url-env", "RECIPE_WRITE_URL", "--output", output, "--table", "invoices", ...extra];
}

test("a role mapped to a missing column and one mapped to a wrongly typed column are each refused with fitting suggestions", async () => {
  const output = join(dir, "refused", "synapsor.runner.json");
  const r = await runCli(initArgs(output, "--map", "late_fee=late_fees,status=paid", "--json"), { env: env() });
  assert.equal(r.code, 1, r.stderr);
  const outcome = JSON.parse(r.stdout) as { ok: boolean; problems: Problem[] };
  assert.equal(outcome.ok, false);
  assert.deepEqual(
    outcome.problems.map((p) => [p.code, p.role]),
    [
      ["RECIPE_COLUMN_NOT_FOUND", "late_fee"],
      ["RECIPE_COLUMN_TYPE_MISMATCH", "status"],
    ],
  );
  const [missing, mistyped] = outcome.problems as [Problem, Problem];
  assert.deepEqual(missing.suggestions, ["late_fee_cents", "amount_cents"], "only amount columns, closest first");
  assert.match(missing.fix, /--map late_fee=late_fee_cents/);
  assert.match(mistyped.message, /'invoices\.paid' is boolean/);
  assert.equal(mistyped.suggestions[0], "state");
  assert.match(mistyped.fix, /--map status=state/);
  assert.ok(!existsSync(output), "nothing is written when the recipe does not apply");
  assert.ok(!existsSync(join(dir, "refused", ".env.example")));
});

test("the same refusal in text names each problem, its fix and the closest columns, on stderr", async () => {
  const output = join(dir, "refused-text", "synapsor.runner.json");
  const r = await runCli(initArgs(output, "--map", "late_fee=late_fees,status=paid"), { env: env() });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /nothing was written/);
  assert.match(r.stderr, /RECIPE_COLUMN_NOT_FOUND: Role 'late_fee' \{late_fee_column\} is mapped to 'late_fees', which is not a column of 'invoices'\.\n {2}fix: .*\n {2}closest: 'late_fee_cents', 'amount_cents'/);
  assert.match(r.stderr, /RECIPE_COLUMN_TYPE_MISMATCH: Role 'status' .*\n {2}fix: .*--map status=state\.\n {2}closest: 'state'/);
});

test("an enum that lacks a state the recipe moves to is refused with its labels", async () => {
  // The enum labels as inspect records them (written here so the test does not depend on which
  // inspect version filled them in).
  const snapshot = JSON.parse(readFileSync(snapshotFile, "utf8"));
  const orders = snapshot.tables.find((t: { name: string }) => t.name === "orders");
  orders.columns.find((c: { name: string }) => c.name === "status").enum_values = ["pending", "paid", "shipped", "delivered", "refund_pending", "refunded", "cancelled"];
  const enumSnapshot = join(dir, "enum.schema.json");
  writeFileSync(enumSnapshot, JSON.stringify(snapshot));
  const r = await runCli(
    ["recipes", "init", "support.ticket_resolution", "--inspection-json", enumSnapshot, "--write-url-env", "W", "--output", join(dir, "enum", "c.json"), "--table", "orders", "--map", "resolution=refund_reason", "--json"],
    { env: env() },
  );
  assert.equal(r.code, 1, r.stderr);
  const outcome = JSON.parse(r.stdout) as { problems: Problem[] };
  assert.deepEqual(outcome.problems.map((p) => p.code), ["RECIPE_ENUM_VALUE_MISSING"]);
  assert.match(outcome.problems[0]!.message, /to hold 'open', 'pending' and 'resolved', but its enum has no 'open' and 'resolved' \(its labels: 'pending', 'paid', /);
});

test("without a writer the generator's refusal is passed on with its fix", async () => {
  const r = await runCli(["recipes", "init", "credits.account_credit", "--inspection-json", snapshotFile, "--output", join(dir, "nowriter", "c.json"), "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const outcome = JSON.parse(r.stdout) as { problems: Array<Problem & { field: string }> };
  assert.equal(outcome.problems[0]!.code, "RECIPE_SELECTION_REFUSED");
  assert.equal(outcome.problems[0]!.field, "write_url_env");
  assert.match(outcome.problems[0]!.fix, /--write-url-env/);
});

test("from a snapshot file: the config names the snapshot for later builds, and an existing config is replaced only with --force", async () => {
  const output = join(dir, "snap", "synapsor.runner.json");
  const args = ["recipes", "init", "credits.account_credit", "--inspection-json", snapshotFile, "--read-url-env", "CREDITS_READ_URL", "--write-url-env", "CREDITS_WRITE_URL", "--output", output];
  const first = await runCli(args);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /Keys: row id id, tenant org_id, stale-row guard updated_at/);
  assert.match(first.stdout, /synapsor-runner build --config \S+synapsor\.runner\.json\n/);
  const contract = JSON.parse(readFileSync(output, "utf8"));
  assert.equal(contract.build.schema_snapshot, "../synapsor.schema.json");
  assert.equal(contract.sources.app_db.read_url_env, "CREDITS_READ_URL");
  const proposal = contract.capabilities[1];
  assert.equal(proposal.description.includes("finance lead"), true);
  assert.match(proposal.returns_hint, /amount_cents and status/, "placeholders filled with the mapped columns");
  assert.deepEqual(proposal.transition_guards, { status: { from: ["requested"], to: ["approved"] } });
  assert.deepEqual(proposal.numeric_bounds, { amount_cents: { minimum: 1, maximum: 50000 } });
  assert.equal(proposal.approval.required_role, "finance_lead");

  writeFileSync(output, "{\"kept\": true}\n");
  const again = await runCli(args);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Not overwriting .*synapsor\.runner\.json.*Pass --force/);
  assert.equal(readFileSync(output, "utf8"), "{\"kept\": true}\n", "the existing config is left as it was");

  const forced = await runCli([...args, "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(readFileSync(output, "utf8")).capabilities.length, 2);
});

test("init needs exactly one schema source and an existing recipe", async () => {
  const none = await runCli(["recipes", "init", "credits.account_credit", "--output", join(dir, "x.json")]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /pass either --from-env VAR .* or --inspection-json FILE/);
  const unknown = await runCli(["recipes", "init", "credit.account_credit", "--inspection-json", snapshotFile, "--output", join(dir, "x.json")]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /RECIPE_UNKNOWN: There is no recipe 'credit\.account_credit'\. Did you mean 'credits\.account_credit'\?/);
});

test("an app handler instead of a writer credential: the config names its executor and .env.example its variables", async () => {
  const output = join(dir, "handler", "synapsor.runner.json");
  const base = ["recipes", "init", "orders.refund_review", "--inspection-json", snapshotFile, "--output", output, "--writeback", "http_handler"];
  const missing = await runCli(base);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--writeback http_handler needs --handler-url-env VAR/);

  const r = await runCli([...base, "--handler-url-env", "REFUND_HANDLER_URL", "--handler-token-env", "REFUND_HANDLER_TOKEN", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const contract = JSON.parse(readFileSync(output, "utf8"));
  assert.deepEqual(contract.executors, {
    app_http_handler: { type: "http_handler", url_env: "REFUND_HANDLER_URL", auth: { type: "bearer_env", token_env: "REFUND_HANDLER_TOKEN" } },
  });
  assert.equal(contract.capabilities[1].executor, "app_http_handler");
  assert.equal(contract.sources.app_db.write_url_env, undefined, "no writer credential when the app applies changes");
  // The handler's settings are for apply only: in .env.apply.example, not the .env the server loads.
  const envExample = readFileSync(join(dir, "handler", ".env.example"), "utf8");
  assert.doesNotMatch(envExample, /^REFUND_HANDLER_(URL|TOKEN)=/m);
  const applyExample = readFileSync(join(dir, "handler", ".env.apply.example"), "utf8");
  assert.match(applyExample, /^REFUND_HANDLER_URL=$/m);
  assert.match(applyExample, /^REFUND_HANDLER_TOKEN=$/m);
});

test("a schema with no tables is refused with the schemas that do hold tables", async () => {
  const r = await runCli(["recipes", "init", "orders.refund_review", "--inspection-json", snapshotFile, "--write-url-env", "W", "--schema", "pubic", "--output", join(dir, "noschema", "c.json"), "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const outcome = JSON.parse(r.stdout) as { problems: Problem[] };
  assert.equal(outcome.problems[0]!.code, "RECIPE_TABLE_NOT_FOUND");
  assert.deepEqual(outcome.problems[0]!.suggestions, ["public"]);
  assert.match(outcome.problems[0]!.fix, /--schema NAME/);
});
