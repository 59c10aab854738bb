// Store lifecycle on a real SQLite ledger, in-process: the event hash chain, prune's rules about
// which chains go, erase leaving no byte of a tenant's values in the file, and the lease file.
// (test/e2e/store-lifecycle.test.ts drives the same through real servers and the CLI.)

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { checkEventChain } from "../../runtime/ledger/event-chain.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import { acquireLease, leasePath, readLease } from "../../runtime/ledger/lease.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, ReadRecord, StoredProposal } from "../../runtime/ledger/records.ts";
import type { SqliteDatabase } from "../../runtime/ledger/sqlite/database.ts";
import { compactStore } from "../../runtime/ledger/sqlite/lifecycle/compact.ts";
import { eraseTenant } from "../../runtime/ledger/sqlite/lifecycle/erase-tenant.ts";
import { chainedEvents, lastAssignedEventId, resealEventChain } from "../../runtime/ledger/sqlite/lifecycle/event-chain-rows.ts";
import { pruneStore } from "../../runtime/ledger/sqlite/lifecycle/prune.ts";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";
import { AGE_PATTERN, parseAge } from "../../operator/store/age.ts";
import { verifyStore } from "../../operator/store/verify.ts";
import { editStore } from "../support/ledger-file.ts";

const root = mkdtempSync(join(tmpdir(), "store-lifecycle-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const storePath = () => join(root, `store-${++counter}.db`);

function proposal(tenant: string, overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: tenant,
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "overdue", note: `${tenant} before-row note` },
    patch: { late_fee_cents: 0 },
    after: { id: "INV-3001", status: "overdue", note: `${tenant} after-row note` },
    guards: { tenant: { column: "tenant_id", value: tenant }, conflict: { column: "updated_at", expected: `${tenant}-version-stamp` } },
    args: { invoice_id: "INV-3001", reason: `${tenant} waiver reason` },
    evidenceId: "ev_none",
    approval: { mode: "human" },
    executor: { name: "direct_sql", type: "sql_update" },
    ...overrides,
  };
}

function read(tenant: string, text: string): ReadRecord {
  return {
    capability: "support.list_open_tickets",
    tenantId: tenant,
    principal: "agent:support",
    source: "app_pg",
    table: "public.support_tickets",
    statementFingerprint: "fp",
    durationMs: 1,
    redactedParams: [`${tenant}-param-value`],
    withEvidence: true,
    objectIds: ["T-1"],
    args: { customer_id: `${tenant}-customer-arg` },
    rows: [{ id: "T-1", subject: text }],
  };
}

const receipt = (status: Receipt["status"], tenant: string): Receipt => ({
  status,
  rows_affected: status === "applied" ? 1 : 0,
  source_database_mutated: status === "applied",
  previous_version: `${tenant}-previous-version`,
  new_version: `${tenant}-new-version`,
  safe_error_code: null,
  message: "ok",
  details: { effects: [{ note: `${tenant} effect detail` }] },
});

async function chain(ledger: Ledger, tenant: string, end: "pending" | "approved" | "applied" | "rejected", evidenceId = "ev_none"): Promise<StoredProposal> {
  const p = await ledger.proposals.create(proposal(tenant, { evidenceId }));
  if (end === "pending") return p;
  const decided = await ledger.proposals.decide({
    proposalId: p.id, decision: end === "rejected" ? "rejected" : "approved", actor: "alice", expectedHash: p.hash,
    ...(end === "rejected" ? { reason: `${tenant} rejection reason` } : {}),
  });
  assert.ok(decided.ok);
  if (end !== "applied") return p;
  const request = buildWritebackRequest((await ledger.proposals.get(p.id))!, decided.decision, new Date().toISOString());
  const job = await ledger.writeback.createJob(p.id, request as unknown as Record<string, unknown>);
  assert.ok(job.ok);
  const recorded = await ledger.writeback.recordReceipt({ proposalId: p.id, jobId: job.value.id, executor: { name: "direct_sql", type: "sql_update" }, receipt: receipt("applied", tenant) });
  assert.ok(recorded.ok);
  return p;
}

const DAYS_AGO = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

