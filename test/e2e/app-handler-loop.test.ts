// The loop with app-owned executors: the model proposes through MCP, a person approves, and
// `apply` hands the approved change to the team's own handler, written with the helper,
// once over signed HTTP and once as a command. Real Postgres, real processes.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import pg from "pg";
import { createWritebackHandler } from "../../handler/index.ts";
import { nodeAdapter } from "../../handler/node.ts";
import { assertMatchesSchema } from "../support/protocol-schemas.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample, EXAMPLE_DIR } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";
import { WAIVER_LOG_SQL, exampleAppOptions } from "../fixtures/handlers/example-app.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/handlers/", import.meta.url));
const TOKEN = "app-handler-token-0123456789";
const SECRET = "app-handler-secret-abcdef";

describe("apply through app-owned handlers written with the helper", () => {
  let db: TestDatabase;
  let server: Server;
  let handler: ReturnType<typeof createWritebackHandler>;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;
  let env: NodeJS.ProcessEnv;
  let store: string;
  /** What the app's HTTP endpoint received (the raw body) and what the helper answered. */
  const exchanges: Array<{ body: string; answer: string }> = [];
  let stdinCapture: string;

  before(async () => {
    db = await createPostgresDatabase("srapp");
    await seedExample(db);
    await db.exec(WAIVER_LOG_SQL);
    stdinCapture = join(mkdtempSync(join(tmpdir(), "synapsor-stdin-")), "stdin.json");
    process.env.APP_HANDLER_TOKEN = TOKEN;
    process.env.APP_HANDLER_SECRET = SECRET;
    process.env.APP_DB_URL_FOR_HTTP = db.url;
    handler = createWritebackHandler(exampleAppOptions("APP_DB_URL_FOR_HTTP"));
    server = createServer(nodeAdapter(async (request) => {
      const response = await handler.handle(request);
      exchanges.push({ body: Buffer.from(request.body).toString("utf8"), answer: response.body });
      return response;
    }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;

    const config = JSON.parse(readFileSync(join(FIXTURES, "app-owned.runner.json"), "utf8"));
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    const readUrl = `${db.url}?application_name=reader`;
    env = {
      ...process.env,
      SUPPORT_DB_READ_URL: readUrl,
      SUPPORT_DB_WRITE_URL: db.url,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-app",
      BILLING_HANDLER_URL: `http://127.0.0.1:${port}/writeback`,
      BILLING_HANDLER_TOKEN: TOKEN,
      BILLING_HANDLER_SECRET: SECRET,
      // tee keeps a copy of what the command gets on stdin.
      BILLING_HANDLER_COMMAND: `tee "${stdinCapture}" | "${process.execPath}" "${join(FIXTURES, "example-app.ts")}" command`,
      APP_DB_URL: db.url,
    };
    built = await buildServer(config, env);
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
  });

  after(async () => {
    await session?.close();
    await new Promise((r) => server?.close(r));
    await handler?.close();
    await db?.drop();
    if (stdinCapture) rmSync(join(stdinCapture, ".."), { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(args, { env });
  const approveAndApply = async (proposalId: string) => {
    const approved = await cli(["proposals", "approve", proposalId, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(approved.code, 0, approved.stderr);
    return cli(["apply", "--proposal", proposalId, "--config", built.configPath, "--store", store, "--json"]);
  };
  const row = async (id: string) => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query("SELECT late_fee_cents, status FROM invoices WHERE id = $1", [id])).rows[0];
    } finally {
      await client.end();
    }
  };

  test("http_handler: the signed request is applied by the app, exactly once", async () => {
    const p = envelopeOf(
      await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage" } }),
    );
    assert.equal(p.proposal.writeback.mode, "app_handler");
    const applied = await approveAndApply(p.proposal.id);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    const receipt = JSON.parse(applied.stdout);
    assert.equal(receipt.status, "applied");
    assert.equal(receipt.executor.type, "http_handler");
    assert.deepEqual(receipt.details.effects.map((e: any) => e.table), ["invoices", "waiver_log"]);
    assert.deepEqual(await row("INV-3001"), { late_fee_cents: 0, status: "open" });
    assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", receipt, "apply --json");
    // What went over the wire, exactly as the app received it, and what the helper answered.
    const sent = exchanges.find((e) => JSON.parse(e.body).proposal_id === p.proposal.id)!;
    assert.ok(sent, "the app received the request");
    assertMatchesSchema("app-handler-request.v1", JSON.parse(sent.body), "the http_handler request body");
    assertMatchesSchema("app-handler-receipt.v1", JSON.parse(sent.answer), "the helper's applied answer");

    const again = await cli(["apply", "--proposal", p.proposal.id, "--config", built.configPath, "--store", store, "--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, "already_applied");
    assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", JSON.parse(again.stdout), "apply --json (again)");
    const shown = JSON.parse((await cli(["proposals", "show", p.proposal.id, "--store", store, "--json"])).stdout);
    assertMatchesSchema("change-set.v1", shown.changeSet, "proposals show --json changeSet");
    assert.deepEqual(shown.changeSet, JSON.parse(sent.body).change_set, "show prints the change set apply sent");
    for (const job of shown.writebackJobs) assertMatchesSchema("writeback-job.v1", job.request, "a recorded writeback job");
    const receipts = JSON.parse((await cli(["receipts", "list", "--store", store, "--proposal", p.proposal.id, "--json"])).stdout);
    assert.ok(receipts.length >= 1);
    for (const stored of receipts) assertMatchesSchema("execution-receipt.v1#/$defs/stored_receipt", stored, "receipts list --json item");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      assert.equal((await client.query("SELECT count(*)::int AS n FROM waiver_log")).rows[0].n, 1, "one business write");
    } finally {
      await client.end();
    }
  });

  test("command_handler: the request goes to the app's command on stdin", async () => {
    const p = envelopeOf(await session.client.callTool({ name: "billing.propose_invoice_reopen", arguments: { invoice_id: "INV-3005" } }));
    assert.equal(p.ok, true, p.summary);
    const applied = await approveAndApply(p.proposal.id);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    const receipt = JSON.parse(applied.stdout);
    assert.equal(receipt.status, "applied");
    assert.equal(receipt.executor.type, "command_handler");
    assert.equal((await row("INV-3005")).status, "open");
    assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", receipt, "apply --json");
    const stdin = JSON.parse(readFileSync(stdinCapture, "utf8"));
    assert.equal(stdin.proposal_id, p.proposal.id);
    assertMatchesSchema("app-handler-request.v1", stdin, "the command_handler's stdin");
  });

  test("a wrong token is refused by the app and becomes a failed receipt, with no write", async () => {
    const p = envelopeOf(
      await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3003", new_late_fee_cents: 100, reason: "x" } }),
    );
    const approved = await cli(["proposals", "approve", p.proposal.id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(approved.code, 0);
    const r = await runCli(["apply", "--proposal", p.proposal.id, "--config", built.configPath, "--store", store, "--json"], {
      env: { ...env, BILLING_HANDLER_TOKEN: "not-the-right-token-000" },
    });
    assert.notEqual(r.code, 0);
    const receipt = JSON.parse(r.stdout);
    assert.equal(receipt.status, "failed");
    assert.equal(receipt.safe_error_code, "HANDLER_REJECTED_AUTH");
    assert.equal((await row("INV-3003")).late_fee_cents, 5000);
    assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", receipt, "apply --json (failed)");
    const refused = exchanges.find((e) => JSON.parse(e.body).proposal_id === p.proposal.id)!;
    assertMatchesSchema("app-handler-receipt.v1", JSON.parse(refused.answer), "the helper's refusal");
  });
});
