// What `start` asks the database for and what it prints last: fixed, quoted, LIMITed queries per
// engine, and next commands that a POSIX shell reads back as written.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { objectIdsQuery, SEEN_VALUES_LIMIT, tenantValuesQuery } from "../../operator/onboard/start/seen-values.ts";
import { nextCommands } from "../../operator/onboard/start/next-commands.ts";

const hostile = { schema: 'app"; DROP', name: "in`voices" };

test("the tenant-values query quotes every identifier with the engine's dialect and is LIMITed", () => {
  assert.equal(
    tenantValuesQuery("postgres", hostile, 'clinic"id').text,
    `SELECT DISTINCT "clinic""id" AS value FROM "app""; DROP"."in\`voices" WHERE "clinic""id" IS NOT NULL ORDER BY "clinic""id" LIMIT ${SEEN_VALUES_LIMIT}`,
  );
  assert.equal(
    tenantValuesQuery("mysql", hostile, "clinic`id").text,
    `SELECT DISTINCT \`clinic\`\`id\` AS value FROM \`app"; DROP\`.\`in\`\`voices\` WHERE \`clinic\`\`id\` IS NOT NULL ORDER BY \`clinic\`\`id\` LIMIT ${SEEN_VALUES_LIMIT}`,
  );
});

test("the object-ids query binds the tenant as a value, never as text", () => {
  assert.equal(objectIdsQuery("postgres", { schema: "public", name: "t" }, "id", "tenant").text, `SELECT "id" AS value FROM "public"."t" WHERE "tenant" = $1 ORDER BY "id" LIMIT ${SEEN_VALUES_LIMIT}`);
  assert.equal(objectIdsQuery("mysql", { schema: "db", name: "t" }, "id", "tenant").text, `SELECT \`id\` AS value FROM \`db\`.\`t\` WHERE \`tenant\` = ? ORDER BY \`id\` LIMIT ${SEEN_VALUES_LIMIT}`);
});

test("next commands: absolute paths with spaces and quotes survive a shell; review mode adds review and apply", () => {
  const dir = "/tmp/my app's dir";
  const selection = { mode: "review", read_tool: "billing.inspect_invoice", id_arg: "invoice_id", primary_key: "id", read_url_env: "DATABASE_URL", tenant_env: "T", principal_env: "P" } as any;
  const commands = nextCommands({
    selection,
    configPath: `${dir}/synapsor.runner.json`,
    storePath: `${dir}/.synapsor/local.db`,
    serverPath: `${dir}/.synapsor/build/server.mjs`,
    envExamplePath: `${dir}/.env.example`,
    applyEnvExamplePath: `${dir}/.env.apply.example`,
    smokeArgs: { invoice_id: "INV-1 'x'" },
  });
  const smoke = commands.find((c) => c.command.startsWith("synapsor-runner smoke call"))!.command;
  // printf shows each word the shell parsed on its own line.
  const words = spawnSync("sh", ["-c", `printf '%s\\n' ${smoke.replace(/^synapsor-runner /, "")}`], { encoding: "utf8" }).stdout.split("\n");
  assert.deepEqual(words.slice(0, 10), ["smoke", "call", "--config", `${dir}/synapsor.runner.json`, "--store", `${dir}/.synapsor/local.db`, "--tool", "billing.inspect_invoice", "--args", `{"invoice_id":"INV-1 'x'"}`]);
  assert.ok(commands.some((c) => c.command.startsWith("synapsor-runner proposals list")));
  assert.ok(commands.some((c) => c.command.startsWith("synapsor-runner apply --proposal")));
  // What only apply reads is copied to its own file, not to the .env the server loads.
  assert.ok(commands.some((c) => c.command === "cp '/tmp/my app'\\''s dir/.env.apply.example' '/tmp/my app'\\''s dir/.env.apply'"), JSON.stringify(commands));
  assert.ok(commands.some((c) => c.what.includes("SYNAPSOR_HTTP_TOKEN") || c.command.includes("SYNAPSOR_HTTP_TOKEN")));
  const readOnly = nextCommands({ selection: { ...selection, mode: "read_only" }, configPath: "/c.json", storePath: "/s.db", serverPath: "/b/server.mjs", envExamplePath: "/.env.example" });
  assert.equal(readOnly.some((c) => c.command.includes("apply")), false);
});
