import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, ReadRecord } from "../../runtime/ledger/records.ts";
import { canonicalJson, changeSetHash, openLedger, StoreUnavailableError } from "../../runtime/ledger/index.ts";
import { applyMigrations, MIGRATIONS } from "../../runtime/ledger/migrations.ts";
import { sharedLedgerBackends, unitTierOnly, ledgerHarness } from "../support/ledger-backends.ts";

const root = mkdtempSync(join(tmpdir(), "ledger-test-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function storePath(): string {
  return join(root, `case-${++counter}`, "nested", "ledger.sqlite");
}

const open: Ledger[] = [];
after(() => Promise.all(open.map((l) => l.close())));
async function fresh(path = storePath()): Promise<Ledger> {
  const ledger = await openLedger({ path });
  open.push(ledger);
  return ledger;
}

function read(overrides: Partial<ReadRecord> = {}): ReadRecord {
  return {
    capability: "billing.inspect_invoice",
    tenantId: "tenant_a",
    principal: "agent:support",
    source: "app_db",
    table: "public.invoices",
    statementFingerprint: "3f9a1c0d2b7e6a54",
    args: { invoice_id: "inv_1" },
    redactedParams: ["inv_1", "$tenant_id"],
    rows: [{ id: "inv_1", status: "open", amount_cents: 12500 }],
    objectIds: ["inv_1"],
    durationMs: 2.5,
    withEvidence: true,
    ...overrides,
  };
}

function proposal(overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    capability: "billing.propose_credit",
    tenantId: "tenant_a",
    principal: "agent:support",
    source: "app_db",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "inv_1" } },
    before: { id: "inv_1", status: "open", credit_cents: 0 },
    patch: { credit_cents: 500 },
    after: { id: "inv_1", status: "open", credit_cents: 500 },
    guards: {
      tenant: { column: "tenant_id", value: "tenant_a" },
      conflict: { column: "updated_at", expected: "2026-05-16T09:12:44.123Z" },
    },
    args: { invoice_id: "inv_1", credit_cents: 500 },
    evidenceId: "ev_abcdefghijklmnopqrst",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "app_db_writer", type: "sql_update" },
    ...overrides,
  };
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Backend-independent: SQLite here, Postgres in test/e2e/ledger-shared-postgres.test.ts.
for (const name of sharedLedgerBackends()) {
  describe(name, () => {
    const backend = ledgerHarness(name);
    describe("reads", () => {
      test("recordRead stores the audit row and the evidence bundle, linked to each other", async () => {
        const ledger = await backend.fresh();
        const { evidenceId, queryAuditId } = await ledger.reads.recordRead(read());
        assert.match(queryAuditId, /^qa_[a-z2-7]{20}$/);
        assert.match(evidenceId!, /^ev_[a-z2-7]{20}$/);

        const evidence = await ledger.reads.getEvidence(evidenceId!);
        assert.ok(evidence);
        assert.match(evidence.createdAt, ISO_MS);
        assert.deepEqual(evidence, {
          id: evidenceId,
          capability: "billing.inspect_invoice",
          tenantId: "tenant_a",
          principal: "agent:support",
          table: "public.invoices",
          objectIds: ["inv_1"],
          args: { invoice_id: "inv_1" },
          rows: [{ id: "inv_1", status: "open", amount_cents: 12500 }],
          queryAuditId,
          createdAt: evidence.createdAt,
        });

        const [audit, ...rest] = await ledger.reads.listQueryAudit();
        assert.equal(rest.length, 0);
        assert.deepEqual(audit, {
          id: queryAuditId,
          capability: "billing.inspect_invoice",
          tenantId: "tenant_a",
          principal: "agent:support",
          source: "app_db",
          table: "public.invoices",
          statementFingerprint: "3f9a1c0d2b7e6a54",
          rowCount: 1,
          durationMs: 2.5,
          redactedParams: ["inv_1", "$tenant_id"],
          outcome: "ok",
          evidenceId,
          traceparent: null,
          createdAt: audit!.createdAt,
        });
        assert.match(audit!.createdAt, ISO_MS);
      });

      test("withEvidence=false writes the audit row and no evidence", async () => {
        const ledger = await backend.fresh();
        const result = await ledger.reads.recordRead(read({ withEvidence: false, rows: [], objectIds: [] }));
        assert.equal(result.evidenceId, null);
        assert.equal((await ledger.reads.listEvidence()).length, 0);
        const audits = await ledger.reads.listQueryAudit();
        assert.equal(audits.length, 1);
        assert.equal(audits[0]!.rowCount, 0);
      });

      test("recordFailure keeps the stable code in the audit and the raw text only in internal_errors", async () => {
        const ledger = await backend.fresh();
        const raw = 'error: relation "secret_table" does not exist at 10.0.0.5:5432';
        await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", tenantId: "tenant_a", code: "TEMPORARILY_UNAVAILABLE", internal: raw });

        const [audit] = await ledger.reads.listQueryAudit({ tenantId: "tenant_a" });
        assert.equal(audit!.outcome, "error");
        assert.equal(audit!.errorCode, "TEMPORARILY_UNAVAILABLE");
        assert.equal(audit!.rowCount, 0);
        assert.doesNotMatch(JSON.stringify(await ledger.reads.listQueryAudit()), /secret_table/);

        const rows = await backend.rows(backend.storeOf(ledger), "SELECT query_audit_id, code, detail FROM internal_errors");
        assert.deepEqual(rows.map((r) => ({ ...r })), [{ query_audit_id: audit!.id, code: "TEMPORARILY_UNAVAILABLE", detail: raw }]);
      });

      test("a failure recorded before the tenant is known lists with empty strings, not under any tenant", async () => {
        const ledger = await backend.fresh();
        await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", code: "INTERNAL", internal: "boom" });
        const [audit] = await ledger.reads.listQueryAudit();
        assert.equal(audit!.tenantId, "");
        assert.equal((await ledger.reads.listQueryAudit({ tenantId: "tenant_a" })).length, 0);
      });
    });

    describe("tenant scoping and listing", () => {
      test("getEvidence and getProposal return nothing for another tenant", async () => {
        const ledger = await backend.fresh();
        const { evidenceId } = await ledger.reads.recordRead(read());
        const stored = await ledger.proposals.create(proposal());
        assert.ok(await ledger.reads.getEvidence(evidenceId!, "tenant_a"));
        assert.equal(await ledger.reads.getEvidence(evidenceId!, "tenant_b"), undefined);
        assert.ok(await ledger.proposals.get(stored.id, "tenant_a"));
        assert.equal(await ledger.proposals.get(stored.id, "tenant_b"), undefined);
        assert.equal(await ledger.proposals.get("wrp_doesnotexist00000000"), undefined);
      });

      test("list filters by tenant, capability and state, newest first", async () => {
        const ledger = await backend.fresh();
        await ledger.reads.recordRead(read({ tenantId: "tenant_a", args: { n: 1 } }));
        await ledger.reads.recordRead(read({ tenantId: "tenant_b", args: { n: 2 } }));
        await ledger.reads.recordRead(read({ tenantId: "tenant_a", capability: "billing.search_invoices", args: { n: 3 } }));

        assert.deepEqual((await ledger.reads.listEvidence({ tenantId: "tenant_a" })).map((e) => e.args.n), [3, 1]);
        assert.deepEqual((await ledger.reads.listEvidence({ tenantId: "tenant_a", capability: "billing.inspect_invoice" })).map((e) => e.args.n), [1]);
        assert.deepEqual((await ledger.reads.listQueryAudit({ tenantId: "tenant_b" })).map((a) => a.tenantId), ["tenant_b"]);
        assert.equal((await ledger.reads.listQueryAudit({ capability: "billing.search_invoices" })).length, 1);

        const first = await ledger.proposals.create(proposal({ tenantId: "tenant_a" }));
        const second = await ledger.proposals.create(proposal({ tenantId: "tenant_b" }));
        const third = await ledger.proposals.create(proposal({ tenantId: "tenant_a", capability: "billing.propose_refund" }));
        assert.deepEqual((await ledger.proposals.list()).map((p) => p.id), [third.id, second.id, first.id]);
        assert.deepEqual((await ledger.proposals.list({ tenantId: "tenant_a" })).map((p) => p.id), [third.id, first.id]);
        assert.deepEqual((await ledger.proposals.list({ capability: "billing.propose_refund" })).map((p) => p.id), [third.id]);
        assert.equal((await ledger.proposals.list({ state: "review_required" })).length, 3);
        assert.equal((await ledger.proposals.list({ state: "approved" })).length, 0);
      });

      test("lists default to 50 rows and honour an explicit limit", async () => {
        const ledger = await backend.fresh();
        for (let i = 0; i < 55; i++) await ledger.reads.recordRead(read({ args: { n: i } }));
        assert.equal((await ledger.reads.listEvidence()).length, 50);
        assert.equal((await ledger.reads.listQueryAudit()).length, 50);
        const latest = await ledger.reads.listEvidence({ limit: 2 });
        assert.deepEqual(latest.map((e) => e.args.n), [54, 53]);
      });
    });

    describe("proposals and events", () => {
      test("createProposal stores the change set with its hash and logs proposal_created", async () => {
        const ledger = await backend.fresh();
        const input = proposal({ planHash: "ab".repeat(32) });
        const stored = await ledger.proposals.create(input);
        assert.match(stored.id, /^wrp_[a-z2-7]{20}$/);
        assert.equal(stored.planHash, "ab".repeat(32), "the compiled plan hash is stored with the proposal");
        assert.equal(stored.state, "review_required");
        assert.equal(stored.hash, changeSetHash(input));
        assert.match(stored.hash, /^[0-9a-f]{64}$/);
        assert.match(stored.createdAt, ISO_MS);
        assert.deepEqual(await ledger.proposals.get(stored.id), stored);
        // What comes back from the store hashes to the stored hash, so approvals can re-verify it.
        assert.equal(changeSetHash((await ledger.proposals.get(stored.id))!), stored.hash);
        const { id, hash, state, createdAt, verification, ...changeSet } = stored;
        assert.deepEqual(changeSet, input);
        assert.equal(verification.verified, true, "a new proposal is sealed with the ledger's key");
        assert.match(verification.keyId!, /^k_[0-9a-f]{16}$/);

        const events = await ledger.events.list();
        assert.equal(events.length, 1);
        assert.equal(events[0]!.type, "proposal_created");
        assert.equal(events[0]!.proposalId, stored.id);
        assert.equal(events[0]!.tenantId, "tenant_a");
        assert.equal(events[0]!.detail.hash, stored.hash);
      });

      test("the returned proposal does not change when the caller later mutates its input", async () => {
        const ledger = await backend.fresh();
        const input = proposal();
        const stored = await ledger.proposals.create(input);
        input.patch.credit_cents = 999_999;
        assert.equal(stored.patch.credit_cents, 500);
      });

      test("create returns exactly what a read returns, also for values JSON changes (a Date, an undefined member)", async () => {
        const ledger = await backend.fresh();
        const input = proposal();
        input.before = { ...input.before, seen_at: new Date("2026-05-16T09:12:44.123Z"), note: undefined };
        const stored = await ledger.proposals.create(input);
        assert.equal(stored.before.seen_at, "2026-05-16T09:12:44.123Z");
        assert.ok(!("note" in stored.before));
        const read = await ledger.proposals.get(stored.id);
        assert.deepEqual(read, stored);
        assert.equal(read!.verification.verified, true);
      });

      test("appendEvent and listEvents: newest first, or oldest first after a cursor", async () => {
        const ledger = await backend.fresh();
        await ledger.events.append("serve_started", { transport: "stdio" });
        await ledger.events.append("proposal_viewed", { by: "reviewer" }, { proposalId: "wrp_x", tenantId: "tenant_a" });
        await ledger.events.append("serve_stopped", {});

        const newest = await ledger.events.list();
        assert.deepEqual(newest.map((e) => e.type), ["serve_stopped", "proposal_viewed", "serve_started"]);
        const viewed = newest[1]!;
        assert.deepEqual(viewed.detail, { by: "reviewer" });
        assert.equal(viewed.proposalId, "wrp_x");
        assert.equal(viewed.tenantId, "tenant_a");
        assert.equal("proposalId" in newest[0]!, false);

        const firstId = newest[2]!.id;
        assert.deepEqual((await ledger.events.list({ afterId: firstId })).map((e) => e.type), ["proposal_viewed", "serve_stopped"]);
        assert.deepEqual((await ledger.events.list({ afterId: firstId, limit: 1 })).map((e) => e.type), ["proposal_viewed"]);
      });
    });
  });
}

