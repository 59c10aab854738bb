// Graceful shutdown beyond the compiled HTTP server (issue 10, item 3): the compiled server over
// stdio, and the operator commands that run it as a child (`mcp serve`, `mcp serve-streamable-http`),
// drain on SIGTERM. A table lock held by the test keeps a call in flight for as long as the test
// wants; the signal arrives while it waits, the reply still reaches the SDK client, and the exit
// code says whether the drain completed (0) or was cut short by --drain-timeout-ms (1).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { CLI, runCli } from "../support/cli.ts";
import { ChildStdioTransport } from "../support/child-stdio-transport.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { buildServer, envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { lockMysqlTable, lockTable } from "../support/table-lock.ts";

interface Running {
  child: ChildProcess;
  client: Client;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** Spawns `command args` with piped stdio and connects the SDK Client to it. */
async function startStdio(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const client = new Client({ name: "synapsor-e2e-drain", version: "1.0.0" });
  await client.connect(new ChildStdioTransport(child));
  return { child, client, exited, stderr: () => stderr };
}

const inspect = (client: Client) => client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } });

describe("drain on SIGTERM over stdio and through the operator commands (postgres)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let configPath: string;

  before(async () => {
    db = await createDatabase("postgres", "drainio");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-drain" };
    const config = exampleConfigFor("postgres");
    // Long enough that a held call is finished by the lock's release, never by its timeout.
    for (const source of Object.values<any>(config.sources)) source.statement_timeout_ms = 25_000;
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    built = await buildServer(config, { ...process.env });
    // The operator commands build the same config into their own cache.
    const dir = tempDir("synapsor-drain-cli-");
    configPath = join(dir, "synapsor.runner.json");
    copyFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), join(dir, "synapsor.schema.json"));
    writeFileSync(configPath, JSON.stringify({ ...config, build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
  });
  after(async () => {
    await db?.drop();
  });

  /** Starts a call, holds it on the lock, signals, releases: the reply and the exit code. */
  async function drainWhileHeld(running: Running, signal: NodeJS.Signals) {
    const lock = await lockTable(db.url);
    try {
      const call = inspect(running.client).then(envelopeOf, (err: Error) => ({ dropped: err.message }));
      await lock.waitForBlockedRead();
      running.child.kill(signal);
      running.child.kill(signal); // a second signal (an impatient operator) changes nothing
      // Still draining while the call is held: the process has not exited.
      assert.equal(running.child.exitCode, null, running.stderr());
      await lock.release();
      return { envelope: await call, code: await running.exited };
    } finally {
      await lock.release();
    }
  }

  test("the compiled server over stdio: SIGTERM lets the call in flight answer, then exits 0 and releases the lease", async () => {
    const store = join(built.runDir, "stdio-drain.db");
    const running = await startStdio([built.serverPath, "serve", "--transport", "stdio", "--store", store], env);
    assert.equal(existsSync(`${store}.lease.json`), true);
    const { envelope, code } = await drainWhileHeld(running, "SIGTERM");
    assert.equal((envelope as any).ok, true, JSON.stringify(envelope));
    assert.equal((envelope as any).data.id, "INV-3001");
    assert.equal(code, 0, running.stderr());
    assert.equal(existsSync(`${store}.lease.json`), false, "the lease is released");
    assert.match(running.stderr(), /"event":"drain_started"/);
    assert.match(running.stderr(), /"event":"server_stopped"/);
    assert.doesNotMatch(running.stderr(), /drain_cut_short/);
  });

  test("the compiled server over stdio: a drain cut short by --drain-timeout-ms exits 1 and still releases the lease", async () => {
    const store = join(built.runDir, "stdio-cut.db");
    const running = await startStdio([built.serverPath, "serve", "--transport", "stdio", "--store", store, "--drain-timeout-ms", "200"], env);
    const lock = await lockTable(db.url);
    try {
      void inspect(running.client).catch(() => undefined);
      await lock.waitForBlockedRead();
      running.child.kill("SIGTERM");
      assert.equal(await running.exited, 1, running.stderr());
      assert.match(running.stderr(), /"event":"drain_cut_short"/);
      assert.equal(existsSync(`${store}.lease.json`), false, "the lease is released");
    } finally {
      await lock.release();
    }
  });

  test("mcp serve forwards SIGTERM to the server it runs: the call in flight answers and the CLI exits with its code 0", async () => {
    const store = join(tempDir("synapsor-drain-store-"), "serve.db");
    const running = await startStdio([CLI, "mcp", "serve", "--config", configPath, "--store", store, "--drain-timeout-ms", "20000"], env);
    const { envelope, code } = await drainWhileHeld(running, "SIGTERM");
    assert.equal((envelope as any).ok, true, JSON.stringify(envelope));
    assert.equal(code, 0, running.stderr());
    assert.equal(existsSync(`${store}.lease.json`), false);
  });

  test("mcp serve passes --drain-timeout-ms on: cut short, the CLI exits with the server's 1", async () => {
    const store = join(tempDir("synapsor-drain-store-"), "serve-cut.db");
    const running = await startStdio([CLI, "mcp", "serve", "--config", configPath, "--store", store, "--drain-timeout-ms", "200"], env);
    const lock = await lockTable(db.url);
    try {
      void inspect(running.client).catch(() => undefined);
      await lock.waitForBlockedRead();
      running.child.kill("SIGTERM");
      assert.equal(await running.exited, 1, running.stderr());
      assert.match(running.stderr(), /"event":"drain_cut_short"/);
    } finally {
      await lock.release();
    }
  });

  test("--help of mcp serve, mcp serve-streamable-http and up names --drain-timeout-ms", async () => {
    for (const command of [["mcp", "serve"], ["mcp", "serve-streamable-http"], ["up"]]) {
      const help = await runCli([...command, "--help"]);
      assert.equal(help.code, 0, command.join(" "));
      assert.match(help.stdout, /--drain-timeout-ms <n>\s+on SIGTERM\/SIGINT/, command.join(" "));
    }
    const http = await runCli(["mcp", "serve-streamable-http", "--help"]);
    // Commander wraps the help text; compare with the line breaks folded.
    assert.match(http.stdout.replace(/\s+/g, " "), /--auth-token-env <VAR> env var holding the bearer token clients must send \(required unless the config sets trusted_context\.http_jwt\)/);
  });

  test("mcp serve refuses a --drain-timeout-ms that is not under 30 s before building anything", async () => {
    const running = spawn(process.execPath, [CLI, "mcp", "serve", "--config", configPath, "--drain-timeout-ms", "30000"], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    running.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => running.once("exit", resolve));
    assert.notEqual(code, 0);
    assert.match(stderr, /--drain-timeout-ms must be a whole number from 1 to 29999/);
  });
});

