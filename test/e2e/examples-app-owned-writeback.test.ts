// examples/app-owned-writeback run as its README says, on both engines: the example's config is
// built, the compiled server proposes over stdio, a person approves with the CLI, and `apply`
// hands the change to the example's own code — node/server.mjs over signed HTTP, or
// command/handler.mjs as a command — which imports the helper as "synapsor-runner/handler".

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT, runCli, runProcess } from "../support/cli.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { PACKAGE_SOURCE_FLAGS } from "../support/package-source.ts";
import { setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";
import { selectRows } from "../fixtures/handlers/billing-app.ts";

const EXAMPLE = join(REPO_ROOT, "examples", "app-owned-writeback");
const WAYS = ["node", "command"] as const;
type Way = (typeof WAYS)[number];
const TOKEN = "example-handler-token-0123456789";
const SECRET = "example-handler-secret-abcdef0123";


interface RunningApp {
  /** What the runner needs to reach the app's handler. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts node/server.mjs on a port of its choosing and waits for the line that names its URL. */
async function startNodeApp(databaseUrl: string): Promise<RunningApp> {
  const child: ChildProcess = spawn(process.execPath, [...PACKAGE_SOURCE_FLAGS, join(EXAMPLE, "node", "server.mjs")], {
    env: { PATH: process.env.PATH ?? "", APP_DATABASE_URL: databaseUrl, BILLING_HANDLER_TOKEN: TOKEN, BILLING_HANDLER_SECRET: SECRET, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the example handler did not start:\n${output}`)), 15_000);
    const collect = (d: Buffer) => {
      output += d.toString();
      const match = /listening on (http:\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.once("exit", (code) => reject(new Error(`the example handler exited ${code}:\n${output}`)));
  });
  return {
    env: { BILLING_HANDLER_URL: url, BILLING_HANDLER_TOKEN: TOKEN, BILLING_HANDLER_SECRET: SECRET },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** command/handler.mjs is started by the runner itself, once per apply, with the runner's environment. */
function commandApp(databaseUrl: string): RunningApp {
  const command = [process.execPath, ...PACKAGE_SOURCE_FLAGS, join(EXAMPLE, "command", "handler.mjs")].map((a) => `'${a}'`).join(" ");
  return { env: { BILLING_HANDLER_COMMAND: command, APP_DATABASE_URL: databaseUrl }, stop: async () => {} };
}

for (const engine of ["postgres", "mysql"] as const) {
  for (const way of WAYS) {
    describe(`examples/app-owned-writeback/${way} on ${engine}`, () => {
      let project: WritebackProject;
      let app: RunningApp;

      before(async () => {
        project = await setUpWriteback(engine, "srexa", () => exampleConfigFor(engine, join(EXAMPLE, way, "synapsor.runner.json")));
        await project.db.exec(readFileSync(join(EXAMPLE, `app.${engine}.sql`), "utf8"));
        app = way === "node" ? await startNodeApp(project.db.url) : commandApp(project.db.url);
      });

      after(async () => {
        await app?.stop();
        await project?.close();
      });

      const apply = (id: string) =>
        runCli(["apply", "--proposal", id, "--config", project.built.configPath, "--store", project.store, "--json"], { env: { ...project.env, ...app.env } });
      const invoice = async () => (await selectRows(project.db, "SELECT late_fee_cents, status, waiver_reason FROM invoices WHERE id = 'INV-3001'"))[0];
      const waivers = () => selectRows(project.db, "SELECT proposal_id, tenant_id, invoice_id, old_late_fee_cents, new_late_fee_cents, approved_by FROM late_fee_waivers");

      test("propose over MCP, approve with the CLI, apply: the app writes once; the second apply is already_applied", async () => {
        const p = await project.propose("INV-3001");
        assert.equal(p.ok, true, p.summary);
        assert.equal(p.proposal.writeback.mode, "app_handler");
        await project.approve(p.proposal.id);

        const first = await apply(p.proposal.id);
        assert.equal(first.code, 0, first.stderr + first.stdout);
        const receipt = JSON.parse(first.stdout);
        assert.equal(receipt.status, "applied");
        assert.equal(receipt.executor.type, way === "node" ? "http_handler" : "command_handler");
        assert.equal(receipt.rows_affected, 2);
        assert.deepEqual(receipt.details.effects.map((e: any) => e.table), ["invoices", "late_fee_waivers"]);
        assert.deepEqual(await invoice(), { late_fee_cents: 0, status: "open", waiver_reason: "loop test" });
        const expectedWaiver = { proposal_id: p.proposal.id, tenant_id: "tenant_acme", invoice_id: "INV-3001", old_late_fee_cents: 2500, new_late_fee_cents: 0, approved_by: "dana" };
        assert.deepEqual(await waivers(), [expectedWaiver]);

        const second = await apply(p.proposal.id);
        assert.equal(second.code, 0, second.stderr + second.stdout);
        assert.equal(JSON.parse(second.stdout).status, "already_applied");
        assert.deepEqual(await waivers(), [expectedWaiver], "the app wrote once");
        const handlerReceipts = await selectRows(project.db, "SELECT idempotency_key, status FROM synapsor_handler_receipts");
        assert.deepEqual(handlerReceipts, [{ idempotency_key: `${p.proposal.id}:INV-3001`, status: "applied" }]);
      });
    });
  }
}

test("node/ and command/ differ only in how the runner reaches the app", () => {
  const [node, command] = WAYS.map((way) => JSON.parse(readFileSync(join(EXAMPLE, way, "synapsor.runner.json"), "utf8")));
  assert.equal(node.executors.billing_app.type, "http_handler");
  assert.equal(command.executors.billing_app.type, "command_handler");
  assert.deepEqual({ ...node, executors: null }, { ...command, executors: null });
});

test("the package ships the example, but not what running it leaves behind", async () => {
  // A copy of package.json and examples/, with what `npm install`, `build` and a ledger leave in
  // an example directory, packed with the package's own "files" rules (no build: --ignore-scripts).
  const dir = tempDir("synapsor-pack-");
  try {
    cpSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
    cpSync(join(REPO_ROOT, "examples"), join(dir, "examples"), { recursive: true });
    const leftovers = ["node_modules/pg/index.js", "package-lock.json", "out/server.mjs", "out/src/server.ts", ".synapsor/app-owned-writeback.db"];
    for (const file of leftovers) {
      const path = join(dir, "examples", "app-owned-writeback", "node", file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, "left behind\n");
    }
    const packed = await runProcess("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], { cwd: dir });
    assert.equal(packed.code, 0, packed.stderr);
    const files: string[] = JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path);
    const example = files.filter((f) => f.startsWith("examples/app-owned-writeback/"));
    for (const file of ["README.md", "app.postgres.sql", "app.mysql.sql", "late-fee-waiver.mjs", "node/README.md", "node/server.mjs", "node/synapsor.runner.json", "command/README.md", "command/handler.mjs", "command/synapsor.runner.json"]) {
      assert.ok(example.includes(`examples/app-owned-writeback/${file}`), `${file} is missing from the package`);
    }
    assert.deepEqual(example.filter((f) => leftovers.some((left) => f.endsWith(`/node/${left}`))), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
