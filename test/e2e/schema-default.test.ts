// Every command that compiles a config without building it picks the schema the same way:
// --schema / --from-env, else build.schema_snapshot, else the live schema of the first source's
// read URL. `apply`, `writeback grants` and `mcp serve` are tested for it where they live; here
// `tools preview` and `handler stub`, given only the read URL, must show exactly what they show
// for the equivalent snapshot file, and say which schema they used.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";

/** The app-owned handler fixture (reads, a sql_update and two app-owned executors), with no build.schema_snapshot. */
const FIXTURE = fileURLToPath(new URL("../fixtures/handlers/app-owned.runner.json", import.meta.url));
const SNAPSHOT = join(EXAMPLE_DIR, "synapsor.schema.json");
const LIVE_NOTE = /synapsor-runner: no --schema, --from-env or build\.schema_snapshot: building against the live schema of source 'app_db' \(SUPPORT_DB_READ_URL\)/;

describe("tools preview and handler stub with only the read URL set", () => {
  let db: TestDatabase;
  let dir: string;
  let configPath: string;
  let withReadUrl: NodeJS.ProcessEnv;
  let withoutReadUrl: NodeJS.ProcessEnv;

  before(async () => {
    db = await createPostgresDatabase("srschema");
    await seedExample(db);
    dir = tempDir("sr-schema-default-");
    const config = JSON.parse(readFileSync(FIXTURE, "utf8"));
    delete config.build;
    configPath = join(dir, "synapsor.runner.json");
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const { SUPPORT_DB_READ_URL: _unset, ...rest } = process.env;
    withoutReadUrl = rest;
    withReadUrl = { ...rest, SUPPORT_DB_READ_URL: db.url };
  });

  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  test("tools preview plans against the live schema and shows what the snapshot shows", async () => {
    const live = await runCli(["tools", "preview", "--config", configPath, "--json"], { env: withReadUrl });
    assert.equal(live.code, 0, live.stderr);
    assert.match(live.stderr, LIVE_NOTE);
    const fromSnapshot = await runCli(["tools", "preview", "--config", configPath, "--schema", SNAPSHOT, "--json"], { env: withoutReadUrl });
    assert.equal(fromSnapshot.code, 0, fromSnapshot.stderr);
    assert.equal(fromSnapshot.stderr, "", "a snapshot that was asked for needs no note");
    const body = JSON.parse(live.stdout);
    assert.ok(body.tools.length > 0);
    assert.deepEqual(body, JSON.parse(fromSnapshot.stdout));

    const blind = await runCli(["tools", "preview", "--config", configPath], { env: withoutReadUrl });
    assert.equal(blind.code, 1);
    assert.match(blind.stderr, /NO_SCHEMA/);
    assert.match(blind.stderr, /Export SUPPORT_DB_READ_URL, or pass --schema/);
  });

  test("handler stub types the stubs from the live schema, identical to the snapshot's", async () => {
    const liveOut = join(dir, "live");
    const live = await runCli(["handler", "stub", "--config", configPath, "--out", liveOut], { env: withReadUrl });
    assert.equal(live.code, 0, live.stderr);
    assert.match(live.stderr, LIVE_NOTE);
    assert.match(live.stdout, /billing_api\.handler\.ts .*billing\.propose_late_fee_waiver/);
    const snapshotOut = join(dir, "snapshot");
    const fromSnapshot = await runCli(["handler", "stub", "--config", configPath, "--schema", SNAPSHOT, "--out", snapshotOut], { env: withoutReadUrl });
    assert.equal(fromSnapshot.code, 0, fromSnapshot.stderr);
    const files = readdirSync(liveOut).sort();
    assert.deepEqual(files, ["billing_api.handler.ts", "billing_script.handler.ts"]);
    assert.deepEqual(readdirSync(snapshotOut).sort(), files);
    for (const file of files) assert.equal(readFileSync(join(liveOut, file), "utf8"), readFileSync(join(snapshotOut, file), "utf8"), file);

    const blind = await runCli(["handler", "stub", "--config", configPath, "--out", join(dir, "blind")], { env: withoutReadUrl });
    assert.equal(blind.code, 1);
    assert.match(blind.stderr, /handler stub failed at resolve\.[\s\S]*NO_SCHEMA/);
  });
});
