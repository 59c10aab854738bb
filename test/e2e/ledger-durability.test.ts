// storage.durability end to end (postgres, stdio): the compiled server opens its ledger with the
// synchronous level the contract chose, and says so in server_started with the level its own
// connection reports (the pragma is per connection, so no other process could read it). The
// default is power_loss: a reply implies its evidence row was fsynced.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";

type Setting = "power_loss" | "process_crash" | undefined;

describe("storage.durability (postgres, stdio)", () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const servers = new Map<Setting, string>();

  before(async () => {
    db = await createDatabase("postgres", "durable");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-durable" };
    const settings: Setting[] = ["power_loss", "process_crash", undefined];
    await Promise.all(
      settings.map(async (durability) => {
        const config = exampleConfigFor("postgres") as Record<string, any>;
        config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
        if (durability) config.storage = { ...config.storage, durability };
        else delete config.storage?.durability;
        servers.set(durability, (await buildServer(config, { ...process.env })).serverPath);
      }),
    );
  });
  after(async () => {
    await db?.drop();
  });

  /** Serves one read and returns the server_started line and the reply's evidence row from the file. */
  async function serveOneRead(durability: Setting) {
    const store = join(tempDir("synapsor-durable-"), "ledger.db");
    const session = await connectStdio(servers.get(durability)!, tempDir("synapsor-durable-cwd-"), env, ["--store", store]);
    try {
      const reply = await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } });
      const envelope = envelopeOf(reply);
      const started = session
        .stderr()
        .split("\n")
        .filter((line) => line.includes('"server_started"'))
        .map((line) => JSON.parse(line));
      const file = new DatabaseSync(store, { readOnly: true });
      try {
        const row = file.prepare("SELECT outcome, has_evidence FROM reads WHERE key = ?").get(envelope.evidence.bundle_id.slice(3));
        return { started, row };
      } finally {
        file.close();
      }
    } finally {
      await session.close();
    }
  }

  const cases: Array<{ durability: Setting; name: string; expected: string; synchronous: string }> = [
    { durability: "power_loss", name: "power_loss", expected: "power_loss", synchronous: "FULL" },
    { durability: "process_crash", name: "process_crash", expected: "process_crash", synchronous: "NORMAL" },
    { durability: undefined, name: "absent (the default)", expected: "power_loss", synchronous: "FULL" },
  ];
  for (const c of cases) {
    test(`${c.name}: the ledger connection runs synchronous = ${c.synchronous}, and the reply's evidence is in the file`, async () => {
      const { started, row } = await serveOneRead(c.durability);
      assert.equal(started.length, 1, "one server_started line");
      assert.equal(started[0].durability, c.expected);
      assert.equal(started[0].synchronous, c.synchronous);
      assert.deepEqual({ ...(row as object) }, { outcome: "ok", has_evidence: 1 });
    });
  }
});
