// Every recipe applied to the example tables of one engine through the real CLI, and the config it
// writes built against the live database (which also prepares every planned statement there).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./cli.ts";
import { tempDir } from "./compiled-server.ts";
import { createDatabase, type TestDatabase } from "./databases.ts";
import { RECIPE_CASES, RECIPE_TABLES_SQL } from "./recipe-tables.ts";

export function recipeBuildTests(engine: "postgres" | "mysql"): void {
  let db: TestDatabase;
  let dir: string;
  const env = () => ({ ...process.env, RECIPE_DB_URL: db.url });

  before(async () => {
    db = await createDatabase(engine, "recipes");
    await db.exec(RECIPE_TABLES_SQL[engine]);
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
        ["config", "schema_snapshot", "env_example", "client_snippet", "client_snippet"],
      );
      const contract = JSON.parse(readFileSync(config, "utf8"));
      assert.deepEqual(
        contract.capabilities.map((cap: { name: string }) => cap.name),
        outcome.tools,
      );
      // Names of variables only: the database URL the recipe was inspected with is in neither file.
      const envExample = readFileSync(outcome.written.find((w) => w.kind === "env_example")!.path, "utf8");
      assert.match(envExample, /^RECIPE_DB_URL=$/m);
      assert.match(envExample, /^RECIPE_WRITE_URL=$/m);
      for (const text of [envExample, readFileSync(config, "utf8")]) assert.ok(!text.includes(db.url) && !text.includes("://"), text);

      const out = join(dir, c.recipe, "out");
      const built = await runCli(["build", "--config", config, "--out", out, "--from-env", "RECIPE_DB_URL", "--json"], { env: env() });
      assert.equal(built.code, 0, built.stdout + built.stderr);
      assert.ok(existsSync(join(out, "server.mjs")));
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      assert.match(JSON.stringify(manifest), new RegExp(outcome.tools[1]!.replace(".", "\\.")));
    });
  }
}