describe("change set hash", unitTierOnly(), () => {
  test("canonicalJson sorts keys recursively, including integer-like keys, with no whitespace", async () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    // Plain JSON.stringify would put "2" before "10" here.
    assert.equal(canonicalJson({ "2": "x", "10": "y", a: undefined }), '{"10":"y","2":"x"}');
    assert.equal(canonicalJson([undefined, Number.NaN, "é\n"]), '[null,null,"é\\n"]');
    assert.throws(() => canonicalJson({ n: 1n }), TypeError);
  });

  test("the hash ignores key order and changes when the patch changes", async () => {
    const base = proposal();
    const reordered: NewProposal = {
      executor: { type: "sql_update", name: "app_db_writer" },
      approval: { requiredRole: "billing_lead", mode: "human" },
      evidenceId: base.evidenceId,
      args: { credit_cents: 500, invoice_id: "inv_1" },
      guards: { conflict: base.guards.conflict!, tenant: { value: "tenant_a", column: "tenant_id" } },
      after: { credit_cents: 500, status: "open", id: "inv_1" },
      patch: { credit_cents: 500 },
      before: { status: "open", credit_cents: 0, id: "inv_1" },
      target: { primaryKey: { value: "inv_1", column: "id" }, table: "invoices", schema: "public" },
      source: "app_db",
      principal: "agent:support",
      tenantId: "tenant_a",
      capability: "billing.propose_credit",
    };
    assert.equal(changeSetHash(reordered), changeSetHash(base));
    assert.notEqual(changeSetHash(proposal({ patch: { credit_cents: 501 } })), changeSetHash(base));
    assert.notEqual(changeSetHash(proposal({ tenantId: "tenant_b" })), changeSetHash(base));
    // Stored-only fields are not part of the change set.
    assert.equal(changeSetHash({ ...base, id: "wrp_1", state: "approved" } as NewProposal), changeSetHash(base));
  });
});

