// What only a Postgres ledger has to show: several replicas (handles, processes) on one database
// with no process-local lock between them, migrations racing at start-up, a hash chain that stays
// one chain across replicas, rows edited in the database refused like in a SQLite file, servers
// recorded with heartbeats, and store faults told in plain words that name the variable, never
// the URL. The backend-independent behaviour is in the shared suites (ledger-review, ledger-sqlite,
// ledger-search), which run on Postgres too.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import pg from "pg";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { openLedger, StoreUnavailableError, LedgerKeyError } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal } from "../../runtime/ledger/records.ts";
import { checkEventChain, type ChainedEvent } from "../../runtime/ledger/event-chain.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { POSTGRES_MIGRATIONS, applyPostgresMigrations } from "../../runtime/ledger/postgres/migrations.ts";
import { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { listServers } from "../../runtime/ledger/postgres/servers.ts";
import { toProposalRecord } from "../../runtime/ledger/rows.ts";
import { ledgerHarness } from "../support/ledger-backends.ts";
import { createPostgresDatabase } from "../support/databases.ts";

const h = ledgerHarness("postgres");
const KEY = "postgres-ledger-test-secret-0123456789abcdef";
const keys = envKeyRing("SYNAPSOR_LEDGER_KEY", KEY);

function proposal(overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "overdue", late_fee_cents: 2500 },
    patch: { late_fee_cents: 0 },
    after: { id: "INV-3001", status: "overdue", late_fee_cents: 0 },
    guards: { tenant: { column: "tenant_id", value: "acme" } },
    args: { invoice_id: "INV-3001" },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval: { mode: "human" },
    executor: { name: "app_writer", type: "sql_update" },
    ...overrides,
  };
}

function receipt(status: Receipt["status"]): Receipt {
  return {
    status,
    rows_affected: status === "applied" ? 1 : 0,
    source_database_mutated: status === "applied",
    previous_version: "v1",
    new_version: status === "applied" ? "v2" : "v1",
    safe_error_code: null,
    message: `the executor answered ${status}`,
    details: { effects: [] },
  };
}

async function replicas(count: number): Promise<Ledger[]> {
  const first = await h.fresh({ keys });
  const store = h.storeOf(first);
  return [first, ...(await Promise.all(Array.from({ length: count - 1 }, () => h.open(store, { keys }))))];
}

async function chainOf(ledger: Ledger): Promise<ReturnType<typeof checkEventChain>> {
  const store = h.storeOf(ledger);
  const rows = await h.rows(store, "SELECT * FROM events ORDER BY id");
  const [head] = await h.rows(store, "SELECT last_id FROM event_chain_head");
  const events: ChainedEvent[] = rows.map((r) => ({
    id: Number(r.id),
    type: String(r.type),
    proposalId: (r.proposal_id as string | null) ?? null,
    tenantId: (r.tenant_id as string | null) ?? null,
    detail: String(r.detail),
    createdAt: String(r.created_at),
    prevHash: (r.prev_hash as string | null) ?? null,
    hash: (r.hash as string | null) ?? null,
  }));
  return checkEventChain(events, Number(head!.last_id));
}