describe("drain on SIGTERM over stdio (mariadb)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let built: Awaited<ReturnType<typeof buildServer>>;

  before(async () => {
    db = await createDatabase("mysql", "drainmy");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-drain" };
    const config = exampleConfigFor("mysql");
    for (const source of Object.values<any>(config.sources)) source.statement_timeout_ms = 25_000;
    built = await buildServer(config, { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
  });
  after(async () => {
    await db?.drop();
  });

  test("the call held by LOCK TABLES answers after SIGTERM; the pool closes and the process exits 0", async () => {
    const store = join(built.runDir, "stdio-drain-mysql.db");
    const running = await startStdio([built.serverPath, "serve", "--transport", "stdio", "--store", store], env);
    const lock = await lockMysqlTable(db.url);
    try {
      const call = inspect(running.client).then(envelopeOf, (err: Error) => ({ dropped: err.message }));
      await lock.waitForBlockedRead();
      running.child.kill("SIGTERM");
      assert.equal(running.child.exitCode, null, running.stderr());
      await lock.release();
      const envelope = await call;
      assert.equal((envelope as any).ok, true, JSON.stringify(envelope));
      assert.equal(await running.exited, 0, running.stderr());
      assert.equal(existsSync(`${store}.lease.json`), false, "the lease is released");
    } finally {
      await lock.release();
    }
  });
});
