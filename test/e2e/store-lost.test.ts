// A store deleted or replaced under a running compiled server (SPEC §5, store lifecycle): the
// next read or proposal answers TEMPORARILY_UNAVAILABLE instead of ok:true with ids that exist
// nowhere, the server keeps running, stderr says so in one line, and no path reaches the model.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, tempDir, type StdioSession } from "../support/compiled-server.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { openLedger } from "../../runtime/ledger/open.ts";

describe("a store deleted or replaced under a running server", () => {
  let built: Awaited<ReturnType<typeof buildServer>>;
  let db: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    db = await createPostgresDatabase("srsl");
    await seedExample(db);
    const config = exampleConfigFor("postgres");
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    built = await buildServer(config, process.env);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-sl" };
  });
  after(() => db?.drop());

  const read = async (s: StdioSession) => envelopeOf(await s.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
  const propose = async (s: StdioSession) =>
    envelopeOf(await s.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "store test" } }));

  async function assertUnavailableFromNowOn(s: StdioSession, store: string): Promise<void> {
    for (const call of [read, propose, read, propose]) {
      const e = await call(s);
      assert.equal(e.ok, false, JSON.stringify(e));
      assert.equal(e.error.code, "TEMPORARILY_UNAVAILABLE");
      assert.equal(e.error.retryable, true);
      assert.equal(e.proposal ?? null, null, "no proposal id is handed out");
      const text = JSON.stringify(e);
      assert.ok(!text.includes(store) && !text.includes(built.runDir), "no path in the result");
    }
    const lines = s.stderr().split("\n").filter((l) => l.includes("store_lost"));
    assert.equal(lines.length, 1, s.stderr());
    const line = JSON.parse(lines[0]!);
    assert.equal(line.level, "error");
    assert.match(line.message, /restart the process/);
    assert.equal(s.stderr().split("\n").filter((l) => l.includes("ledger_write_failed")).length, 0, "no line per call");
  }

  test("deleted: the next read and proposal answer TEMPORARILY_UNAVAILABLE, one stderr line", async () => {
    const store = join(tempDir("store-lost-"), "ledger.db");
    const s = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
    try {
      assert.equal((await read(s)).ok, true);
      assert.equal((await propose(s)).ok, true);
      rmSync(store);
      await assertUnavailableFromNowOn(s, store);
      assert.match(JSON.parse(s.stderr().split("\n").find((l) => l.includes("store_lost"))!).message, /was deleted while it was open/);
    } finally {
      await s.close();
    }
  });

  test("replaced by another file: the same, and the refused proposals land in neither file", async () => {
    const dir = tempDir("store-replaced-");
    const store = join(dir, "ledger.db");
    const other = join(dir, "other.db");
    const s = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
    try {
      assert.equal((await read(s)).ok, true);
      const otherLedger = await openLedger({ path: other });
      await otherLedger.close();
      renameSync(other, store);
      await assertUnavailableFromNowOn(s, store);
      assert.match(JSON.parse(s.stderr().split("\n").find((l) => l.includes("store_lost"))!).message, /replaced by another file/);
      const replacement = await openLedger({ path: store });
      try {
        // (Its evidence may include the first read: SQLite applies the old -wal file left at the path.)
        assert.deepEqual(await replacement.proposals.list(), [], "the proposals refused after the swap landed nowhere");
      } finally {
        await replacement.close();
      }
    } finally {
      await s.close();
    }
  });
});
