// Schema metadata and config keys written by an attacker (a colleague with DDL rights on the
// inspected database, or a pull request editing the config or the committed snapshot) never run
// as code. A Postgres enum type name and MariaDB ENUM labels carry a payload that writes a marker
// file if it ever executes; so do the source key, the executor key, a table name with a line
// break and a snapshot's data_type. Each is inspected or committed for real, built, the server
// started and called over MCP, the handler stub type-checked, bundled and run: no marker appears.
// The same build proves non-identifier column names (`order-id`, `first name`) work end to end.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build as esbuild } from "esbuild";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { connectStdio, envelopeOf, tempDir } from "../support/compiled-server.ts";
import { REPO_ROOT, runCli, runProcess } from "../support/cli.ts";
import { typecheckSources } from "../../compiler/emit/typecheck.ts";

const MARKER = "pwned";
/** Runs if it ever becomes code: writes ./pwned in the working directory. */
const PAYLOAD = `import("fs").then(f=>f.writeFileSync("${MARKER}",""));`;
const SOURCE_KEY = `app\n${PAYLOAD}//`;
const EXECUTOR_KEY = `writer\u2028${PAYLOAD}//`;
const TENANT = "t1";

function ddl(engine: "postgres" | "mysql"): string {
  if (engine === "postgres") {
    // format_type() quotes the name, doubling double quotes, so the payload uses single quotes (63 bytes at most).
    const type = `e*/import('fs').then(f=>f.writeFileSync('${MARKER}',''));/*`;
    return `CREATE TYPE "${type}" AS ENUM ('open', 'closed');
      CREATE TABLE orders (id text PRIMARY KEY, tenant_id text NOT NULL, "order-id" text NOT NULL, "first name" text,
        status "${type}" NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO orders VALUES ('o1', '${TENANT}', 'ORD-1', 'Ann', 'open', now()), ('o2', 'other', 'ORD-2', 'Bob', 'open', now())`;
  }
  // COLUMN_TYPE lists the labels in single quotes (doubling them), so the payload uses double quotes.
  const label = `b*/${PAYLOAD}/*`;
  return `CREATE TABLE orders (id varchar(20) PRIMARY KEY, tenant_id varchar(20) NOT NULL, \`order-id\` varchar(20) NOT NULL,
      \`first name\` varchar(40), status ENUM('open', 'closed', '${label}') NOT NULL, updated_at timestamp(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));
    INSERT INTO orders VALUES ('o1', '${TENANT}', 'ORD-1', 'Ann', 'open', NOW(6)), ('o2', 'other', 'ORD-2', 'Bob', 'open', NOW(6))`;
}

function config(engine: "postgres" | "mysql") {
  const target = { ...(engine === "postgres" ? { schema: "public" } : {}), table: "orders", primary_key: "id", tenant_key: "tenant_id" };
  return {
    version: 1,
    mode: "review",
    sources: { [SOURCE_KEY]: { engine, read_url_env: "APP_URL" } },
    executors: { [EXECUTOR_KEY]: { type: "command_handler", command_env: "APP_COMMAND" } },
    capabilities: [
      {
        name: "shop.get_order",
        kind: "read",
        source: SOURCE_KEY,
        target,
        args: { id: { type: "string", required: true, max_length: 20 } },
        lookup: { id_from_arg: "id" },
        visible_columns: ["id", "order-id", "first name", "status"],
      },
      {
        name: "shop.propose_close",
        kind: "proposal",
        source: SOURCE_KEY,
        target,
        args: { id: { type: "string", required: true, max_length: 20 }, name: { type: "string", required: true, max_length: 40 } },
        lookup: { id_from_arg: "id" },
        visible_columns: ["id", "order-id", "first name", "status"],
        patch: { "first name": { from_arg: "name" }, status: { fixed: "closed" } },
        allowed_columns: ["first name", "status"],
        transition_guards: { status: { from: ["open"], to: ["closed"] } },
        conflict_guard: { column: "updated_at" },
        approval: { mode: "human" },
        executor: EXECUTOR_KEY,
      },
    ],
  };
}

function noMarker(...dirs: string[]): void {
  for (const dir of dirs) assert.ok(!existsSync(join(dir, MARKER)), `attacker code ran in ${dir}`);
}

