// The installed package at the edges of "engines", with Node.js binaries installed from npm into a
// cache outside the repository on first use (so every machine runs the same versions). On the
// oldest release "engines" accepts, through the installed bin: help, inspect, build, the compiled
// server alone (tools, a stdio tool call), `mcp serve`, and the demo; installed-package.test.ts runs the
// same on the Node.js running the tests. Below the floor, the CLI and a compiled server refuse in one
// line: on the release just below it (whose node:sqlite the bundle could load) and on Node.js 20
// (which has none, so only deferred built-in imports let the guard speak). Slow (downloads on the
// first run, full builds on an old Node.js), hence `npm run test:slow`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { runProcess } from "../support/cli.ts";
import { connectStdio, envelopeOf } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { minorBefore, NODE_WITHOUT_SQLITE, nodeBinary, oldestSupportedNode } from "../support/node-binaries.ts";
import { packAndInstall, runInstalledCli, serveInstalledAndRead, type InstalledPackage } from "../support/package.ts";

const OLDEST = oldestSupportedNode();
const JUST_BELOW = minorBefore(OLDEST);
const TRUSTED = { SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-slow" };
const TOOLS = ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"];

describe("the installed package at the edges of the supported Node.js range", () => {
  let installed: InstalledPackage;
  let db: TestDatabase;
  const nodes = new Map<string, string>();

  before(async () => {
    const [pkg, database, ...binaries] = await Promise.all([
      packAndInstall(),
      createPostgresDatabase("srslow"),
      ...[OLDEST, JUST_BELOW, NODE_WITHOUT_SQLITE].map(async (version) => [version, await nodeBinary(version)] as const),
    ]);
    installed = pkg;
    db = database;
    await seedExample(db);
    for (const [version, binary] of binaries) nodes.set(version, binary);
  });

  after(async () => {
    installed?.remove();
    await db?.drop();
  });

  describe(`Node.js ${OLDEST}, the oldest supported release`, () => {
    const node = () => nodes.get(OLDEST)!;
    const env = () => ({ ...process.env, SUPPORT_DB_READ_URL: db.url, ...TRUSTED });
    let project: string;

    before(() => {
      project = join(installed.appDir, "billing-oldest");
      mkdirSync(project);
      copyFileSync(join(installed.packageDir, "examples/support-billing/synapsor.runner.json"), join(project, "synapsor.runner.json"));
    });

    const cli = (args: string[]) => runInstalledCli(installed, node(), args, { env: env(), cwd: project, timeoutMs: 180_000 });

    test("help, inspect and build; the compiled server, alone in an empty directory, lists its tools and answers a call", async () => {
      const version = await cli(["version"]);
      assert.equal(version.code, 0, version.stderr);
      assert.match(version.stdout, new RegExp(`\\(node ${OLDEST.replaceAll(".", "\\.")}\\)`));
      const help = await cli(["--help"]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /\n  build\b/);

      const inspect = await cli(["inspect", "--from-env", "SUPPORT_DB_READ_URL", "--json", "--output", "synapsor.schema.json"]);
      assert.equal(inspect.code, 0, inspect.stderr);
      const build = await cli(["build", "--config", "synapsor.runner.json", "--out", "generated", "--schema", "synapsor.schema.json"]);
      assert.equal(build.code, 0, build.stderr + build.stdout);

      // The operator's view: the bundle alone, with no node_modules in any parent directory.
      const runDir = join(dirname(installed.appDir), "run-oldest");
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
      const { tools, envelope } = await serveInstalledAndRead(installed, node(), {
        args: ["--config", "synapsor.runner.json", "--store", join(project, "serve.db"), "--schema", join(installed.packageDir, "examples/support-billing/synapsor.schema.json")],
        cwd: project,
        env: { SUPPORT_DB_READ_URL: db.url, ...TRUSTED },
      });
      assert.deepEqual(tools, TOOLS);
      assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
    });

    test("the demo runs end to end", async () => {
      const demo = await cli(["demo", "--dir", join(project, "demo")]);
      assert.equal(demo.code, 0, demo.stderr + demo.stdout);
      assert.match(demo.stdout, /\nDone in [\d.]+ s\./);
    });
  });

  describe("below the floor, the CLI and a compiled server refuse in one line, without a stack trace", () => {
    let serverPath: string;

    before(async () => {
      // Which Node.js builds the server does not matter; the one running the tests is the quickest.
      const project = join(installed.appDir, "billing-refusal");
      mkdirSync(project);
      const build = await runInstalledCli(
        installed,
        process.execPath,
        ["build", "--config", join(installed.packageDir, "examples/support-billing/synapsor.runner.json"), "--schema", join(installed.packageDir, "examples/support-billing/synapsor.schema.json"), "--out", "generated"],
        { cwd: project },
      );
      assert.equal(build.code, 0, build.stderr + build.stdout);
      serverPath = join(project, "generated", "server.mjs");
    });

    for (const version of [JUST_BELOW, NODE_WITHOUT_SQLITE]) {
      test(`Node.js ${version}`, async () => {
        const tooOld = nodes.get(version)!;
        const expected = `synapsor-runner needs Node.js 22.16 or a later 22.x, or 24 or newer; this is Node.js ${version}.\n`;
        const cli = await runInstalledCli(installed, tooOld, ["--help"]);
        assert.deepEqual({ code: cli.code, stdout: cli.stdout, stderr: cli.stderr }, { code: 1, stdout: "", stderr: expected });
        const server = await runProcess(tooOld, [serverPath, "tools"]);
        assert.deepEqual({ code: server.code, stdout: server.stdout, stderr: server.stderr }, { code: 1, stdout: "", stderr: expected });
      });
    }

    test(`Node.js ${NODE_WITHOUT_SQLITE} has no node:sqlite, so its refusal depends on the bundle deferring built-in imports`, async () => {
      const probe = await runProcess(nodes.get(NODE_WITHOUT_SQLITE)!, ["--input-type=module", "--eval", 'import "node:sqlite";']);
      assert.notEqual(probe.code, 0);
      assert.match(probe.stderr, /node:sqlite/);
    });
  });
});