describe("replicas on one Postgres ledger", () => {
  test("six replicas deciding one proposal at once: exactly one decision, one event, and the state it says", async () => {
    const all = await replicas(6);
    const p = await all[0]!.proposals.create(proposal());
    const outcomes = await Promise.all(all.map((ledger, i) =>
      ledger.proposals.decide(i % 2 === 0
        ? { proposalId: p.id, decision: "approved", actor: `reviewer${i}`, expectedHash: p.hash }
        : { proposalId: p.id, decision: "rejected", actor: `reviewer${i}`, reason: "no", expectedHash: p.hash })));
    const winners = outcomes.filter((o) => o.ok);
    assert.equal(winners.length, 1);
    for (const o of outcomes) if (!o.ok) assert.equal(o.refusal.code, "NOT_REVIEWABLE");
    const decisions = await all[5]!.proposals.decisions(p.id);
    assert.equal(decisions.length, 1);
    assert.equal((await all[3]!.proposals.get(p.id))!.state, decisions[0]!.decision);
    const types = (await all[1]!.events.list({ proposalId: p.id, afterId: 0 })).map((e) => e.type);
    assert.equal(types.filter((t) => t === "proposal_approved" || t === "proposal_rejected").length, 1);
  });

  test("four replicas recording receipts for one job at once: one receipt is the outcome, the rest are late-receipt events", async () => {
    const all = await replicas(4);
    const p = await all[0]!.proposals.create(proposal());
    const decided = await all[1]!.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", expectedHash: p.hash });
    assert.ok(decided.ok);
    const job = await all[2]!.writeback.createJob(p.id, { idempotency_key: `${p.id}:INV-3001` });
    assert.ok(job.ok);
    const statuses: Receipt["status"][] = ["applied", "already_applied", "conflict", "applied"];
    const outcomes = await Promise.all(all.map((ledger, i) =>
      ledger.writeback.recordReceipt({ proposalId: p.id, jobId: job.value.id, executor: { name: "app_writer", type: "sql_update" }, receipt: receipt(statuses[i]!) })));
    assert.equal(outcomes.filter((o) => o.ok).length, 1);
    const stored = await all[3]!.writeback.listReceipts({ proposalId: p.id });
    assert.equal(stored.length, 1);
    assert.equal((await all[0]!.proposals.get(p.id))!.state, stored[0]!.receipt.status);
    const late = (await all[0]!.events.list({ proposalId: p.id, afterId: 0 })).filter((e) => e.type === "writeback_late_receipt");
    assert.equal(late.length, 3);
  });

  test("the open-proposal cap holds across replicas creating for one tenant at once", async () => {
    const all = await replicas(5);
    const created = await Promise.all(all.flatMap((ledger) => [ledger, ledger].map((l) => l.proposals.createWithinLimit(proposal(), 3))));
    assert.equal(created.filter(Boolean).length, 3);
    assert.equal(await all[0]!.proposals.countOpen("acme"), 3);
  });

  test("events appended by many replicas at once form one unbroken chain, with no gap in the ids", async () => {
    const all = await replicas(4);
    await Promise.all(all.flatMap((ledger, r) => Array.from({ length: 10 }, (_, i) => ledger.events.append("note", { r, i }))));
    await Promise.all(all.map((ledger) => ledger.proposals.create(proposal())));
    const report = await chainOf(all[0]!);
    assert.deepEqual(report.problems, []);
    assert.equal(report.chained, 44);
    const ids = (await all[0]!.events.list({ afterId: 0, limit: 100 })).map((e) => e.id);
    assert.deepEqual(ids, Array.from({ length: 44 }, (_, i) => i + 1));
  });

  test("an append that fails inside its transaction leaves no event and no gap: the chain head moves only with a commit", async () => {
    const [ledger] = await replicas(1);
    await ledger!.proposals.create(proposal());
    // A detail JSON cannot write fails after the head row was locked: the transaction rolls back.
    await assert.rejects(ledger!.events.append("broken", { n: 1n }), /BigInt/);
    await ledger!.events.append("after", {});
    assert.deepEqual((await ledger!.events.list({ afterId: 0 })).map((e) => [e.id, e.type]), [[1, "proposal_created"], [2, "after"]]);
    assert.deepEqual((await chainOf(ledger!)).problems, []);
  });
});

describe("rows edited in the database", () => {
  test("an edited event, and events deleted at the end, break the chain where it happened", async () => {
    const [ledger] = await replicas(1);
    for (let i = 0; i < 4; i++) await ledger!.events.append("note", { i });
    const store = h.storeOf(ledger!);
    await h.exec(store, "UPDATE events SET detail = ? WHERE id = 2", [JSON.stringify({ i: 99 })]);
    assert.deepEqual((await chainOf(ledger!)).problems.map((p) => [p.id, p.kind]), [[2, "edited"]]);
    await h.exec(store, "DELETE FROM events WHERE id = 4");
    assert.deepEqual((await chainOf(ledger!)).problems.map((p) => [p.id, p.kind]), [[2, "edited"], [3, "tail_missing"]]);
  });

  test("a proposal whose change set was edited (and its plain hash recomputed) cannot be approved", async () => {
    const [ledger] = await replicas(1);
    const store = h.storeOf(ledger!);
    for (const [column, value] of [
      ["patch", JSON.stringify({ late_fee_cents: 0, credit_cents: 99999 })],
      ["tenant_id", "globex"],
      ["principal", "agent:other"],
      ["target", JSON.stringify({ schema: "public", table: "payouts", primaryKey: { column: "id", value: "P-1" } })],
    ] as const) {
      const p = await ledger!.proposals.create(proposal());
      await h.exec(store, `UPDATE proposals SET ${column} = ? WHERE id = ?`, [value, p.id]);
      const [row] = await h.rows(store, "SELECT * FROM proposals WHERE id = ?", [p.id]);
      const rehashed = changeSetHash(toProposalRecord(row!));
      await h.exec(store, "UPDATE proposals SET hash = ? WHERE id = ?", [rehashed, p.id]);
      const outcome = await ledger!.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", expectedHash: rehashed });
      assert.ok(!outcome.ok, column);
      assert.equal(outcome.refusal.code, "UNVERIFIED", column);
      assert.equal((await ledger!.proposals.get(p.id))!.state, "review_required", column);
    }
  });

  test("a state set to approved by hand, with a hand-written decision row, does not let apply run", async () => {
    const [ledger] = await replicas(1);
    const store = h.storeOf(ledger!);
    const p = await ledger!.proposals.create(proposal());
    await h.exec(store, "UPDATE proposals SET state = 'approved' WHERE id = ?", [p.id]);
    await h.exec(store, `INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, proposal_hash, created_at)
      VALUES ('apr_forged', ?, 'acme', 'approved', 'mallory', ?, ?)`, [p.id, p.hash, new Date().toISOString()]);
    const approval = await ledger!.proposals.approval(p.id);
    assert.ok(!approval.ok);
    const job = await ledger!.writeback.createJob(p.id, {});
    assert.ok(!job.ok);
  });
});