/** Bundles a handler stub with the repository's handler helper and runs it as the command it is, with no request. */
async function runStub(stubPath: string, cwd: string): Promise<void> {
  const bundled = join(cwd, "stub.mjs");
  await esbuild({
    entryPoints: [stubPath],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundled,
    alias: { "synapsor-runner/handler": join(REPO_ROOT, "handler/index.ts") },
    packages: "external",
    logLevel: "silent",
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
    nodePaths: [join(REPO_ROOT, "node_modules")],
  });
  await runProcess(process.execPath, [bundled], { cwd, input: "", env: { PATH: process.env.PATH ?? "", NODE_PATH: join(REPO_ROOT, "node_modules") }, timeoutMs: 30_000 });
  // Give a fire-and-forget payload (a dynamic import) time to land before looking.
  await new Promise((r) => setTimeout(r, 200));
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`hostile schema metadata and config keys on ${engine}`, () => {
    let db: TestDatabase;
    let dir: string;
    let snapshotPath: string;

    before(async () => {
      db = await createDatabase(engine, "srhostile");
      await db.exec(ddl(engine));
      dir = tempDir("synapsor-hostile-");
      snapshotPath = join(dir, "synapsor.schema.json");
      const inspected = await runCli(["inspect", "--from-env", "APP_URL", "--json", "--output", snapshotPath], { env: { ...process.env, APP_URL: db.url }, cwd: dir });
      assert.equal(inspected.code, 0, inspected.stderr);
    });
    after(async () => {
      await db?.drop();
    });

    test("the inspected type text carries the payload, yet the built server runs none of it and serves odd column names", async () => {
      const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8"));
      const status = snapshot.tables.find((t: any) => t.name === "orders").columns.find((c: any) => c.name === "status");
      assert.match(status.data_type, /\*\/import\(/, "the attack is in the snapshot");

      const configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, JSON.stringify(config(engine), null, 2));
      const out = join(dir, "out");
      const built = await runCli(["build", "--config", configPath, "--schema", snapshotPath, "--out", out], { cwd: dir });
      assert.equal(built.code, 0, built.stderr);
      noMarker(dir, REPO_ROOT);

      const runDir = tempDir("synapsor-hostile-run-");
      writeFileSync(join(runDir, "server.mjs"), readFileSync(join(out, "server.mjs")));
      const session = await connectStdio(join(runDir, "server.mjs"), runDir, { APP_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent" });
      try {
        const tools = await session.client.listTools();
        assert.deepEqual(tools.tools.map((t) => t.name).sort(), ["shop.get_order", "shop.propose_close"]);
        const read = envelopeOf(await session.client.callTool({ name: "shop.get_order", arguments: { id: "o1" } }));
        assert.equal(read.ok, true, read.summary);
        assert.deepEqual(read.data, { id: "o1", "order-id": "ORD-1", "first name": "Ann", status: "open" });
        const other = envelopeOf(await session.client.callTool({ name: "shop.get_order", arguments: { id: "o2" } }));
        assert.equal(other.error.code, "NOT_FOUND_IN_TENANT");
        const proposed = envelopeOf(await session.client.callTool({ name: "shop.propose_close", arguments: { id: "o1", name: "Ann B." } }));
        assert.equal(proposed.ok, true, proposed.summary);
        assert.deepEqual(proposed.proposal.diff, { "first name": { before: "Ann", proposed: "Ann B." }, status: { before: "open", proposed: "closed" } });
      } finally {
        await session.close();
      }
      await new Promise((r) => setTimeout(r, 200));
      noMarker(runDir, dir);
      // Every generated source is committed for review: the payload is there only as escaped text.
      for (const file of readdirSync(join(out, "src", "capabilities"))) {
        const text = readFileSync(join(out, "src", "capabilities", file), "utf8");
        assert.doesNotMatch(text, /^\s*import\("fs"\)|^\s*import\('fs'\)/m, file);
      }
    });

    test("the handler stub for the hostile executor type-checks, and starting it runs no payload", async () => {
      const configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, JSON.stringify(config(engine), null, 2));
      const stubs = join(dir, "stubs");
      const result = await runCli(["handler", "stub", "--config", configPath, "--schema", snapshotPath, "--out", stubs], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      const [file] = readdirSync(stubs).filter((f) => f.endsWith(".handler.ts"));
      assert.ok(file);
      const text = readFileSync(join(stubs, file), "utf8");
      assert.deepEqual(await typecheckSources(new Map([[file, text]])), []);
      await runStub(join(stubs, file), stubs);
      noMarker(stubs, dir);
    });

    test("a committed snapshot whose table name and data_type carry the payload builds into a server that runs none of it", async () => {
      const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8"));
      const orders = snapshot.tables.find((t: any) => t.name === "orders");
      const table = `orders\n${PAYLOAD}//`;
      orders.name = table;
      for (const c of orders.columns) c.data_type = `${c.data_type}*/\n${PAYLOAD}/*\u2028${PAYLOAD}//`;
      const edited = join(dir, "edited.schema.json");
      writeFileSync(edited, JSON.stringify(snapshot));
      const cfg = config(engine);
      for (const c of cfg.capabilities) c.target.table = table;
      const configPath = join(dir, "edited.runner.json");
      writeFileSync(configPath, JSON.stringify(cfg));
      const out = join(dir, "edited-out");
      const built = await runCli(["build", "--config", configPath, "--schema", edited, "--out", out], { cwd: dir });
      assert.equal(built.code, 0, built.stderr);
      const runDir = tempDir("synapsor-hostile-run-");
      writeFileSync(join(runDir, "server.mjs"), readFileSync(join(out, "server.mjs")));
      const session = await connectStdio(join(runDir, "server.mjs"), runDir, { APP_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent" });
      try {
        assert.equal((await session.client.listTools()).tools.length, 2);
      } finally {
        await session.close();
      }
      await new Promise((r) => setTimeout(r, 200));
      noMarker(runDir, dir);
    });
  });
}
