// The compiled server's behaviour around the happy path: start-up refusals, an unreachable
// database, other MCP client generations and OpenAI-style aliases. The official conformance
// suite runs against the same compiled server in test/slow/mcp-conformance.test.ts.
// Built once from the committed schema snapshot, so most of this needs no database at all.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Client as Client2 } from "@modelcontextprotocol/client";
import { StreamableHTTPClientTransport as Http2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as Stdio2 } from "@modelcontextprotocol/client/stdio";
import { runProcess } from "../support/cli.ts";
import { buildServer, connectHttp, connectStdio, envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";

const UNREACHABLE_URL = "postgres://reader:Hidden-Pw-7781@127.0.0.1:1/nowhere";

describe("compiled server around the happy path", () => {
  let built: Awaited<ReturnType<typeof buildServer>>;
  let db: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    db = await createPostgresDatabase("srrt");
    await seedExample(db);
    const config = exampleConfigFor("postgres");
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    built = await buildServer(config, process.env);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-rt" };
  });
  after(() => db?.drop());

  const serve = (extraEnv: Record<string, string>, args: string[]) =>
    runProcess(process.execPath, [built.serverPath, "serve", ...args], {
      cwd: built.runDir,
      env: { PATH: process.env.PATH ?? "", ...env, ...extraEnv },
      timeoutMs: 15_000,
    });

  test("an unreachable database gives TEMPORARILY_UNAVAILABLE, retryable, with no driver text", async () => {
    const s = await connectStdio(built.serverPath, built.runDir, { ...env, SUPPORT_DB_READ_URL: UNREACHABLE_URL }, ["--store", join(built.runDir, "down.db")]);
    try {
      const e = envelopeOf(await s.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, false);
      assert.deepEqual(Object.keys(e.error).sort(), ["code", "message", "retryable"]);
      assert.equal(e.error.code, "TEMPORARILY_UNAVAILABLE");
      assert.equal(e.error.retryable, true);
      const text = JSON.stringify(e);
      assert.doesNotMatch(text, /ECONNREFUSED|127\.0\.0\.1|Hidden-Pw|connect /);
      const ledger = readFileSync(join(built.runDir, "down.db"));
      assert.equal(ledger.includes("Hidden-Pw-7781"), false, "the password does not reach the ledger");
      assert.doesNotMatch(s.stderr(), /Hidden-Pw-7781/);
    } finally {
      await s.close();
    }
  });

  test("an unwritable store path stops the server at start-up with a clear message", async () => {
    const locked = join(tempDir(), "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const asRoot = process.getuid?.() === 0;
    // root ignores directory permissions, so use a path under a regular file instead.
    const store = asRoot ? join(built.serverPath, "ledger.db") : join(locked, "ledger.db");
    const r = await serve({}, ["--transport", "stdio", "--store", store]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /store/i);
    assert.doesNotMatch(r.stderr, /SQLITE_|at .*\.js:\d+/);
    assert.equal(r.stdout, "");
  });

  test("missing trusted context or credentials stop the server before it serves", async () => {
    const noTenant = await serve({ SYNAPSOR_TENANT_ID: "" }, ["--transport", "stdio", "--store", join(built.runDir, "x.db")]);
    assert.equal(noTenant.code, 1);
    assert.match(noTenant.stderr, /SYNAPSOR_TENANT_ID/);
    const noUrl = await serve({ SUPPORT_DB_READ_URL: "" }, ["--transport", "stdio", "--store", join(built.runDir, "x.db")]);
    assert.equal(noUrl.code, 1);
    assert.match(noUrl.stderr, /SUPPORT_DB_READ_URL/);
    const noToken = await serve({}, ["--transport", "http", "--port", "0", "--store", join(built.runDir, "x.db")]);
    assert.equal(noToken.code, 1);
    assert.match(noToken.stderr, /--auth-token-env/);
    const badFlag = await serve({}, ["--transport", "carrier-pigeon"]);
    assert.equal(badFlag.code, 1);
    assert.match(badFlag.stderr, /--transport/);
  });

  test("an HTTP port already in use stops the server with the fix, no stack trace, and the process exits", async () => {
    const { createServer } = await import("node:net");
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, "127.0.0.1", resolve));
    const port = (occupant.address() as { port: number }).port;
    try {
      const r = await serve({}, ["--transport", "http", "--port", String(port), "--allow-unauthenticated", "--store", join(built.runDir, "inuse.db")]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use; pass --port`));
      assert.doesNotMatch(r.stderr, /EADDRINUSE|at .*:\d+:\d+/);
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });

  test("tools and version work without any environment", async () => {
    const tools = await runProcess(process.execPath, [built.serverPath, "tools", "--json"], { cwd: built.runDir, env: { PATH: process.env.PATH ?? "" } });
    assert.equal(tools.code, 0, tools.stderr);
    const list = JSON.parse(tools.stdout).tools as Array<{ name: string }>;
    assert.deepEqual(list.map((t) => t.name), ["billing.inspect_invoice", "support.list_open_tickets", "billing.propose_late_fee_waiver"]);
    // The text form tells a read from a proposal by its hints (tools/list sends no `_meta.kind`).
    const text = await runProcess(process.execPath, [built.serverPath, "tools"], { cwd: built.runDir, env: { PATH: process.env.PATH ?? "" } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^billing\.inspect_invoice {2}\[read\]$/m);
    assert.match(text.stdout, /^support\.list_open_tickets {2}\[read\]$/m);
    assert.match(text.stdout, /^billing\.propose_late_fee_waiver {2}\[proposal \(review only\)\]$/m);
    const version = await runProcess(process.execPath, [built.serverPath, "version", "--json"], { cwd: built.runDir, env: { PATH: process.env.PATH ?? "" } });
    assert.equal(JSON.parse(version.stdout).capabilities, 3);
  });

  test("--help, alone or after a command, prints the usage and exits 0 without any environment", async () => {
    for (const args of [["--help"], ["-h"], ["serve", "--help"], ["serve", "--transport", "http", "-h"], ["tools", "--help"], ["version", "--help"]]) {
      const r = await runProcess(process.execPath, [built.serverPath, ...args], { cwd: built.runDir, env: { PATH: process.env.PATH ?? "" } });
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: node server\.mjs <command> \[options\]/, args.join(" "));
      assert.match(r.stdout, /--transport stdio\|http/, args.join(" "));
      assert.equal(r.stderr, "", `${args.join(" ")} starts no server and logs nothing`);
    }
  });

  test("--alias-mode openai exposes function-safe names that still call the canonical capability", async () => {
    const s = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "alias.db"), "--alias-mode", "openai"]);
    try {
      const { tools } = await s.client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ["billing__inspect_invoice", "support__list_open_tickets", "billing__propose_late_fee_waiver"]);
      for (const t of tools) assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
      assert.match(tools[0]!.description ?? "", /billing\.inspect_invoice/);
      assert.equal((tools[0]!._meta as any).canonical_capability, "billing.inspect_invoice");
      const e = envelopeOf(await s.client.callTool({ name: "billing__inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, true);
      assert.equal(e.action, "billing.inspect_invoice");
      assert.equal(e._meta.canonical_capability, "billing.inspect_invoice");
    } finally {
      await s.close();
    }
  });

  test("a client of the 2.x SDK line works over stdio and HTTP", async () => {
    const stdio = new Client2({ name: "v2-stdio", version: "1.0.0" });
    await stdio.connect(
      new Stdio2({
        command: process.execPath,
        args: [built.serverPath, "serve", "--transport", "stdio", "--store", join(built.runDir, "v2.db")],
        cwd: built.runDir,
        env: { PATH: process.env.PATH ?? "", ...env },
        stderr: "ignore",
      }),
    );
    try {
      const tools = await stdio.listTools();
      assert.equal(tools.tools.length, 3);
      const e = envelopeOf(await stdio.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.data.id, "INV-3001");
    } finally {
      await stdio.close();
    }

    const token = "v2-http-token-0123456789abcdef";
    const http = await connectHttp(built.serverPath, built.runDir, env, token, ["--store", join(built.runDir, "v2h.db")]);
    const client = new Client2({ name: "v2-http", version: "1.0.0" });
    try {
      await client.connect(new Http2(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      const e = envelopeOf(await client.callTool({ name: "support.list_open_tickets", arguments: { customer_id: "C-101" } }));
      assert.equal(e.data.count, 2);
      await client.close();
    } finally {
      await http.close();
    }
  });
});