describe("migrations", () => {
  test("three processes opening one new database at once: every step applied exactly once, all of them open", async () => {
    const db = await createPostgresDatabase("ledger_mig");
    after(() => db.drop());
    const module = new URL("../../runtime/ledger/open.ts", import.meta.url).href;
    const script = `const { openLedger } = await import(${JSON.stringify(module)});
      const ledger = await openLedger({ postgres: { url: process.env.TEST_LEDGER_URL, urlEnv: "TEST_LEDGER_URL" } });
      await ledger.events.append("opened", { pid: process.pid });
      await ledger.close();`;
    const runs = await Promise.all([0, 1, 2].map(() => new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, TEST_LEDGER_URL: db.url, SYNAPSOR_LEDGER_KEY: KEY },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("close", (code) => resolve({ code, stderr }));
    })));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const versions = (await client.query("SELECT version FROM synapsor_ledger.schema_migrations ORDER BY version")).rows.map((r) => r.version);
      assert.deepEqual(versions, POSTGRES_MIGRATIONS.map((m) => m.version));
      assert.equal((await client.query("SELECT count(*)::int AS n FROM synapsor_ledger.events")).rows[0].n, 3);
    } finally {
      await client.end();
    }
  });

  test("step 3 drops the home-made webhook_deliveries table of step 2 (pg-boss keeps deliveries now)", async () => {
    const db = await createPostgresDatabase("ledger_mig3");
    after(() => db.drop());
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("BEGIN");
      assert.deepEqual(await applyPostgresMigrations(client, POSTGRES_MIGRATIONS.filter((m) => m.version <= 2)), [1, 2]);
      await client.query("COMMIT");
      const table = async () => (await client.query("SELECT to_regclass('synapsor_ledger.webhook_deliveries') IS NOT NULL AS found")).rows[0].found as boolean;
      assert.equal(await table(), true);
      const ledger = await openLedger({ postgres: { url: db.url, urlEnv: "TEST_LEDGER_URL" }, keys });
      await ledger.close();
      assert.equal(await table(), false);
      const versions = (await client.query("SELECT version FROM synapsor_ledger.schema_migrations ORDER BY version")).rows.map((r) => r.version);
      assert.deepEqual(versions, [1, 2, 3]);
    } finally {
      await client.end();
    }
  });

  test("a ledger set up by an administrator opens for a user who may only read and write its tables", async () => {
    const [admin] = await replicas(1);
    const store = h.storeOf(admin!);
    const role = `ledger_rw_${process.pid}`;
    await h.exec(store, `DROP ROLE IF EXISTS ${role}`);
    await h.exec(store, `CREATE ROLE ${role} LOGIN`);
    after(async () => {
      await h.exec(store, `DROP OWNED BY ${role}`).catch(() => undefined);
      await h.exec(store, `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    });
    await h.exec(store, `GRANT USAGE ON SCHEMA synapsor_ledger TO ${role}`);
    await h.exec(store, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA synapsor_ledger TO ${role}`);
    await h.exec(store, `GRANT USAGE ON ALL SEQUENCES IN SCHEMA synapsor_ledger TO ${role}`);
    const url = new URL(store.location);
    url.username = role;
    const ledger = await h.open({ backend: "postgres", location: url.toString() }, { keys });
    const p = await ledger.proposals.create(proposal());
    const decided = await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "dana", reason: "no" });
    assert.ok(decided.ok);
    await ledger.reads.recordFailure({ capability: "c", code: "X", internal: "y" });
    await ledger.close();
  });

  test("a ledger written by a newer build is refused with the versions, naming the variable", async () => {
    const [ledger] = await replicas(1);
    const store = h.storeOf(ledger!);
    await h.exec(store, "INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    await assert.rejects(h.open(store, { keys }), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.match(err.message, /TEST_LEDGER_URL: it was written by a newer synapsor-runner \(ledger schema 999/);
      return true;
    });
  });
});