/** Moves a proposal's whole chain (or only some of its tables) back in time, then re-seals the events as prune would find them. */
function backdate(path: string, proposalId: string, iso: string, tables = ["proposals", "decisions", "writeback_jobs", "receipts", "events"]): void {
  for (const t of tables) {
    if (t === "proposals") editStore(path, "UPDATE proposals SET created_at = ?, updated_at = ? WHERE id = ?", iso, iso, proposalId);
    else editStore(path, `UPDATE ${t} SET created_at = ? WHERE proposal_id = ?`, iso, proposalId);
  }
  withDb(path, (db) => db.transaction(() => resealEventChain(db)));
}

function withDb<T>(path: string, work: (db: SqliteDatabase) => T): T {
  const db = openSqliteDatabase(path);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

const chainOf = (path: string) => withDb(path, (db) => checkEventChain(chainedEvents(db), lastAssignedEventId(db)));
const count = (path: string, sql: string) => withDb(path, (db) => (db.prepare(sql).get() as { n: number }).n);

describe("the event hash chain", () => {
  test("events written by review steps chain; an edited, a removed and a trailing deleted event are each reported", async () => {
    const path = storePath();
    const ledger = await openLedger({ path });
    await chain(ledger, "acme", "applied");
    await chain(ledger, "acme", "rejected");
    await ledger.close();
    const clean = chainOf(path);
    assert.equal(clean.problems.length, 0, JSON.stringify(clean.problems));
    assert.ok(clean.chained >= 6, `chained ${clean.chained}`);

    editStore(path, "UPDATE events SET detail = '{\"actor\":\"mallory\"}' WHERE id = 2");
    assert.deepEqual(chainOf(path).problems.map((p) => [p.id, p.kind]), [[2, "edited"]]);

    withDb(path, (db) => db.transaction(() => resealEventChain(db)));
    editStore(path, "DELETE FROM events WHERE id = 3");
    assert.deepEqual(chainOf(path).problems.map((p) => [p.id, p.kind]), [[4, "broken_link"]]);

    withDb(path, (db) => db.transaction(() => resealEventChain(db)));
    const last = count(path, "SELECT MAX(id) AS n FROM events");
    editStore(path, "DELETE FROM events WHERE id = ?", last);
    assert.deepEqual(chainOf(path).problems.map((p) => p.kind), ["tail_missing"]);
  });
});

describe("prune", () => {
  test("an old finished chain goes whole with its evidence; young receipts, pending and approved proposals and their evidence stay; a dry run deletes nothing", async () => {
    const path = storePath();
    const ledger = await openLedger({ path });
    const oldRead = await ledger.reads.recordRead(read("acme", "old ticket text"));
    const keptRead = await ledger.reads.recordRead(read("acme", "evidence of a pending proposal"));
    const loneOldRead = await ledger.reads.recordRead(read("acme", "a read nobody proposed from"));
    await ledger.reads.recordRead(read("acme", "a young read"));
    const oldApplied = await chain(ledger, "acme", "applied", oldRead.evidenceId!);
    const youngReceipt = await chain(ledger, "acme", "applied");
    const pending = await chain(ledger, "acme", "pending", keptRead.evidenceId!);
    const approved = await chain(ledger, "acme", "approved");
    const oldRejected = await chain(ledger, "acme", "rejected");
    await ledger.close();

    const old = DAYS_AGO(40);
    for (const p of [oldApplied, pending, approved, oldRejected]) backdate(path, p.id, old);
    backdate(path, youngReceipt.id, old, ["proposals", "decisions", "writeback_jobs"]); // its receipt stays young
    editStore(path, "UPDATE reads SET created_at = ? WHERE key IN (?, ?, ?)", old, oldRead.queryAuditId.slice(3), keptRead.queryAuditId.slice(3), loneOldRead.queryAuditId.slice(3));
    withDb(path, (db) => db.transaction(() => resealEventChain(db)));

    const cutoff = DAYS_AGO(30);
    const before = count(path, "SELECT COUNT(*) AS n FROM events");
    const preview = withDb(path, (db) => pruneStore(db, cutoff, { dryRun: true }));
    assert.deepEqual(preview.proposalIds, [oldApplied.id, oldRejected.id].sort());
    assert.deepEqual({ ...preview.deleted, events: 0 }, { proposals: 2, decisions: 2, writeback_jobs: 1, receipts: 1, events: 0, query_audit: 2, evidence: 2, internal_errors: 0 });
    assert.ok(preview.deleted.events >= 5);
    assert.equal(count(path, "SELECT COUNT(*) AS n FROM proposals"), 5, "the dry run deleted nothing");
    assert.equal(count(path, "SELECT COUNT(*) AS n FROM events"), before);

    const done = withDb(path, (db) => pruneStore(db, cutoff, { dryRun: false }));
    assert.deepEqual(done.deleted, preview.deleted, "the preview counted exactly what the prune deleted");
    const left = withDb(path, (db) => (db.prepare("SELECT id FROM proposals ORDER BY id").all() as Array<{ id: string }>).map((r) => r.id));
    assert.deepEqual(left, [youngReceipt.id, pending.id, approved.id].sort());
    assert.equal(count(path, `SELECT COUNT(*) AS n FROM reads WHERE key = '${keptRead.queryAuditId.slice(3)}'`), 1, "a pending proposal's evidence stays");
    assert.equal(count(path, `SELECT COUNT(*) AS n FROM reads WHERE key = '${oldRead.queryAuditId.slice(3)}'`), 0);
    assert.equal(count(path, `SELECT COUNT(*) AS n FROM receipts WHERE proposal_id = '${youngReceipt.id}'`), 1);
    assert.equal(count(path, `SELECT COUNT(*) AS n FROM events WHERE proposal_id = '${oldApplied.id}'`), 0);
    assert.equal(chainOf(path).problems.length, 0, "the chain was re-sealed after the deletes");
    assert.equal(count(path, "SELECT COUNT(*) AS n FROM events WHERE type = 'store_pruned'"), 1);
    // (The proposals themselves no longer verify: backdating them edited sealed columns.)
    assert.deepEqual((await verifyStore(path, {})).events.problems, []);
  });
});

describe("erase --tenant", () => {
  test("leaves no byte of the tenant's values in the file or its WAL, keeps the other tenant's, and verify counts the erased records", async () => {
    const path = storePath();
    const ledger = await openLedger({ path });
    const acmeRead = await ledger.reads.recordRead(read("acme", "acme ticket subject text"));
    await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", tenantId: "acme", code: "TEMPORARILY_UNAVAILABLE", internal: "acme raw driver detail" });
    await ledger.reads.recordRead(read("globex", "globex ticket subject text"));
    await chain(ledger, "acme", "applied", acmeRead.evidenceId!);
    await chain(ledger, "acme", "rejected");
    await chain(ledger, "acme", "pending");
    await chain(ledger, "globex", "applied");
    await ledger.close();

    const erased = withDb(path, (db) => {
      const result = eraseTenant(db, "acme", { dryRun: false });
      assert.equal(compactStore(db, { secureDelete: true }).walTruncated, true);
      return result;
    });
    assert.equal(erased.erased.proposals, 3);
    assert.equal(erased.erased.reads, 2);

    const bytes = Buffer.concat([path, `${path}-wal`].map((f) => (statSync(f, { throwIfNoEntry: false }) ? readFileSync(f) : Buffer.alloc(0))));
    for (const value of ["acme ticket subject", "acme raw driver", "acme before-row", "acme after-row", "acme waiver reason", "acme-version-stamp",
      "acme-param-value", "acme-customer-arg", "acme rejection reason", "acme-previous-version", "acme effect detail"]) {
      assert.equal(bytes.indexOf(value), -1, `'${value}' is still in the file`);
    }
    for (const value of ["globex ticket subject", "globex before-row", "globex waiver reason", "globex effect detail"]) {
      assert.notEqual(bytes.indexOf(value), -1, `'${value}' should remain (the scan would see it)`);
    }

    const reopened = await openLedger({ path });
    const evidence = await reopened.reads.getEvidence(acmeRead.evidenceId!);
    assert.deepEqual(evidence?.rows, [], "erased records still parse");
    await reopened.close();
    const report = await verifyStore(path, {});
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.proposals.erased, 3);
    assert.equal(report.events.problems.length, 0);
  });
});

