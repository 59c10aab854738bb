// `synapsor-runner mcp serve` / `serve-streamable-http` and `tools preview` as an operator
// runs them: real CLI processes, a real Postgres, the MCP SDK's real client.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CLI, runCli, runProcess } from "../support/cli.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { freePort } from "../support/ports.ts";
import { hostname } from "node:os";
import { leasePath, readLease } from "../../runtime/ledger/lease.ts";
import { defaultStorePath } from "../../compiler/config/paths.ts";

const SECRET_PASSWORD = "Pw-serve-NEVER-LEAK-61b0";
const SECRET_TOKEN = "tok-serve-NEVER-LEAK-77aa-0000";
const LEDGER_KEY = "mcp-serve-postgres-ledger-key-0123456789";

interface ServeSession {
  client: Client;
  stderr: () => string;
  protocolErrors: Error[];
  close(): Promise<void>;
}

/** Starts `synapsor-runner mcp serve …` as an MCP client would configure it, and connects. */
function connectServe(args: string[], env: Record<string, string>): Promise<ServeSession> {
  return connectCommand(process.execPath, [CLI, "mcp", "serve", ...args], env);
}

/** Starts a server command (as a client snippet gives it) and connects. */
async function connectCommand(command: string, args: string[], env: Record<string, string>): Promise<ServeSession> {
  const transport = new StdioClientTransport({
    command,
    args,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "synapsor-serve-e2e", version: "1.0.0" });
  // Any byte on stdout that is not an MCP message (a progress line, say) surfaces here.
  const protocolErrors: Error[] = [];
  client.onerror = (err) => protocolErrors.push(err);
  await client.connect(transport);
  return { client, stderr: () => stderr, protocolErrors, close: () => client.close() };
}

function cacheEntries(dir: string): string[] {
  const cache = join(dir, ".synapsor", "cache");
  return existsSync(cache) ? readdirSync(cache).filter((name) => !name.startsWith(".")) : [];
}

