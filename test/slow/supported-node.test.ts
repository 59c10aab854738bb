// The installed package on every supported Node.js line: the oldest release "engines" accepts
// (installed from npm into a cache outside the repository on first use) and the Node.js running
// this test. Through the installed bin: help, inspect, build, the compiled server alone (tools,
// a stdio tool call), `mcp serve`, and the demo. And the release just below the floor refuses
// in one line. Slow (a download on the first run, several full builds), hence `npm run test:slow`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { runProcess } from "../support/cli.ts";
import { connectStdio, envelopeOf } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { minorBefore, nodeBinary, oldestSupportedNode } from "../support/node-binaries.ts";
import { packAndInstall, runInstalledCli, withNodeFirst, type InstalledPackage } from "../support/package.ts";

const OLDEST = oldestSupportedNode();
const TOO_OLD = minorBefore(OLDEST);
const TRUSTED = { SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-slow" };
const TOOLS = ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"];

describe("the installed package on the supported Node.js lines", () => {
  let installed: InstalledPackage;
  let db: TestDatabase;
  const nodes = new Map<string, string>();

  before(async () => {
    const [pkg, database, oldest, tooOld] = await Promise.all([packAndInstall(), createPostgresDatabase("srslow"), nodeBinary(OLDEST), nodeBinary(TOO_OLD)]);
    installed = pkg;
    db = database;
    await seedExample(db);
    nodes.set(OLDEST, oldest).set(process.versions.node, process.execPath).set(TOO_OLD, tooOld);
  });

  after(async () => {
    installed?.remove();
    await db?.drop();
  });

  for (const version of [OLDEST, process.versions.node]) {
    describe(`Node.js ${version}`, () => {
      const node = () => nodes.get(version)!;
      const env = () => ({ ...process.env, SUPPORT_DB_READ_URL: db.url, ...TRUSTED });
      let project: string;

      before(() => {
        project = join(installed.appDir, `billing-${version}`);
        mkdirSync(project);
        copyFileSync(join(installed.packageDir, "examples/support-billing/synapsor.runner.json"), join(project, "synapsor.runner.json"));
      });

      const cli = (args: string[]) => runInstalledCli(installed, node(), args, { env: env(), cwd: project, timeoutMs: 180_000 });

      test("help, inspect and build; the compiled server, alone in an empty directory, lists its tools and answers a call", async () => {
        const version_ = await cli(["version"]);
        assert.equal(version_.code, 0, version_.stderr);
        assert.match(version_.stdout, new RegExp(`\\(node ${version.replaceAll(".", "\\.")}\\)`));
        const help = await cli(["--help"]);
        assert.equal(help.code, 0, help.stderr);
        assert.match(help.stdout, /\n  build\b/);

        const inspect = await cli(["inspect", "--from-env", "SUPPORT_DB_READ_URL", "--json", "--output", "synapsor.schema.json"]);
        assert.equal(inspect.code, 0, inspect.stderr);
        const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "generated", "--schema", "synapsor.schema.json"]);
        assert.equal(build.code, 0, build.stderr + build.stdout);

        // The operator's view: the bundle alone, with no node_modules in any parent directory.
        const runDir = join(dirname(installed.appDir), `run-${version}`);
        mkdirSync(runDir);
        const serverPath = join(runDir, "server.mjs");
        copyFileSync(join(project, "generated", "server.mjs"), serverPath);
        const tools = await runProcess(node(), [serverPath, "tools", "--json"], { cwd: runDir, env: env() });
        assert.equal(tools.code, 0, tools.stderr);
        assert.deepEqual((JSON.parse(tools.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name).sort(), TOOLS);

        const session = await connectStdio(serverPath, runDir, { SUPPORT_DB_READ_URL: db.url, ...TRUSTED }, ["--store", join(runDir, "ledger.db")], node());
        try {
          const read = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
          assert.equal(read.ok, true, JSON.stringify(read.error));
          assert.equal(read.data.late_fee_cents, 2500);
          const proposal = envelopeOf(
            await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "T-1001: first late payment in two years" } }),
          );
          assert.equal(proposal.ok, true, JSON.stringify(proposal.error));
          assert.equal(proposal.proposal.state, "review_required");
        } finally {
          await session.close();
        }
      });

      test("mcp serve builds the config and serves it over stdio", async () => {
        const transport = new StdioClientTransport({
          command: join(installed.appDir, "node_modules", ".bin", "synapsor-runner"),
          args: ["mcp", "serve", "--config", "synapsor.runner.json", "--store", join(project, "serve.db"), "--schema", "synapsor.schema.json"],
          cwd: project,
          env: withNodeFirst(node(), { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: db.url, ...TRUSTED }) as Record<string, string>,
          stderr: "pipe",
        });
        const client = new Client({ name: "synapsor-slow", version: "1.0.0" });
        await client.connect(transport);
        try {
          const { tools } = await client.listTools();
          assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
          const e = envelopeOf(await client.callTool({ name: "support.list_open_tickets", arguments: { customer_id: "C-101" } }));
          assert.equal(e.ok, true, JSON.stringify(e.error));
        } finally {
          await client.close();
        }
      });

      test("the demo runs end to end", async () => {
        const demo = await cli(["demo", "--dir", join(project, "demo")]);
        assert.equal(demo.code, 0, demo.stderr + demo.stdout);
        assert.match(demo.stdout, /\nDone in [\d.]+ s\./);
      });
    });
  }

  test(`Node.js ${TOO_OLD}, just below the floor: the CLI and a compiled server refuse in one line`, async () => {
    const tooOld = nodes.get(TOO_OLD)!;
    const expected = `synapsor-runner needs Node.js 22.16 or a later 22.x, or 24 or newer; this is Node.js ${TOO_OLD}.\n`;
    const cli = await runInstalledCli(installed, tooOld, ["--help"]);
    assert.deepEqual({ code: cli.code, stdout: cli.stdout, stderr: cli.stderr }, { code: 1, stdout: "", stderr: expected });
    const server = await runProcess(tooOld, [join(installed.appDir, `billing-${OLDEST}`, "generated", "server.mjs"), "tools"]);
    assert.deepEqual({ code: server.code, stdout: server.stdout, stderr: server.stderr }, { code: 1, stdout: "", stderr: expected });
  });
});
