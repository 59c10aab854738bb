// Handler URLs and URLs with credentials never reach the ledger file: an http_handler whose URL
// variable holds `http://user:secret@127.0.0.1:<closed port>/x` fails to apply, and neither the
// store nor its WAL contains the secret, while the failure is still recorded for the operator.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample, EXAMPLE_DIR } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { freePort } from "../support/ports.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/handlers/", import.meta.url));
const SECRET = "handler-url-secret-8c2f";
const PATH_TOKEN = "path-token-51aa0e";

describe("the ledger's error table never holds a handler URL or its credentials", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;
  let env: NodeJS.ProcessEnv;
  let store: string;

  before(async () => {
    db = await createPostgresDatabase("srredact");
    await seedExample(db);
    const config = JSON.parse(readFileSync(join(FIXTURES, "app-owned.runner.json"), "utf8"));
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    const closedPort = await freePort();
    env = {
      ...process.env,
      SUPPORT_DB_READ_URL: db.url,
      SUPPORT_DB_WRITE_URL: `${db.url}?application_name=writer`,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-redact",
      BILLING_HANDLER_URL: `http://billing:${SECRET}@127.0.0.1:${closedPort}/hooks/${PATH_TOKEN}`,
      BILLING_HANDLER_TOKEN: "handler-token-0123456789",
      BILLING_HANDLER_SECRET: "handler-signing-abcdef",
      BILLING_HANDLER_COMMAND: "true",
    };
    built = await buildServer(config, env);
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
  });
  after(async () => {
    await session?.close();
    await db?.drop();
  });

  test("a failed http_handler apply records the failure with the URL redacted", async () => {
    const p = envelopeOf(
      await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage" } }),
    );
    assert.equal(p.ok, true, p.summary);
    const approved = await runCli(["proposals", "approve", p.proposal.id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"], { env });
    assert.equal(approved.code, 0, approved.stderr);
    const applied = await runCli(["apply", "--proposal", p.proposal.id, "--config", built.configPath, "--store", store, "--json"], { env });
    assert.notEqual(applied.code, 0);
    assert.equal(JSON.parse(applied.stdout).status, "failed");
    await session.close();

    const ledger = new DatabaseSync(store, { readOnly: true });
    const details = ledger.prepare("SELECT code, detail FROM internal_errors").all() as Array<{ code: string; detail: string }>;
    ledger.close();
    assert.equal(details.length, 1);
    assert.equal(details[0]!.code, "HANDLER_UNREACHABLE");
    assert.match(details[0]!.detail, /<redacted>/, "the failure is recorded, with the URL replaced");
    for (const file of [store, `${store}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString("latin1");
      assert.equal(bytes.includes(SECRET), false, `${file} holds the URL's password`);
      assert.equal(bytes.includes(PATH_TOKEN), false, `${file} holds the handler URL`);
    }
    for (const output of [applied.stdout, applied.stderr]) assert.equal(output.includes(SECRET), false);
  });
});