describe("mcp serve and tools preview through the main CLI", () => {
  let db: TestDatabase;
  let dir: string;
  let configPath: string;
  let env: Record<string, string>;
  const config = exampleConfigFor("postgres");

  before(async () => {
    db = await createPostgresDatabase("srmcp");
    await seedExample(db);
    const url = new URL(db.url);
    url.password = SECRET_PASSWORD; // local Postgres trusts and ignores it; it must still never be printed
    env = {
      SUPPORT_DB_READ_URL: url.toString(),
      SUPPORT_DB_WRITE_URL: `${url.toString()}?w=${SECRET_PASSWORD}`,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-serve",
    };
    dir = tempDir("synapsor-serve-");
    configPath = join(dir, "synapsor.runner.json");
    copyFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), join(dir, "synapsor.schema.json"));
    writeFileSync(configPath, JSON.stringify({ ...config, build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
  });

  after(async () => {
    await db?.drop();
  });

  test("mcp serve builds into the cache, answers over stdio, and a second run reuses the build", async () => {
    const store = join(dir, "ledger.db");
    const first = await connectServe(["--config", configPath, "--store", store], env);
    let serverPath: string;
    let builtAt: number;
    try {
      const { tools } = await first.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"]);
      const e = envelopeOf(await first.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, true);
      assert.equal(e.data.id, "INV-3001");
      assert.equal("internal_notes" in e.data, false);
      assert.match(first.stderr(), /built .*synapsor\.runner\.json into .*\.synapsor\/cache\//);
      const entries = cacheEntries(dir);
      assert.equal(entries.length, 1);
      serverPath = join(dir, ".synapsor", "cache", entries[0]!, "server.mjs");
      builtAt = statSync(serverPath).mtimeMs;
      assert.ok(existsSync(store), "the ledger goes where --store says");
    } finally {
      await first.close();
    }
    assert.deepEqual(first.protocolErrors, [], "stdout carried only MCP messages");

    const second = await connectServe(["--config", configPath, "--store", store, "--alias-mode", "openai"], env);
    try {
      assert.match(second.stderr(), /using the cached build/);
      assert.doesNotMatch(second.stderr(), /type-checking|bundling/);
      assert.equal(statSync(serverPath).mtimeMs, builtAt, "server.mjs was not rewritten");
      assert.deepEqual(cacheEntries(dir).length, 1);
      const { tools } = await second.client.listTools();
      assert.ok(tools.some((t) => t.name === "billing__inspect_invoice"), "serve flags reach the server");
      const e = envelopeOf(await second.client.callTool({ name: "support__list_open_tickets", arguments: { customer_id: "C-101" } }));
      assert.deepEqual(e.data.rows.map((r: any) => r.id), ["T-1001", "T-1003"]);
    } finally {
      await second.close();
    }
  });

  test("mcp serve refuses a store another live server holds, and serves beside it with --allow-concurrent-store", async () => {
    const store = join(dir, "leased.db");
    // This test process plays the other server: its pid is alive on this host.
    const other = { pid: process.pid, hostname: hostname(), mode: "review", transport: "http", started_at: new Date().toISOString(), runner_version: "0", allow_concurrent: false };
    writeFileSync(leasePath(store), JSON.stringify({ version: 1, holders: [other] }));
    const refused = await runCli(["mcp", "serve", "--config", configPath, "--store", store], { env: { PATH: process.env.PATH ?? "", ...env }, input: "" });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`already used by an HTTP server \\(pid ${process.pid}.*--allow-concurrent-store`, "s"));
    assert.equal(refused.stderr.includes(SECRET_PASSWORD), false);

    const beside = await connectServe(["--config", configPath, "--store", store, "--allow-concurrent-store"], env);
    try {
      assert.equal(envelopeOf(await beside.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } })).ok, true);
      const holders = readLease(store).holders;
      assert.equal(holders.length, 2);
      assert.deepEqual([holders[1]!.transport, holders[1]!.allow_concurrent], ["stdio", true]);
    } finally {
      await beside.close();
    }
  });

  test("mcp serve --store-url-env VAR serves on the Postgres ledger in VAR: the read's evidence is there, no SQLite file is made", async () => {
    const ledgerDb = await createPostgresDatabase("srmcpledger");
    const pgEnv = { ...env, MCP_LEDGER_URL: ledgerDb.url, SYNAPSOR_LEDGER_KEY: LEDGER_KEY };
    try {
      const session = await connectServe(["--config", configPath, "--store-url-env", "MCP_LEDGER_URL"], pgEnv);
      let bundle: string;
      try {
        const e = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
        assert.equal(e.ok, true, JSON.stringify(e.error));
        bundle = e.evidence.bundle_id;
        assert.match(session.stderr(), /"store":"postgres \(MCP_LEDGER_URL\)"/);
      } finally {
        await session.close();
      }
      const shown = await runCli(["evidence", "show", bundle, "--store-url-env", "MCP_LEDGER_URL", "--json"], { env: { ...process.env, ...pgEnv } });
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.stdout).capability, "billing.inspect_invoice");
      assert.equal(existsSync(defaultStorePath({}, configPath)), false, "no SQLite ledger next to the config");
      for (const output of [session.stderr(), shown.stderr]) assert.equal(output.includes(ledgerDb.name), false, "the ledger URL was printed");
    } finally {
      await ledgerDb.drop();
    }
  });

  test("mcp config --store-url-env VAR: the snippet names VAR (no URL, no path), says the env file must define it, and a client started from it serves on that ledger", async () => {
    const ledgerDb = await createPostgresDatabase("srmcpsnippet");
    const envFile = join(dir, "snippet.env");
    // The client's side: the env file holds the values, the snippet only names them. (Written
    // first: Node 24 stops a script given `--env-file` with a missing file, even after the script name.)
    const values = { ...env, SNIPPET_LEDGER_URL: ledgerDb.url, SYNAPSOR_LEDGER_KEY: LEDGER_KEY };
    writeFileSync(envFile, Object.entries(values).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
    try {
      const config = await runCli(["mcp", "config", "generic", "--config", configPath, "--store-url-env", "SNIPPET_LEDGER_URL", "--env-file", envFile], { env: { PATH: process.env.PATH ?? "" } });
      assert.equal(config.code, 0, config.stderr);
      const server = JSON.parse(config.stdout).mcpServers["synapsor-runner"];
      assert.deepEqual(server.args.slice(-2), ["--store-url-env", "SNIPPET_LEDGER_URL"]);
      assert.equal(server.args.includes("--store"), false);
      assert.match(config.stderr, new RegExp(`define SNIPPET_LEDGER_URL and SYNAPSOR_LEDGER_KEY \\(the ledger keys, the same value on every server\\) in ${envFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));

      const session = await connectCommand(server.command, server.args, {});
      let bundle: string;
      try {
        const e = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3002" } }));
        assert.equal(e.ok, true, JSON.stringify(e.error));
        bundle = e.evidence.bundle_id;
      } finally {
        await session.close();
      }
      const listed = await runCli(["evidence", "list", "--store-url-env", "SNIPPET_LEDGER_URL", "--json"], { env: { ...process.env, ...values } });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout).map((item: { id: string }) => item.id), [bundle]);
      assert.equal(config.stdout.includes(ledgerDb.name) || config.stderr.includes(ledgerDb.name), false);
    } finally {
      await ledgerDb.drop();
    }
  });

  test("mcp config: without a store flag a config's storage.postgres_url_env is used; with neither it asks for one; both or a URL are refused", async () => {
    const pgConfig = join(dir, "pg.runner.json");
    writeFileSync(pgConfig, JSON.stringify({ ...config, storage: { postgres_url_env: "CONTRACT_LEDGER_URL" }, build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
    const cliEnv = { PATH: process.env.PATH ?? "" };
    const fromContract = await runCli(["mcp", "config", "openai-agents", "--config", pgConfig], { env: cliEnv });
    assert.equal(fromContract.code, 0, fromContract.stderr);
    const args: string[] = JSON.parse(fromContract.stdout).start_server.args;
    assert.deepEqual(args.slice(args.indexOf("--store-url-env"), args.indexOf("--store-url-env") + 2), ["--store-url-env", "CONTRACT_LEDGER_URL"]);
    assert.match(fromContract.stderr, /define CONTRACT_LEDGER_URL and SYNAPSOR_LEDGER_KEY/);

    const neither = await runCli(["mcp", "config", "generic", "--config", configPath], { env: cliEnv });
    assert.equal(neither.code, 1);
    assert.equal(neither.stdout, "");
    assert.match(neither.stderr, /Say which ledger the server writes: pass --store FILE .* or --store-url-env VAR/);
    const both = await runCli(["mcp", "config", "generic", "--config", configPath, "--store", "s.db", "--store-url-env", "X_URL"], { env: cliEnv });
    assert.equal(both.code, 1);
    assert.match(both.stderr, /not both/);
    const pasted = await runCli(["mcp", "config", "cursor", "--config", pgConfig, "--store-url-env", `postgres://u:${SECRET_PASSWORD}@db/ledger`], { env: cliEnv });
    assert.equal(pasted.code, 1);
    assert.equal(pasted.stdout, "");
    assert.match(pasted.stderr, /--store-url-env takes the NAME of an environment variable/);
    assert.equal(pasted.stderr.includes(SECRET_PASSWORD), false);
  });

  test("mcp serve and serve-streamable-http refuse --store with --store-url-env, an unset variable (exit 2) and a URL in place of a name, before building", async () => {
    const cliEnv = { PATH: process.env.PATH ?? "", ...env, SERVE_TOKEN: SECRET_TOKEN };
    const http = ["mcp", "serve-streamable-http", "--auth-token-env", "SERVE_TOKEN"];
    for (const command of [["mcp", "serve"], http]) {
      const both = await runCli([...command, "--config", configPath, "--store", join(dir, "both.db"), "--store-url-env", "MCP_LEDGER_URL"], { env: { ...cliEnv, MCP_LEDGER_URL: "postgres://x@127.0.0.1/y" } });
      assert.equal(both.code, 1, both.stderr);
      assert.match(both.stderr, /Pass either --store FILE \(a SQLite ledger\) or --store-url-env VAR \(a Postgres ledger\), not both/);
      const unset = await runCli([...command, "--config", configPath, "--store-url-env", "UNSET_LEDGER_URL"], { env: cliEnv });
      assert.equal(unset.code, 2, unset.stderr);
      assert.match(unset.stderr, /The environment variable UNSET_LEDGER_URL is not set; it must hold the URL of the Postgres ledger/);
      const pasted = await runCli([...command, "--config", configPath, "--store-url-env", `postgres://u:${SECRET_PASSWORD}@127.0.0.1/ledger`], { env: cliEnv });
      assert.equal(pasted.code, 1, pasted.stderr);
      assert.match(pasted.stderr, /--store-url-env takes the NAME of an environment variable/);
      for (const run of [both, unset, pasted]) {
        assert.equal(run.stdout, "");
        assert.doesNotMatch(run.stderr, /built |using the cached build/, "refused before any build");
        assert.equal(run.stderr.includes(SECRET_PASSWORD), false);
        assert.equal(run.stderr.includes(SECRET_TOKEN), false);
      }
    }
    assert.equal(existsSync(join(dir, "both.db")), false);
  });

  test("a changed config rebuilds; without any snapshot it builds against the live schema and says so", async () => {
    const liveDir = tempDir("synapsor-serve-live-");
    const livePath = join(liveDir, "synapsor.runner.json");
    const changed = structuredClone(config);
    changed.capabilities[0].description = "Look up one invoice by id (changed wording).";
    writeFileSync(livePath, JSON.stringify(changed, null, 2) + "\n");
    const session = await connectServe(["--config", livePath, "--store", join(liveDir, "ledger.db")], env);
    try {
      const { tools } = await session.client.listTools();
      assert.match(tools.find((t) => t.name === "billing.inspect_invoice")!.description ?? "", /changed wording/);
      assert.match(session.stderr(), /live schema of source 'app_db' \(SUPPORT_DB_READ_URL\)/);
      assert.match(session.stderr(), /built /);
      // The snapshot read for the cache key is the one the build uses: one inspection, not two.
      assert.equal(session.stderr().match(/inspecting the live database/g)?.length, 1, session.stderr());
      assert.equal(session.stderr().includes(SECRET_PASSWORD), false);
      assert.equal(cacheEntries(liveDir).length, 1);
    } finally {
      await session.close();
    }
  });

  /** Starts `mcp serve-streamable-http` on a free port and waits until the compiled server listens. */
  async function startHttp(options: { detached?: boolean; extraArgs?: (port: number) => string[] } = {}) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [CLI, "mcp", "serve-streamable-http", "--config", configPath, "--store", join(dir, "ledger-http.db"), "--auth-token-env", "SERVE_TOKEN", "--port", String(port), ...(options.extraArgs?.(port) ?? [])],
      { env: { PATH: process.env.PATH ?? "", ...env, SERVE_TOKEN: SECRET_TOKEN }, stdio: ["ignore", "pipe", "pipe"], detached: options.detached ?? false },
    );
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
      child.stderr!.on("data", () => {
        if (stderr.includes("server_started")) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    return { child, port, url: `http://127.0.0.1:${port}/mcp`, exited, stderr: () => stderr };
  }

  test("mcp serve-streamable-http answers with the bearer token, 401 without, and stops on SIGTERM", async () => {
    const { child, url, exited, stderr } = await startHttp();
    const client = new Client({ name: "synapsor-serve-http", version: "1.0.0" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${SECRET_TOKEN}` } } }));
      const e = envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3002" } }));
      assert.equal(e.ok, true);
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      const none = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }, body });
      assert.equal(none.status, 401);
    } finally {
      await client.close();
    }
    child.kill("SIGTERM"); // to the CLI only, as a supervisor would: it must pass it on
    assert.equal(await exited, 0, `the forwarded SIGTERM shuts the server down cleanly:\n${stderr()}`);
    assert.match(stderr(), /server_stopped/);
    await assert.rejects(fetch(url, { method: "POST", body: "{}" }), "the compiled server is gone too");
    assert.equal(stderr().includes(SECRET_TOKEN), false);
  });

  test("--allowed-host and --allowed-origin reach the server; Ctrl-C (SIGINT to the process group) shuts down gracefully", async () => {
    const { child, port, url, exited, stderr } = await startHttp({
      detached: true,
      extraArgs: (p) => ["--allowed-host", `127.0.0.1:${p}`, "--allowed-origin", "https://app.example"],
    });
    const post = (target: string, origin?: string) =>
      fetch(target, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${SECRET_TOKEN}`,
          ...(origin ? { origin } : {}),
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    assert.equal((await post(url, "https://app.example")).status, 200);
    assert.equal((await post(url, "https://evil.example")).status, 403);
    assert.equal((await post(`http://localhost:${port}/mcp`)).status, 403, "--allowed-host replaced the loopback defaults");
    process.kill(-child.pid!, "SIGINT");
    assert.equal(await exited, 0, `Ctrl-C must reach the server exactly once, so it shuts down cleanly:\n${stderr()}`);
    assert.match(stderr(), /server_stopped/);
  });

  test("a broken config exits 1 with a pointer to the problem and nothing on stdout", async () => {
    const broken = structuredClone(config);
    broken.capabilities[0].visible_columns.push("no_such_column");
    const brokenPath = join(dir, "broken.runner.json");
    writeFileSync(brokenPath, JSON.stringify({ ...broken, build: { schema_snapshot: "synapsor.schema.json" } }, null, 2));
    const result = await runCli(["mcp", "serve", "--config", brokenPath, "--store", join(dir, "x.db")], { env: { ...process.env, ...env } });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /broken\.runner\.json#\/capabilities\/0\/visible_columns\/\d+\s+UNKNOWN_COLUMN/);
    assert.match(result.stderr, /fix: /);

    const missing = await runCli(["mcp", "serve-streamable-http", "--config", configPath, "--auth-token-env", "NOT_SET_ANYWHERE"], { env: { ...process.env, ...env } });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NOT_SET_ANYWHERE .* is not set/);
  });

  test("mcp serve --help and serve-streamable-http --help describe the flags", async () => {
    const serve = await runCli(["mcp", "serve", "--help"]);
    assert.equal(serve.code, 0);
    for (const flag of ["--config", "--store", "--store-url-env", "--schema", "--from-env", "--alias-mode", "--pool-size", "--allow-concurrent-store"]) assert.match(serve.stdout, new RegExp(flag));
    const http = await runCli(["mcp", "serve-streamable-http", "--help"]);
    assert.equal(http.code, 0);
    for (const flag of ["--store-url-env", "--auth-token-env", "--host", "--port", "--allowed-origin", "--allowed-host", "--allow-concurrent-store"]) assert.match(http.stdout, new RegExp(flag));
    const up = await runCli(["up", "--help"]);
    assert.match(up.stdout, /--allow-concurrent-store/);
    assert.match(up.stdout, /--store-url-env/);
  });

  test("tools preview against the live schema matches the compiled server's own tool list and leaks no secret", async () => {
    const preview = await runCli(["tools", "preview", "--config", configPath, "--from-env", "SUPPORT_DB_READ_URL", "--json"], {
      env: { ...process.env, ...env },
    });
    assert.equal(preview.code, 0, preview.stderr);
    const body = JSON.parse(preview.stdout);
    // The cached server from the first test is the bundle `mcp serve` runs.
    const [entry] = cacheEntries(dir);
    const listed = await runProcess(process.execPath, [join(dir, ".synapsor", "cache", entry!, "server.mjs"), "tools", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(body.tools, JSON.parse(listed.stdout).tools, "the preview shows exactly what the server lists");
    const invoices = body.never_exposed.capabilities.find((c: any) => c.capability === "billing.inspect_invoice");
    assert.deepEqual(invoices.hidden_columns, ["internal_notes"]);
    const text = await runCli(["tools", "preview", "--config", configPath, "--from-env", "SUPPORT_DB_READ_URL"], { env: { ...process.env, ...env } });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /SUPPORT_DB_READ_URL/);
    for (const output of [preview.stdout, preview.stderr, text.stdout, text.stderr]) {
      assert.equal(output.includes(SECRET_PASSWORD), false, "a credential value was printed");
      assert.equal(output.includes("127.0.0.1:5432"), false, "the database URL was printed");
    }
  });
});