describe("the lease file", () => {
  const exitedPid = async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((r) => child.once("exit", r));
    return child.pid!;
  };
  const holder = (pid: number) => ({ pid, hostname: hostname(), mode: "review", transport: "stdio", started_at: "2026-01-01T00:00:00.000Z", runner_version: "0", allow_concurrent: false });

  test("taken 0600 with pid, mode, transport and start time; removed on release", () => {
    const store = storePath();
    const taken = acquireLease(store, { mode: "review", transport: "http", runner_version: "9.9.9" }, { allowConcurrent: false });
    assert.ok(taken.ok);
    assert.equal(statSync(leasePath(store)).mode & 0o777, 0o600);
    const reading = readLease(store);
    assert.equal(reading.state, "live");
    assert.deepEqual(reading.holders.map((h) => [h.pid, h.mode, h.transport, h.status]), [[process.pid, "review", "http", "live"]]);
    assert.ok(!Number.isNaN(Date.parse(reading.holders[0]!.started_at)));
    taken.lease.release();
    assert.equal(readLease(store).state, "none");
  });

  test("a live holder refuses a second one unless concurrent; a dead pid's lease is replaced; release keeps the other holder", async () => {
    const store = storePath();
    writeFileSync(leasePath(store), JSON.stringify({ version: 1, holders: [holder(process.ppid)] }));
    const refused = acquireLease(store, { mode: "review", transport: "stdio", runner_version: "0" }, { allowConcurrent: false });
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? "" : refused.message, new RegExp(`pid ${process.ppid}.*--allow-concurrent-store`, "s"));

    const both = acquireLease(store, { mode: "review", transport: "stdio", runner_version: "0" }, { allowConcurrent: true });
    assert.ok(both.ok);
    assert.deepEqual(readLease(store).holders.map((h) => h.pid), [process.ppid, process.pid]);
    both.lease.release();
    assert.deepEqual(readLease(store).holders.map((h) => h.pid), [process.ppid], "the other holder stays");

    const dead = await exitedPid();
    writeFileSync(leasePath(store), JSON.stringify({ version: 1, holders: [holder(dead)] }));
    assert.equal(readLease(store).state, "stale");
    const replaced = acquireLease(store, { mode: "review", transport: "stdio", runner_version: "0" }, { allowConcurrent: false });
    assert.ok(replaced.ok);
    assert.deepEqual(replaced.replaced.map((h) => h.pid), [dead]);
    assert.deepEqual(readLease(store).holders.map((h) => h.pid), [process.pid]);
    replaced.lease.release();
  });

  test("the lease's strings reach a refusal escaped: a control sequence in the file cannot drive the terminal", () => {
    const store = storePath();
    const hostile = { ...holder(process.ppid), transport: "stdio\u001b[2J\u202e", started_at: "2026\u0007" };
    writeFileSync(leasePath(store), JSON.stringify({ version: 1, holders: [hostile] }));
    const refused = acquireLease(store, { mode: "review", transport: "stdio", runner_version: "0" }, { allowConcurrent: false });
    assert.equal(refused.ok, false);
    const message = refused.ok ? "" : refused.message;
    assert.doesNotMatch(message, /[\u0000-\u001f\u007f-\u009f\u202e]/u);
    assert.match(message, /a stdio\\u001b\[2J\\u202e server/);
  });

  test("a file that is not a lease is unreadable, never trusted, and replaced", () => {
    const store = storePath();
    writeFileSync(leasePath(store), JSON.stringify({ holders: [{ pid: "1; rm -rf /" }] }));
    assert.equal(readLease(store).state, "unreadable");
    const taken = acquireLease(store, { mode: "review", transport: "stdio", runner_version: "0" }, { allowConcurrent: false });
    assert.ok(taken.ok && taken.replacedUnreadable);
    taken.lease.release();
  });
});

describe("ages", () => {
  test("hours, days and weeks; the contract's storage.retention uses the same pattern", () => {
    assert.equal(parseAge("30d"), 30 * 86_400_000);
    assert.equal(parseAge("12h"), 12 * 3_600_000);
    assert.equal(parseAge("2w"), 14 * 86_400_000);
    for (const bad of ["0d", "30", "30 days", "-1d", "1.5d", "d"]) assert.equal(parseAge(bad), undefined, bad);
    const schema = JSON.parse(readFileSync(new URL("../../schemas/synapsor.runner.schema.json", import.meta.url), "utf8"));
    assert.equal(schema.properties.storage.properties.retention.pattern, AGE_PATTERN);
  });
});

