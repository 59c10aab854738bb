// Every recipe applied to the example tables of one engine through the real CLI, and the config it
// writes built against the live database (which also prepares every planned statement there).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./cli.ts";
import { tempDir } from "./compiled-server.ts";
import { connectStdio, envelopeOf } from "./compiled-server.ts";
import { createDatabase, type TestDatabase } from "./databases.ts";
import { RECIPE_CASES, RECIPE_ROWS_SQL, RECIPE_TABLES_SQL } from "./recipe-tables.ts";

export function recipeBuildTests(engine: "postgres" | "mysql"): void {
  let db: TestDatabase;
  let dir: string;
  const env = () => ({ ...process.env, RECIPE_DB_URL: db.url });
  /** recipe → the directory its config was built into. */
  const builtInto = new Map<string, string>();

  before(async () => {
    db = await createDatabase(engine, "recipes");
    await db.exec(RECIPE_TABLES_SQL[engine]);
    await db.exec(RECIPE_ROWS_SQL);
    dir = tempDir("synapsor-recipes-");
  });
  after(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of RECIPE_CASES) {
    test(`${c.recipe} applies to the example table and its config builds (${engine})`, async () => {
      const config = join(dir, c.recipe, "synapsor.runner.json");
      const init = await runCli(
        ["recipes", "init", c.recipe, "--from-env", "RECIPE_DB_URL", "--write-url-env", "RECIPE_WRITE_URL", "--output", config, ...c.flags, "--json"],
        { env: env() },
      );
      assert.equal(init.code, 0, init.stdout + init.stderr);
      const outcome = JSON.parse(init.stdout) as { ok: boolean; tools: string[]; written: Array<{ kind: string; path: string }> };
      assert.equal(outcome.ok, true);
      assert.deepEqual(
        outcome.written.map((w) => w.kind),
        ["config", "schema_snapshot", "env_example", "apply_env_example", "client_snippet", "client_snippet"],
      );
      const contract = JSON.parse(readFileSync(config, "utf8"));
      assert.deepEqual(
        contract.capabilities.map((cap: { name: string }) => cap.name),
        outcome.tools,
      );
      // Names of variables only: the database URL the recipe was inspected with is in neither file.
      const envExample = readFileSync(outcome.written.find((w) => w.kind === "env_example")!.path, "utf8");
      assert.match(envExample, /^RECIPE_DB_URL=$/m);
      // The writer credential is for apply only: never in the file the MCP server loads.
      assert.doesNotMatch(envExample, /^RECIPE_WRITE_URL=/m);
      const applyExample = readFileSync(outcome.written.find((w) => w.kind === "apply_env_example")!.path, "utf8");
      assert.match(applyExample, /^RECIPE_WRITE_URL=$/m);
      for (const text of [envExample, applyExample, readFileSync(config, "utf8")]) assert.ok(!text.includes(db.url) && !text.includes("://"), text);

      const out = join(dir, c.recipe, "out");
      const built = await runCli(["build", "--config", config, "--out", out, "--from-env", "RECIPE_DB_URL", "--json"], { env: env() });
      assert.equal(built.code, 0, built.stdout + built.stderr);
      assert.ok(existsSync(join(out, "server.mjs")));
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.match(JSON.stringify(manifest), new RegExp(outcome.tools[1]!.replace(".", "\\.")));
      builtInto.set(c.recipe, out);
    });
  }

  // The recipe's business defaults reach the served tools: bounds, the transition guard, the
  // read-only precondition and the tenant scope, through a real MCP client.
  test(`the late-fee guard and the trial precondition hold in the served server (${engine})`, async () => {
    const serve = async (recipe: string) => {
      const out = builtInto.get(recipe);
      assert.ok(out, `${recipe} was built by the test above`);
      const serverEnv = { RECIPE_DB_URL: db.url, RECIPE_WRITE_URL: db.url, SYNAPSOR_TENANT_ID: "t1", SYNAPSOR_PRINCIPAL: "agent-1" };
      return connectStdio(join(out, "server.mjs"), dir, serverEnv, ["--store", join(dir, `${recipe}.db`)]);
    };
    const fees = await serve("billing.late_fee_waiver");
    try {
      const call = async (args: Record<string, unknown>) => envelopeOf(await fees.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: args }));
      const proposed = await call({ invoice_id: "INV-1", new_late_fee: 0, reason: "Outage on 1 Oct, ticket T-9" });
      assert.equal(proposed.ok, true, JSON.stringify(proposed.error));
      assert.equal(proposed.proposal.state, "review_required");
      const notOverdue = await call({ invoice_id: "INV-2", new_late_fee: 0, reason: "x" });
      assert.equal(notOverdue.error?.code, "POLICY_VIOLATION");
      const tooHigh = await call({ invoice_id: "INV-1", new_late_fee: 20000, reason: "x" });
      assert.equal(tooHigh.error?.code, "INVALID_ARGUMENT");
      const otherTenant = await call({ invoice_id: "INV-3", new_late_fee: 0, reason: "x" });
      assert.equal(otherTenant.ok, false);
    } finally {
      await fees.close();
    }
    const trials = await serve("accounts.trial_extension");
    try {
      const call = async (args: Record<string, unknown>) => envelopeOf(await trials.client.callTool({ name: "accounts.propose_trial_extension", arguments: args }));
      const newEnd = engine === "postgres" ? "2027-01-31T00:00:00Z" : "2027-01-31 00:00:00";
      const extended = await call({ account_id: "A-1", new_trial_end: newEnd });
      assert.equal(extended.ok, true, JSON.stringify(extended.error));
      const onPro = await call({ account_id: "A-2", new_trial_end: newEnd });
      assert.equal(onPro.error?.code, "POLICY_VIOLATION");
    } finally {
      await trials.close();
    }
  });
}
