// The read hot path's promise, seen from outside the compiled server: a reply a client has received
// implies that its evidence and query audit are in the ledger file. Concurrent calls (which share
// one group commit) each get their own evidence row, and a server killed (SIGKILL, no shutdown
// work at all) the moment the first replies arrive has every replied call's row on disk.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { ChildStdioTransport } from "../support/child-stdio-transport.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { buildServer, envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";

const INVOICES = ["INV-3001", "INV-3002", "INV-3003", "INV-3004", "INV-3005"];

interface Running {
  child: ChildProcess;
  client: Client;
  exited: Promise<unknown>;
}

async function start(serverPath: string, store: string, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [serverPath, "serve", "--transport", "stdio", "--store", store], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["pipe", "pipe", "ignore"],
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const client = new Client({ name: "synapsor-e2e-reply-evidence", version: "1.0.0" });
  await client.connect(new ChildStdioTransport(child));
  return { child, client, exited };
}

const inspect = (client: Client, i: number) =>
  client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: INVOICES[i % INVOICES.length]! } });

/** The ledger row of an evidence id, read from the file the way another process would. */
function readRow(store: string, evidenceId: string): Record<string, unknown> | undefined {
  const db = new DatabaseSync(store, { readOnly: true });
  try {
    return db.prepare("SELECT key, capability, tenant_id, has_evidence, outcome, rows FROM reads WHERE key = ?").get(evidenceId.slice(3)) as
      | Record<string, unknown>
      | undefined;
  } finally {
    db.close();
  }
}

function assertRecorded(store: string, envelope: any): void {
  const evidenceId = envelope.evidence?.bundle_id;
  assert.match(evidenceId, /^ev_/);
  const row = readRow(store, evidenceId);
  assert.ok(row, `no ledger row for ${evidenceId}`);
  assert.equal(row.has_evidence, 1);
  assert.equal(row.outcome, "ok");
  assert.equal(row.tenant_id, "tenant_acme");
  assert.equal(row.capability, "billing.inspect_invoice");
  assert.equal(JSON.parse(row.rows as string)[0].id, envelope.data.id);
}

describe("a reply implies its evidence is on disk (postgres, stdio)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let serverPath: string;
  let dir: string;

  before(async () => {
    db = await createDatabase("postgres", "replyev");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-evidence" };
    const config = exampleConfigFor("postgres");
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    serverPath = (await buildServer(config, { ...process.env })).serverPath;
    dir = tempDir("synapsor-reply-evidence-");
  });
  after(async () => {
    await db?.drop();
  });

  test("concurrent calls share commits, and each has its own evidence row", async () => {
    const store = join(dir, "concurrent.db");
    const running = await start(serverPath, store, env);
    try {
      const envelopes = (await Promise.all(Array.from({ length: 40 }, (_, i) => inspect(running.client, i)))).map(envelopeOf);
      assert.ok(envelopes.every((e) => e.ok === true));
      const ids = envelopes.map((e) => e.evidence.bundle_id);
      assert.equal(new Set(ids).size, ids.length);
      for (const envelope of envelopes) assertRecorded(store, envelope);
    } finally {
      await running.client.close();
      await running.exited;
    }
  });

  test("killed with SIGKILL as soon as replies arrive: every reply the client saw has its row", async () => {
    const store = join(dir, "killed.db");
    const running = await start(serverPath, store, env);
    await inspect(running.client, 0); // connections open and statements prepared, so the calls below finish close together
    const seen: any[] = [];
    const calls = Array.from({ length: 16 }, (_, i) =>
      inspect(running.client, i).then(
        (result) => {
          seen.push(envelopeOf(result));
          // No shutdown, no flush, no checkpoint: whatever the reply promised must already be written.
          running.child.kill("SIGKILL");
        },
        () => undefined, // calls cut off by the kill
      ),
    );
    await Promise.all(calls);
    await running.exited;
    assert.ok(seen.length >= 1);
    for (const envelope of seen) assertRecorded(store, envelope);
  });
});