describe("keys and faults", () => {
  test("without keys passed, the key variable must be set: no key file is made for a database", async () => {
    const store = await h.newStore();
    const saved = process.env.SYNAPSOR_LEDGER_KEY;
    delete process.env.SYNAPSOR_LEDGER_KEY;
    try {
      await assert.rejects(openLedger({ postgres: { url: store.location, urlEnv: "TEST_LEDGER_URL" } }), (err: unknown) => {
        assert.ok(err instanceof LedgerKeyError);
        assert.match(err.message, /SYNAPSOR_LEDGER_KEY is not set/);
        return true;
      });
      await assert.rejects(openLedger({ postgres: { url: store.location, urlEnv: "TEST_LEDGER_URL" }, keyEnv: "MY_LEDGER_KEY" }), /MY_LEDGER_KEY is not set/);
    } finally {
      if (saved !== undefined) process.env.SYNAPSOR_LEDGER_KEY = saved;
    }
  });

  test("a server that refuses connections, or a database that does not exist: StoreUnavailableError naming the variable, not the URL or driver text", async () => {
    const refused = "postgres://ledger_user:hunter2-secret@127.0.0.1:1/ledger";
    await assert.rejects(openLedger({ postgres: { url: refused, urlEnv: "LEDGER_URL" }, keys }), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.equal(err.code, "TEMPORARILY_UNAVAILABLE");
      assert.match(err.message, /^cannot open the store at the Postgres ledger in LEDGER_URL: the database server in LEDGER_URL cannot be reached/);
      assert.doesNotMatch(err.message + err.detail, /hunter2/);
      assert.doesNotMatch(err.message, /ECONNREFUSED|127\.0\.0\.1/);
      return true;
    });
    const store = await h.newStore();
    const missing = new URL(store.location);
    missing.pathname = "/no_such_ledger_database";
    await assert.rejects(openLedger({ postgres: { url: missing.toString(), urlEnv: "LEDGER_URL" }, keys }), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.match(err.message, /the database does not exist \(check LEDGER_URL\)$/);
      return true;
    });
  });

  test("a ledger whose server goes away answers StoreUnavailableError on every port, and recovers when it is back", async () => {
    const [ledger] = await replicas(1);
    const store = h.storeOf(ledger!);
    const read = { capability: "c", tenantId: "acme", principal: "p", source: "s", table: "t", statementFingerprint: "f", args: {}, redactedParams: [], rows: [], objectIds: [], durationMs: 1, withEvidence: true };
    await ledger!.reads.recordRead(read);
    // Every connection of the ledger ends, as in a server restart.
    const dbName = new URL(store.location).pathname.slice(1);
    await h.exec(store, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()", [dbName]);
    // The pool notices the dead idle connections and opens new ones: the ledger answers again.
    const again = await ledger!.reads.recordRead(read).catch((err: unknown) => err);
    if (again instanceof Error) assert.ok(again instanceof StoreUnavailableError, String(again));
    const later = await ledger!.reads.recordRead(read);
    assert.ok(later.evidenceId);
  });
});

describe("servers recorded in the ledger", () => {
  test("each server has a row with a heartbeat while it runs, removed on close; an old heartbeat is stale", async () => {
    const [a] = await replicas(1);
    const store = h.storeOf(a!);
    const b = await h.open(store, { keys });
    const one = await a!.registerServer!({ mode: "review", transport: "http", runnerVersion: "test" });
    await b.registerServer!({ mode: "review", transport: "stdio", runnerVersion: "test" });
    const db = new PostgresLedgerDatabase({ url: store.location, urlEnv: "TEST_LEDGER_URL" });
    after(() => db.close());
    let rows = await listServers(db);
    assert.deepEqual(rows.map((r) => [r.transport, r.pid, r.stale]).sort(), [["http", process.pid, false], ["stdio", process.pid, false]]);
    await h.exec(store, "UPDATE servers SET heartbeat_at = now() - interval '1 hour' WHERE holder_id = ?", [one.holderId]);
    rows = await listServers(db);
    assert.deepEqual(rows.map((r) => [r.transport, r.stale]).sort(), [["http", true], ["stdio", false]]);
    await b.close();
    await one.stop();
    assert.deepEqual(await listServers(db), []);
  });
});