describe("the store file", unitTierOnly(), () => {
  test("runs in WAL mode with foreign keys on", async () => {
    const path = storePath();
    const ledger = await fresh(path);
    await ledger.reads.recordRead(read());
    assert.ok(existsSync(`${path}-wal`));
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      assert.equal((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode, "wal");
    } finally {
      db.close();
    }
  });

  test("re-opening keeps the data and applies no migration twice", async () => {
    const path = storePath();
    const first = await openLedger({ path });
    const { evidenceId } = await first.reads.recordRead(read());
    await first.close();
    const migrationsBefore = readMigrations(path);
    assert.deepEqual(migrationsBefore.map((m) => m.version), MIGRATIONS.map((m) => m.version));

    const second = await fresh(path);
    assert.ok(await second.reads.getEvidence(evidenceId!));
    assert.deepEqual(readMigrations(path), migrationsBefore);
  });

  test("a store created by an earlier schema step opens, upgrades and keeps its rows", async () => {
    const path = join(root, `old-store-${++counter}.sqlite`);
    const db = new DatabaseSync(path);
    assert.deepEqual(applyMigrations(db, MIGRATIONS.slice(0, 1)), [1]);
    db.prepare(`INSERT INTO reads (key, capability, tenant_id, row_count, duration_ms, redacted_params, outcome, has_evidence, created_at)
      VALUES ('old', 'billing.inspect_invoice', 'tenant_a', 3, 1.0, '[]', 'ok', 0, '2026-01-01T00:00:00.000Z')`).run();
    db.close();

    const ledger = await fresh(path);
    assert.deepEqual((await ledger.reads.listQueryAudit({ tenantId: "tenant_a" })).map((a) => a.id), ["qa_old"]);
    assert.equal((await ledger.proposals.create(proposal())).state, "review_required");
    assert.deepEqual(readMigrations(path).map((m) => m.version), MIGRATIONS.map((m) => m.version));
  });

  test("a store at schema step 7 gains the traceparent column; its old rows have none, new reads and failures keep theirs", async () => {
    const path = join(root, `step7-store-${++counter}.sqlite`);
    const db = new DatabaseSync(path);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 7));
    db.prepare(`INSERT INTO reads (key, capability, tenant_id, row_count, duration_ms, redacted_params, outcome, has_evidence, created_at)
      VALUES ('old', 'billing.inspect_invoice', 'tenant_a', 3, 1.0, '[]', 'ok', 0, '2026-01-01T00:00:00.000Z')`).run();
    db.close();

    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const ledger = await fresh(path);
    assert.equal((await ledger.reads.getQueryAudit("qa_old"))!.traceparent, null);
    // Through the group commit (the read hot path) and alone.
    const [traced, untraced] = await Promise.all([ledger.reads.recordRead(read({ traceparent })), ledger.reads.recordRead(read())]);
    await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", tenantId: "tenant_a", code: "TIMEOUT", internal: "x", traceparent });
    assert.equal((await ledger.reads.getQueryAudit(traced.queryAuditId))!.traceparent, traceparent);
    assert.equal((await ledger.reads.getQueryAudit(untraced.queryAuditId))!.traceparent, null);
    const ofTrace = await ledger.reads.listQueryAudit({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736" });
    assert.deepEqual(ofTrace.map((a) => a.outcome).sort(), ["error", "ok"]);
    assert.ok(ofTrace.every((a) => a.traceparent === traceparent));
    assert.deepEqual(await ledger.reads.listQueryAudit({ traceId: "0af7651916cd43dd8448eb211c80319c" }), []);
    // The view operators query by hand shows it too.
    const view = new DatabaseSync(path, { readOnly: true });
    try {
      const row = view.prepare("SELECT traceparent FROM query_audit WHERE id = ?").get(traced.queryAuditId) as { traceparent: string };
      assert.equal(row.traceparent, traceparent);
    } finally {
      view.close();
    }
  });

  test("two handles on the same file both write and see each other's rows", async () => {
    const path = storePath();
    const a = await fresh(path);
    const b = await fresh(path);
    const fromA = await a.reads.recordRead(read({ args: { by: "a" } }));
    const fromB = await b.proposals.create(proposal());
    assert.ok(await b.reads.getEvidence(fromA.evidenceId!));
    assert.ok(await a.proposals.get(fromB.id));
    assert.equal((await a.events.list()).length, 1);
  });

  test("a path under a regular file gives StoreUnavailableError with a plain message", async () => {
    const file = join(root, `plain-file-${++counter}`);
    writeFileSync(file, "not a directory");
    const path = join(file, "ledger.sqlite");
    const err = await captureOpenError(path);
    assert.equal(err.message, `cannot create the store at ${path}: a parent of the path is not a directory`);
    assert.equal(err.code, "TEMPORARILY_UNAVAILABLE");
    assert.match(err.detail, /ENOTDIR/);
  });

  test("a path SQLite cannot open gives a message with no SQLite text", async () => {
    const err = await captureOpenError("/proc/synapsor-ledger-test/ledger.sqlite");
    assert.match(err.message, /^cannot create the store at \/proc\/synapsor-ledger-test\/ledger\.sqlite: /);
    assert.doesNotMatch(err.message, /sqlite_|SQLITE|unable to open|errno|E[A-Z]{3,}/);
  });

  test("a file SQLite cannot create is reported in plain words", async () => {
    const err = await captureOpenError("/proc/synapsor-ledger.sqlite");
    assert.equal(err.message, "cannot create the store at /proc/synapsor-ledger.sqlite: the file cannot be opened");
    assert.match(err.detail, /unable to open database file/);
  });

  test("a file that is not a ledger is refused without touching it", async () => {
    const path = join(root, `not-a-db-${++counter}.sqlite`);
    writeFileSync(path, "x".repeat(200));
    const err = await captureOpenError(path);
    assert.equal(err.message, `cannot open the store at ${path}: the file is not a ledger database`);
    assert.match(err.detail, /not a database/);
  });

  test("a store written by a newer build is refused", async () => {
    const path = storePath();
    await (await openLedger({ path })).close();
    const db = new DatabaseSync(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')").run();
    db.close();
    const err = await captureOpenError(path);
    assert.match(err.message, /newer synapsor-runner \(schema 999/);
  });

  test("close is idempotent and later calls fail as store-unavailable", async () => {
    const ledger = await openLedger({ path: storePath() });
    await ledger.close();
    await ledger.close();
    await assert.rejects(ledger.reads.recordRead(read()), (err: unknown) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.match(err.message, /the ledger has been closed$/);
      return true;
    });
    await assert.rejects(ledger.proposals.list(), StoreUnavailableError);
    await assert.rejects(ledger.events.list(), StoreUnavailableError);
  });
});

function readMigrations(path: string): { version: number; applied_at: string }[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version").all()
      .map((r) => ({ version: r.version as number, applied_at: r.applied_at as string }));
  } finally {
    db.close();
  }
}

async function captureOpenError(path: string): Promise<StoreUnavailableError> {
  try {
    await (await openLedger({ path })).close();
  } catch (err) {
    assert.ok(err instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(err)}`);
    return err;
  }
  assert.fail(`opening ${path} should have failed`);
}
