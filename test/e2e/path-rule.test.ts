// The path rule (docs/contract.md, "Paths"): relative paths in the config resolve against the
// config file's directory, relative paths on the command line against the working directory. So
// the reviewer's CLI, `mcp serve`, `smoke call` and a built server.mjs started by a desktop client
// from its own directory all use one ledger file.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CLI, runCli } from "../support/cli.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";

const WAIVER = (reason: string) => ({ invoice_id: "INV-3001", new_late_fee_cents: 0, reason });

describe("one ledger, whatever the working directory", () => {
  let db: TestDatabase;
  let project: string;
  let configPath: string;
  let expectedStore: string;
  let env: Record<string, string>;

  before(async () => {
    db = await createPostgresDatabase("srpaths");
    await seedExample(db);
    env = {
      PATH: process.env.PATH ?? "",
      SUPPORT_DB_READ_URL: db.url,
      SUPPORT_DB_WRITE_URL: db.url,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-paths",
    };
    project = realpathSync(tempDir("synapsor-paths-"));
    configPath = join(project, "synapsor.runner.json");
    copyFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), join(project, "synapsor.schema.json"));
    const config = { ...exampleConfigFor("postgres"), build: { out_dir: "generated", schema_snapshot: "synapsor.schema.json" } };
    writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n");
    expectedStore = join(project, ".synapsor", "support-billing.db");
  });

  after(async () => {
    await db?.drop();
  });

  /** A stdio MCP session started the way a desktop client starts servers: from a directory of its own. */
  async function callOverStdio(args: string[], reason: string, cwd = tempDir("synapsor-client-cwd-")): Promise<{ proposalId: string; stderr: string }> {
    const transport = new StdioClientTransport({ command: process.execPath, args, cwd, env, stderr: "pipe" });
    let stderr = "";
    transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const client = new Client({ name: "synapsor-paths-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      const e = envelopeOf(await client.callTool({ name: "billing.propose_late_fee_waiver", arguments: WAIVER(reason) }));
      assert.equal(e.ok, true, JSON.stringify(e));
      return { proposalId: e.proposal.id, stderr };
    } finally {
      await client.close();
    }
  }

  const startedStore = (stderr: string) => {
    const line = stderr.split("\n").find((l) => l.includes('"server_started"'));
    assert.ok(line, stderr);
    return JSON.parse(line).store;
  };

  test("build writes build.out_dir next to the config, not under the working directory", async () => {
    const elsewhere = tempDir("synapsor-build-cwd-");
    const r = await runCli(["build", "--config", configPath], { env, cwd: elsewhere });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(project, "generated", "server.mjs")));
    assert.equal(existsSync(join(elsewhere, "generated")), false);
    assert.ok(r.stdout.includes(expectedStore), r.stdout);
  });

  test("server.mjs without --store, mcp serve and smoke call from other directories, and proposals list --config, share the store", async () => {
    const built = await callOverStdio([join(project, "generated", "server.mjs"), "serve", "--transport", "stdio"], "Paths test: compiled server.");
    assert.equal(startedStore(built.stderr), expectedStore, "the server logs the absolute store path at start");

    const served = await callOverStdio([CLI, "mcp", "serve", "--config", configPath], "Paths test: mcp serve.");
    assert.equal(startedStore(served.stderr), expectedStore);

    const smoke = await runCli(
      ["smoke", "call", "--config", configPath, "--tool", "billing.propose_late_fee_waiver", "--args", JSON.stringify(WAIVER("Paths test: smoke call.")), "--json"],
      { env, cwd: tempDir("synapsor-smoke-cwd-") },
    );
    assert.equal(smoke.code, 0, smoke.stderr);
    const smokeId = JSON.parse(smoke.stdout).proposal.id;

    const listed = await runCli(["proposals", "list", "--config", configPath, "--json"], { env, cwd: tempDir("synapsor-review-cwd-") });
    assert.equal(listed.code, 0, listed.stderr);
    const ids = JSON.parse(listed.stdout).map((p: any) => p.proposal?.id ?? p.id);
    for (const id of [built.proposalId, served.proposalId, smokeId]) assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
  });

  test("a relative --store on the command line is relative to the working directory", async () => {
    const cwd = realpathSync(tempDir("synapsor-store-cwd-"));
    const r = await callOverStdio([join(project, "generated", "server.mjs"), "serve", "--transport", "stdio", "--store", "mine.db"], "Paths test: relative store.", cwd);
    assert.equal(startedStore(r.stderr), join(cwd, "mine.db"));
    assert.ok(existsSync(join(cwd, "mine.db")));
  });
});
