// The store commands on a Postgres ledger (--store-url-env) while a compiled server serves from
// it: stats shows the live server's heartbeat row, verify checks the chain and seals and reports
// a tampered event, prune deletes old closed chains in batches and never an open proposal (and
// the chain still verifies), erase overwrites one tenant, reset refuses while the server is live
// and drops the ledger once it has stopped.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, StoredProposal } from "../../runtime/ledger/records.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { PostgresEventLog } from "../../runtime/ledger/postgres/event-log.ts";
import { readEventChain } from "../../runtime/ledger/postgres/lifecycle/chain.ts";
import { prunePostgresLedger } from "../../runtime/ledger/postgres/lifecycle/prune.ts";
import { checkEventChain } from "../../runtime/ledger/event-chain.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";
import { runCli } from "../support/cli.ts";

const KEY = "store-postgres-test-key-0123456789abcdef";
const URL_ENV = "SYNAPSOR_LEDGER_URL";

let source: TestDatabase;
let ledgerDb: TestDatabase;
let env: Record<string, string>;
let server: StdioSession | undefined;
let ledger: Ledger;
let db: PostgresLedgerDatabase;
/** The same ledger with a clock 60 days behind, for records older than a prune's cut-off. */
let old: Ledger;

const cli = (args: string[]) => runCli([...args, "--store-url-env", URL_ENV], { env: { ...process.env, ...env } });

before(async () => {
  [source, ledgerDb] = await Promise.all([createPostgresDatabase("spsrc"), createPostgresDatabase("spledger")]);
  await seedExample(source);
  const config = exampleConfigFor("postgres");
  config.storage = { postgres_url_env: URL_ENV };
  const built = await buildServer(config, { ...process.env, SUPPORT_DB_READ_URL: source.url }, "SUPPORT_DB_READ_URL");
  env = { SUPPORT_DB_READ_URL: source.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-pg", [URL_ENV]: ledgerDb.url, SYNAPSOR_LEDGER_KEY: KEY };
  server = await connectStdio(built.serverPath, built.runDir, env);
  const proposed = envelopeOf(await server.client.callTool({
    name: "billing.propose_late_fee_waiver",
    arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "Late fee charged during the outage." },
  }));
  assert.equal(proposed.ok, true, JSON.stringify(proposed.error));
  ledger = await openLedger({ postgres: { url: ledgerDb.url, urlEnv: URL_ENV }, keys: envKeyRing("SYNAPSOR_LEDGER_KEY", KEY) });
  db = new PostgresLedgerDatabase({ url: ledgerDb.url, urlEnv: URL_ENV });
  old = await openLedger({ postgres: { url: ledgerDb.url, urlEnv: URL_ENV }, keys: envKeyRing("SYNAPSOR_LEDGER_KEY", KEY), now: () => new Date(Date.now() - 60 * 86_400_000) });
});

after(async () => {
  await server?.close();
  await ledger?.close().catch(() => {});
  await old?.close().catch(() => {});
  await db?.close();
  await Promise.allSettled([source?.drop(), ledgerDb?.drop()]);
});

function proposal(tenant: string, invoice: string): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: tenant,
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: invoice } },
    before: { id: invoice, note: `${tenant} before-row note` },
    patch: { late_fee_cents: 0 },
    after: { id: invoice, note: `${tenant} after-row note` },
    guards: { tenant: { column: "tenant_id", value: tenant } },
    args: { invoice_id: invoice, reason: `${tenant} waiver reason` },
    evidenceId: "ev_none",
    approval: { mode: "human" },
    executor: { name: "direct_sql", type: "sql_update" },
  };
}

/** A proposal (rejected, or left open) made through `on`: `old` makes it 60 days ago, sealed with that time. */
async function made(tenant: string, invoice: string, end: "open" | "rejected", on: Ledger = ledger): Promise<StoredProposal> {
  const p = await on.proposals.create(proposal(tenant, invoice));
  if (end === "rejected") assert.ok((await on.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "alice", expectedHash: p.hash, reason: "no" })).ok);
  return p;
}

async function count(sql: string, values: unknown[] = []): Promise<number> {
  return Number((await db.query("read", sql, values))[0]!.n);
}

