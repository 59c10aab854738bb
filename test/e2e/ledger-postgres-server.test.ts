// The compiled example server with storage.postgres_url_env: started without --store it writes
// its ledger to Postgres, two of them at once are normal (each records itself with a heartbeat,
// no file lease), the evidence of their reads lands in that database, proposals made by one are
// seen by the other, and a missing URL or key variable stops it with exit 2 naming the variable.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/index.ts";
import { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { listServers } from "../../runtime/ledger/postgres/servers.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor } from "../support/compiled-server.ts";
import { runProcess } from "../support/cli.ts";

const KEY = "compiled-server-postgres-ledger-key-0123456789";

describe("a compiled server on a Postgres ledger", () => {
  let source: TestDatabase;
  let ledgerDb: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let env: Record<string, string>;

  before(async () => {
    [source, ledgerDb] = await Promise.all([createPostgresDatabase("srpgsrc"), createPostgresDatabase("srpgledger")]);
    await seedExample(source);
    const config = exampleConfigFor("postgres");
    config.storage = { postgres_url_env: "SYNAPSOR_LEDGER_URL" };
    built = await buildServer(config, { ...process.env, SUPPORT_DB_READ_URL: source.url }, "SUPPORT_DB_READ_URL");
    env = {
      SUPPORT_DB_READ_URL: source.url,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-pg",
      SYNAPSOR_LEDGER_URL: ledgerDb.url,
      SYNAPSOR_LEDGER_KEY: KEY,
    };
  });
  after(async () => {
    await Promise.allSettled([source?.drop(), ledgerDb?.drop()]);
  });

  test("two servers over stdio share the ledger: reads' evidence and a proposal land in Postgres; each server has a row while it runs", async () => {
    const [one, two] = await Promise.all([connectStdio(built.serverPath, built.runDir, env), connectStdio(built.serverPath, built.runDir, env)]);
    const db = new PostgresLedgerDatabase({ url: ledgerDb.url, urlEnv: "SYNAPSOR_LEDGER_URL" });
    try {
      const reads = await Promise.all([one, two, one, two].map((s, i) =>
        s.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: i % 2 ? "INV-3002" : "INV-3001" } })));
      const bundles = reads.map((r) => envelopeOf(r)).map((e) => {
        assert.equal(e.ok, true, JSON.stringify(e.error));
        return e.evidence.bundle_id as string;
      });
      const proposed = envelopeOf(await one.client.callTool({
        name: "billing.propose_late_fee_waiver",
        arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "Late fee charged during the outage." },
      }));
      assert.equal(proposed.ok, true, JSON.stringify(proposed.error));

      const servers = await listServers(db);
      assert.equal(servers.length, 2);
      assert.ok(servers.every((s) => s.transport === "stdio" && s.mode === "review" && !s.stale));

      process.env.SYNAPSOR_LEDGER_KEY_E2E = KEY;
      const reader = await openLedger({ postgres: { url: ledgerDb.url, urlEnv: "SYNAPSOR_LEDGER_URL" }, keyEnv: "SYNAPSOR_LEDGER_KEY_E2E" });
      try {
        const listed = await reader.listServers!();
        assert.deepEqual(listed.map((r) => r.holderId).sort(), servers.map((r) => r.holderId).sort(), "the ledger port lists the same rows");
        for (const id of bundles) {
          const bundle = await reader.reads.getEvidence(id, "tenant_acme");
          assert.ok(bundle, `evidence ${id} is in the Postgres ledger`);
          assert.equal(bundle.capability, "billing.inspect_invoice");
        }
        assert.equal((await reader.reads.listQueryAudit({ tenantId: "tenant_acme", capability: "billing.inspect_invoice" })).length, 4);
        const stored = await reader.proposals.get(proposed.proposal.id);
        assert.ok(stored, "the proposal is in the Postgres ledger");
        assert.equal(stored.verification.verified, true, "sealed with the key from the environment, verified by another process holding it");
      } finally {
        await reader.close();
        delete process.env.SYNAPSOR_LEDGER_KEY_E2E;
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
    // A server that stopped removed its row; nothing was written next to the bundle.
    for (let i = 0; i < 50 && (await listServers(db)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await listServers(db), []);
    await db.close();
    assert.deepEqual(readdirSync(built.runDir).sort(), ["server.mjs"], "no SQLite file, key file or lease beside the server");
  });

  test("--store still means a SQLite file, even when the contract names a Postgres ledger (whose variable it then does not need)", async () => {
    const { SYNAPSOR_LEDGER_URL: _unused, ...withoutLedgerUrl } = env;
    const store = join(built.runDir, "local.db");
    const session = await connectStdio(built.serverPath, built.runDir, withoutLedgerUrl, ["--store", store]);
    try {
      const e = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, true, JSON.stringify(e.error));
      const local = await openLedger({ path: store });
      try {
        assert.ok(await local.reads.getEvidence(e.evidence.bundle_id), "the evidence is in the SQLite file");
      } finally {
        await local.close();
      }
    } finally {
      await session.close();
      for (const file of readdirSync(built.runDir)) if (file !== "server.mjs") rmSync(join(built.runDir, file), { force: true });
    }
  });

  test("--store-url-env VAR serves on the Postgres ledger in VAR, over the contract's variable (which it then does not need)", async () => {
    const other = await createPostgresDatabase("srpgflag");
    const { SYNAPSOR_LEDGER_URL: _unused, ...withoutContractUrl } = env;
    try {
      const session = await connectStdio(built.serverPath, built.runDir, { ...withoutContractUrl, OTHER_LEDGER_URL: other.url }, ["--store-url-env", "OTHER_LEDGER_URL"]);
      let bundleId: string;
      try {
        const e = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
        assert.equal(e.ok, true, JSON.stringify(e.error));
        bundleId = e.evidence.bundle_id;
        assert.match(session.stderr(), /"store":"postgres \(OTHER_LEDGER_URL\)"/);
        assert.equal(session.stderr().includes(other.name), false, "the URL is never logged");
      } finally {
        await session.close();
      }
      process.env.SYNAPSOR_LEDGER_KEY_E2E = KEY;
      const reader = await openLedger({ postgres: { url: other.url, urlEnv: "OTHER_LEDGER_URL" }, keyEnv: "SYNAPSOR_LEDGER_KEY_E2E" });
      try {
        assert.equal((await reader.reads.getEvidence(bundleId, "tenant_acme"))?.capability, "billing.inspect_invoice", "the evidence is in VAR's database");
      } finally {
        await reader.close();
        delete process.env.SYNAPSOR_LEDGER_KEY_E2E;
      }
      assert.deepEqual(readdirSync(built.runDir).sort(), ["server.mjs"], "no SQLite file, key file or lease beside the server");
    } finally {
      await other.drop();
    }
  });

  const serve = (overrides: Record<string, string | undefined>, args: string[] = []) => {
    const merged: Record<string, string> = { PATH: process.env.PATH ?? "" };
    for (const [k, v] of Object.entries({ ...env, ...overrides })) if (v !== undefined) merged[k] = v;
    return runProcess(process.execPath, [built.serverPath, "serve", ...args], { cwd: built.runDir, env: merged, timeoutMs: 15_000 });
  };

  test("the URL variable unset or empty: exit 2 naming it, nothing else said", async () => {
    for (const value of [undefined, ""]) {
      const run = await serve({ SYNAPSOR_LEDGER_URL: value });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /environment variable SYNAPSOR_LEDGER_URL \(URL of the Postgres ledger, storage\.postgres_url_env\) is not set/);
    }
  });

  test("--store-url-env: with --store, unset or empty, or given a URL instead of a name: exit 2, the URL never repeated", async () => {
    const both = await serve({}, ["--store", "local.db", "--store-url-env", "SYNAPSOR_LEDGER_URL"]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /pass either --store FILE \(a SQLite ledger\) or --store-url-env VAR \(a Postgres ledger\), not both/);
    for (const value of [undefined, " "]) {
      const unset = await serve({ FLAG_LEDGER_URL: value }, ["--store-url-env", "FLAG_LEDGER_URL"]);
      assert.equal(unset.code, 2, unset.stderr);
      assert.match(unset.stderr, /environment variable FLAG_LEDGER_URL \(URL of the Postgres ledger, --store-url-env\) is not set/);
      assert.doesNotMatch(unset.stderr, new RegExp(ledgerDb.name), "the contract's ledger URL is not mentioned either");
    }
    const pasted = await serve({}, ["--store-url-env", "postgres://ledger_user:do-not-print-me@127.0.0.1/ledger"]);
    assert.equal(pasted.code, 2, pasted.stderr);
    assert.match(pasted.stderr, /--store-url-env takes the NAME of an environment variable/);
    assert.doesNotMatch(pasted.stderr, /do-not-print-me|ledger_user/);
    assert.deepEqual(readdirSync(built.runDir).sort(), ["server.mjs"], "nothing was created");
  });

  test("serve --help describes --store-url-env", async () => {
    const help = await runProcess(process.execPath, [built.serverPath, "serve", "--help"], { cwd: built.runDir });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--store-url-env VAR +instead of --store: the Postgres ledger whose URL/);
  });

  test("no key variable: exit 2, since a Postgres ledger never gets a key file", async () => {
    const run = await serve({ SYNAPSOR_LEDGER_KEY: undefined });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /SYNAPSOR_LEDGER_KEY is not set/);
    assert.deepEqual(readdirSync(built.runDir).sort(), ["server.mjs"]);
  });

  test("a read_only server needs no key variable: it never seals, so it serves reads into the Postgres ledger without one", async () => {
    const config = exampleConfigFor("postgres");
    config.mode = "read_only";
    config.capabilities = config.capabilities.filter((c: { kind: string }) => c.kind !== "proposal");
    delete config.executors;
    config.storage = { postgres_url_env: "SYNAPSOR_LEDGER_URL" };
    const readOnly = await buildServer(config, { ...process.env, SUPPORT_DB_READ_URL: source.url }, "SUPPORT_DB_READ_URL");
    const { SYNAPSOR_LEDGER_KEY: _unused, ...withoutKey } = env;
    const session = await connectStdio(readOnly.serverPath, readOnly.runDir, withoutKey);
    try {
      const e = envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, true, JSON.stringify(e.error));
    } finally {
      await session.close();
    }
    assert.deepEqual(readdirSync(readOnly.runDir), ["server.mjs"], "no key file");
  });

  test("a ledger server that refuses connections: exit 2 naming the variable, never the URL", async () => {
    const url = "postgres://ledger_user:do-not-print-me@127.0.0.1:1/ledger";
    const run = await serve({ SYNAPSOR_LEDGER_URL: url });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /the Postgres ledger in SYNAPSOR_LEDGER_URL: the database server in SYNAPSOR_LEDGER_URL cannot be reached/);
    assert.doesNotMatch(run.stderr, /do-not-print-me|127\.0\.0\.1:1/);
  });
});
