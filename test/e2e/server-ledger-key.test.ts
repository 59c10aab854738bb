// The compiled server and its ledger key at run time, against Postgres: a key problem is the
// operator's to fix, so a proposal answers CONFIGURATION_ERROR (not retryable, naming no path and
// no key) instead of inviting the model to retry; a read_only server never seals anything, so it
// never creates a key file.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keyFilePath } from "../../runtime/ledger/keys/key-file.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor } from "../support/compiled-server.ts";

describe("the ledger key of a running compiled server", () => {
  let db: TestDatabase;
  /** What the server gets: no key variable, so it seals with the key file next to its store. */
  let env: Record<string, string>;

  before(async () => {
    db = await createPostgresDatabase("srkey");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-7" };
  });
  after(async () => {
    await db?.drop();
  });

  test("a key file opened to other users between calls: the proposal is CONFIGURATION_ERROR, not retryable, and fixing the mode brings proposals back", async () => {
    const { SYNAPSOR_LEDGER_KEY: _unused, ...buildEnv } = process.env;
    const built = await buildServer(exampleConfigFor("postgres"), { ...buildEnv, ...env }, "SUPPORT_DB_READ_URL");
    const store = join(built.runDir, "ledger.db");
    const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
    try {
      const propose = async () => envelopeOf(await session.client.callTool({
        name: "billing.propose_late_fee_waiver",
        arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "Late fee charged during the outage." },
      }));
      const first = await propose();
      assert.equal(first.ok, true, JSON.stringify(first.error));
      const secret = JSON.parse(readFileSync(keyFilePath(store), "utf8")).keys[0].secret as string;

      chmodSync(keyFilePath(store), 0o644);
      const refused = await propose();
      assert.equal(refused.ok, false);
      assert.deepEqual([refused.error.code, refused.error.retryable], ["CONFIGURATION_ERROR", false]);
      assert.match(refused.error.message, /an operator must fix the ledger key/);
      for (const hidden of [keyFilePath(store), built.runDir, secret]) assert.ok(!refused.error.message.includes(hidden), "no path, no key");
      assert.equal(refused.proposal, null);
      // The operator's log says what to fix.
      assert.match(session.stderr(), /"event":"ledger_key_unusable".*mode 0644.*chmod 600/);

      chmodSync(keyFilePath(store), 0o600);
      const again = await propose();
      assert.equal(again.ok, true, JSON.stringify(again.error));
    } finally {
      await session.close();
    }
  });

  test("a read_only server serves and records reads without creating a key file", async () => {
    const config = exampleConfigFor("postgres");
    config.mode = "read_only";
    config.capabilities = config.capabilities.filter((c: { kind: string }) => c.kind === "read");
    const { SYNAPSOR_LEDGER_KEY: _unused, ...buildEnv } = process.env;
    const built = await buildServer(config, { ...buildEnv, ...env }, "SUPPORT_DB_READ_URL");
    const store = join(built.runDir, "ledger.db");
    const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
    try {
      const read = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(read.ok, true, JSON.stringify(read.error));
      assert.match(read.evidence.bundle_id, /^ev_/);
    } finally {
      await session.close();
    }
    assert.ok(existsSync(store), "the ledger itself is written");
    assert.equal(existsSync(keyFilePath(store)), false, "no key file for a server that never seals");
  });
});