async function chainOk(): Promise<void> {
  const chain = await readEventChain(db);
  assert.deepEqual(checkEventChain(chain.events, chain.lastAssignedId).problems, []);
}

describe("store commands on a Postgres ledger with a server running", () => {
  test("stats shows the records and the live server's heartbeat row, never the URL", async () => {
    const r = await cli(["store", "stats", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.engine, "postgres");
    assert.equal(s.store, `the Postgres ledger in ${URL_ENV}`);
    assert.ok(s.records.proposals >= 1);
    assert.equal(s.servers.length, 1);
    assert.equal(s.servers[0].live, true);
    assert.equal(s.servers[0].transport, "stdio");
    const text = await cli(["store", "stats"]);
    assert.match(text.stdout, /Servers: 1 live: a stdio server \(pid \d+/);
    assert.equal((r.stdout + text.stdout + text.stderr).includes(ledgerDb.url), false);
  });

  test("verify passes, reports a tampered event row (exit 1), and passes again once it is restored", async () => {
    const ok = await cli(["store", "verify"]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /the chain verifies/);
    assert.match(ok.stdout, /verifies\.$/m);
    const [victim] = await db.query("read", "SELECT id, detail FROM synapsor_ledger.events ORDER BY id LIMIT 1");
    await db.query("write", "UPDATE synapsor_ledger.events SET detail = $1 WHERE id = $2", ['{"forged":true}', victim!.id]);
    try {
      const bad = await cli(["store", "verify", "--json"]);
      assert.equal(bad.code, 1, bad.stderr);
      const report = JSON.parse(bad.stdout);
      assert.equal(report.ok, false);
      assert.deepEqual(report.events.problems.map((p: { id: number; kind: string }) => [p.id, p.kind]), [[Number(victim!.id), "edited"]]);
      const refused = await cli(["store", "prune", "--older-than", "30d", "--yes"]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /store prune refused: the event log of the Postgres ledger in SYNAPSOR_LEDGER_URL does not verify/);
    } finally {
      await db.query("write", "UPDATE synapsor_ledger.events SET detail = $1 WHERE id = $2", [victim!.detail, victim!.id]);
    }
    assert.equal((await cli(["store", "verify"])).code, 0);
  });

  test("prune previews, then deletes old closed chains while the server runs; an old open proposal stays; the chain verifies", async () => {
    const openOld = await made("tenant_acme", "INV-OLD-OPEN", "open", old);
    const closedOld = await made("tenant_acme", "INV-OLD-REJECTED", "rejected", old);
    const closedNew = await made("tenant_acme", "INV-NEW-REJECTED", "rejected");
    const before = await count("SELECT COUNT(*) AS n FROM synapsor_ledger.proposals");

    const dry = await cli(["store", "prune", "--older-than", "30d", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const preview = JSON.parse(dry.stdout);
    assert.equal(preview.dry_run, true);
    assert.deepEqual(preview.proposal_ids, [closedOld.id]);
    assert.equal(preview.deleted.decisions, 1);
    assert.equal(await count("SELECT COUNT(*) AS n FROM synapsor_ledger.proposals"), before, "a dry run deletes nothing");

    const real = await cli(["store", "prune", "--older-than", "30d", "--yes", "--json"]);
    assert.equal(real.code, 0, real.stderr);
    assert.deepEqual(JSON.parse(real.stdout).deleted, preview.deleted, "the preview counted exactly what the run deleted");
    const left = (await db.query("read", "SELECT id FROM synapsor_ledger.proposals")).map((r) => r.id);
    assert.ok(left.includes(openOld.id), "an open proposal is never pruned, however old");
    assert.ok(left.includes(closedNew.id));
    assert.ok(!left.includes(closedOld.id));
    assert.equal(await count("SELECT COUNT(*) AS n FROM synapsor_ledger.events WHERE proposal_id = $1", [closedOld.id]), 0);
    assert.equal(await count("SELECT COUNT(*) AS n FROM synapsor_ledger.events WHERE type = 'store_pruned'"), 1);
    await chainOk();
    const verified = await cli(["store", "verify"]);
    assert.equal(verified.code, 0, verified.stdout);
    // The server kept serving through it.
    const read = envelopeOf(await server!.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
    assert.equal(read.ok, true);
  });

  test("prune in batches of one re-seals after every batch: every commit leaves a chain that verifies", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await made("tenant_acme", `INV-BATCH-${i}`, "rejected", old)).id);
    const events = new PostgresEventLog(db);
    const result = await prunePostgresLedger(db, events, new Date(Date.now() - 30 * 86_400_000).toISOString(), { dryRun: false, batch: 1 });
    assert.deepEqual(result.proposalIds, [...ids].sort());
    assert.equal(await count("SELECT COUNT(*) AS n FROM synapsor_ledger.events WHERE type = 'store_pruned'"), 1 + 3, "one store_pruned event per batch that deleted");
    await chainOk();
  });

  test("erase previews, then overwrites one tenant's values; verify counts its proposals as erased", async () => {
    const other = await made("tenant_other", "INV-OTHER", "rejected");
    const dry = await cli(["store", "erase", "--tenant", "tenant_other", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).erased.proposals, 1);
    assert.match(String((await db.query("read", "SELECT args FROM synapsor_ledger.proposals WHERE id = $1", [other.id]))[0]!.args), /tenant_other waiver reason/);
    const real = await cli(["store", "erase", "--tenant", "tenant_other", "--yes"]);
    assert.equal(real.code, 0, real.stderr);
    const row = (await db.query("read", "SELECT args, before_row, guards FROM synapsor_ledger.proposals WHERE id = $1", [other.id]))[0]!;
    assert.equal(row.args, "{}");
    assert.equal(row.before_row, "{}");
    assert.deepEqual(JSON.parse(String(row.guards)), { tenant: { column: "tenant_id", value: "tenant_other" } });
    const reason = (await db.query("read", "SELECT reason FROM synapsor_ledger.decisions WHERE proposal_id = $1", [other.id]))[0]!.reason;
    assert.match(String(reason), /Erased on request/);
    await chainOk();
    const verified = await cli(["store", "verify", "--json"]);
    assert.equal(verified.code, 0, verified.stdout);
    assert.equal(JSON.parse(verified.stdout).proposals.erased, 1);
  });

  test("key status names the variable and the active key id (never the key); rotate says to rotate in the variable", async () => {
    const status = await cli(["store", "key", "status", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const shown = JSON.parse(status.stdout);
    assert.match(shown.source, /SYNAPSOR_LEDGER_KEY/);
    assert.equal(shown.keys.length, 1);
    assert.equal(shown.active, shown.keys[0].id);
    assert.doesNotMatch(status.stdout, new RegExp(KEY));
    const rotate = await cli(["store", "key", "rotate"]);
    assert.equal(rotate.code, 1);
    assert.match(rotate.stderr, /Rotate by putting a new secret first in SYNAPSOR_LEDGER_KEY/);
    assert.doesNotMatch(rotate.stderr + rotate.stdout, new RegExp(KEY));
    const neither = await runCli(["store", "key", "status"], { env: { ...process.env, ...env } });
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /--store FILE .* or --store-url-env VAR/);
  });

  test("vacuum explains that Postgres vacuums itself", async () => {
    const r = await cli(["store", "vacuum"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /autovacuum/);
  });

  test("reset refuses while the server's heartbeat is fresh, and drops the ledger once it has stopped", async () => {
    const noYes = await cli(["store", "reset"]);
    assert.notEqual(noYes.code, 0);
    assert.match(noYes.stderr, /--yes/);
    const refused = await cli(["store", "reset", "--yes"]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /store reset refused: the Postgres ledger in SYNAPSOR_LEDGER_URL is in use by a stdio server \(pid \d+/);
    assert.equal(await count("SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = 'synapsor_ledger'"), 1);
    await server!.close();
    server = undefined;
    await ledger.close();
    const reset = await cli(["store", "reset", "--yes", "--json"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(JSON.parse(reset.stdout), { store: `the Postgres ledger in ${URL_ENV}`, dropped_schema: "synapsor_ledger" });
    assert.equal(await count("SELECT COUNT(*) AS n FROM pg_namespace WHERE nspname = 'synapsor_ledger'"), 0);
    const after = await cli(["store", "stats"]);
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /has no ledger yet/);
  });
});
