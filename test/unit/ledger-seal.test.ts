// Keyed MACs on the review records and the keys behind them: every column of a stored proposal
// or decision edited in the SQLite file (the plain hash recomputed, as an attacker would) makes
// the record unverifiable and stops approval; keys come from a 0600 key file or an environment
// variable, rotate without stranding old records, and are never printed.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { canonicalJson, changeSetHash } from "../../runtime/ledger/hash.ts";
import { createHmac } from "node:crypto";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { fileKeyRing, keyFilePath, rotateKeyFile } from "../../runtime/ledger/keys/key-file.ts";
import { LedgerKeyError, keyIdOf, type KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing } from "../../runtime/ledger/keys/open-key-ring.ts";
import { applyMigrations, MIGRATIONS } from "../../runtime/ledger/migrations.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, StoredProposal } from "../../runtime/ledger/records.ts";
import { runProcess } from "../support/cli.ts";
import { editStore, storeRow } from "../support/ledger-file.ts";
import { sharedLedgerBackends, unitTierOnly, ledgerHarness, type LedgerHarness, type LedgerStore } from "../support/ledger-backends.ts";
import { toProposalRecord } from "../../runtime/ledger/rows.ts";

const root = mkdtempSync(join(tmpdir(), "ledger-seal-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const storePath = () => join(root, `store-${++counter}.sqlite`);
const open: Ledger[] = [];
after(() => Promise.all(open.map((l) => l.close())));

const SECRET_A = "a-very-long-test-secret-number-one-0123456789";
const SECRET_B = "another-long-test-secret-number-two-9876543210";

async function fresh(path = storePath(), keys: KeyRing = envKeyRing("TEST_LEDGER_KEY", SECRET_A)): Promise<Ledger> {
  const ledger = await openLedger({ path, keys });
  open.push(ledger);
  return ledger;
}

// The suites that only edit rows run on SQLite here and on Postgres in test/e2e/ledger-shared-postgres.test.ts;
// `backend` is the harness of the suite running now.
let backend: LedgerHarness;
function onEveryBackend(suites: () => void): void {
  for (const name of sharedLedgerBackends()) {
    describe(name, () => {
      const harness = ledgerHarness(name);
      before(() => void (backend = harness));
      suites();
    });
  }
}
const freshOnBackend = (): Promise<Ledger> => backend.fresh({ keys: envKeyRing("TEST_LEDGER_KEY", SECRET_A) });
/** Plain SQL on the store's rows, the way someone with file or database access (and no key) could. */
const editRows = (store: LedgerStore, sql: string, ...params: (string | number | null)[]) => backend.exec(store, sql, params);
const rowOf = async (store: LedgerStore, table: string, id: string): Promise<Record<string, any>> =>
  ({ ...(await backend.rows(store, `SELECT * FROM ${table} WHERE id = ?`, [id]))[0] });
/** After editing a change-set column: recompute the plain SHA-256 so it matches again, all a hash without a key can stop. */
async function rehash(store: LedgerStore, id: string): Promise<void> {
  const hash = changeSetHash(toProposalRecord(await rowOf(store, "proposals", id)));
  await editRows(store, "UPDATE proposals SET hash = ? WHERE id = ?", hash, id);
}

function proposal(overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "overdue", late_fee_cents: 2500 },
    patch: { late_fee_cents: 0, status: "open" },
    after: { id: "INV-3001", status: "open", late_fee_cents: 0 },
    guards: {
      tenant: { column: "tenant_id", value: "acme" },
      conflict: { column: "updated_at", expected: "2026-05-16T09:12:44.123456Z" },
      transitions: [{ column: "status", from: ["overdue"], to: ["open"] }],
    },
    args: { invoice_id: "INV-3001", reason: "outage" },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "direct_sql", type: "sql_update" },
    planHash: "ab".repeat(32),
    ...overrides,
  };
}

async function approved(ledger: Ledger, overrides: Partial<NewProposal> = {}): Promise<StoredProposal> {
  const p = await ledger.proposals.create(proposal(overrides));
  const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: p.hash });
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.refusal.message);
  return outcome.proposal;
}

/** One edit per column of the proposals table, each something an attacker would want. */
const PROPOSAL_EDITS: Record<string, (r: Record<string, unknown>) => string | number | null> = {
  hash: () => "0".repeat(64),
  state: () => "failed",
  capability: () => "billing.propose_refund",
  tenant_id: () => "globex",
  principal: () => "agent:other",
  // A proposal made without verified roles gains one (an approver might trust it more).
  roles: () => JSON.stringify(["billing-admin"]),
  source: () => "other_db",
  target_table: () => "public.payouts",
  object_id: () => "INV-9999",
  target: () => JSON.stringify({ schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-9999" } }),
  before_row: () => JSON.stringify({ id: "INV-3001", status: "overdue", late_fee_cents: 1 }),
  patch: () => JSON.stringify({ late_fee_cents: 0, status: "void", credit_cents: 99999 }),
  after_row: () => JSON.stringify({ id: "INV-3001", status: "void", late_fee_cents: 0 }),
  guards: () => JSON.stringify({ tenant: { column: "tenant_id", value: "acme" } }),
  args: () => JSON.stringify({ invoice_id: "INV-3001", reason: "edited" }),
  evidence_id: () => "ev_zzzzzzzzzzzzzzzzzzzz",
  approval: () => JSON.stringify({ mode: "human" }),
  executor: () => JSON.stringify({ name: "app_handler", type: "http_handler" }),
  created_at: () => "2020-01-01T00:00:00.000Z",
  updated_at: () => "2020-01-01T00:00:00.000Z",
  plan_hash: () => "cd".repeat(32),
  key_id: () => keyIdOf(SECRET_B),
  mac: () => "f".repeat(64),
  state_key_id: () => keyIdOf(SECRET_B),
  state_mac: () => "e".repeat(64),
  id: () => "wrp_edited00000000000000",
};

const DECISION_EDITS: Record<string, () => string | null> = {
  id: () => "apr_edited00000000000000",
  tenant_id: () => "globex",
  decision: () => "rejected",
  actor: () => "mallory",
  role: () => "intern",
  reason: () => "edited",
  proposal_hash: () => "0".repeat(64),
  proposal_mac: () => "f".repeat(64),
  before_hash: () => "0".repeat(64),
  established_by: () => "credential",
  created_at: () => "2020-01-01T00:00:00.000Z",
  key_id: () => keyIdOf(SECRET_B),
  mac: () => "f".repeat(64),
};

const CHANGE_SET_COLUMNS = new Set(["capability", "tenant_id", "principal", "roles", "source", "target", "before_row", "patch", "after_row", "guards", "args", "evidence_id", "approval", "executor"]);

describe("the tamper lists", unitTierOnly(), () => {
  test("the tamper list covers every column of the proposals and decisions tables", () => {
    const db = new DatabaseSync(":memory:");
    try {
      applyMigrations(db);
      const columns = (table: string) => db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all().map((r) => r.name as string).sort();
      assert.deepEqual(columns("proposals"), Object.keys(PROPOSAL_EDITS).sort());
      assert.deepEqual(columns("decisions"), [...Object.keys(DECISION_EDITS), "proposal_id"].sort());
    } finally {
      db.close();
    }
  });
});

// Backend-independent: rows edited in a SQLite file or in the Postgres tables are refused alike.
onEveryBackend(() => {
  describe("tampering with a stored proposal", () => {
    for (const [column, value] of Object.entries(PROPOSAL_EDITS)) {
      test(`editing proposals.${column} of an approved proposal (hash recomputed) makes it unverifiable and stops apply's check`, async () => {
        const ledger = await freshOnBackend();
        const path = backend.storeOf(ledger);
        const p = await approved(ledger);
        await editRows(path, `UPDATE proposals SET ${column} = ? WHERE id = ?`, value((await rowOf(path, "proposals", p.id))), p.id);
        const id = column === "id" ? (value({}) as string) : p.id;
        if (CHANGE_SET_COLUMNS.has(column)) await rehash(path, id);
        const check = await ledger.proposals.approval(id);
        assert.ok(!check.ok, "apply would proceed");
        assert.equal(check.refusal.code, "UNVERIFIED", check.refusal.message);
        const stored = await ledger.proposals.get(id);
        assert.equal(stored?.verification.verified, false);
        const job = await ledger.writeback.createJob(id, { proposal_id: id });
        assert.equal(job.ok, false, "no job can be recorded for it either");
      });
    }

    test("a proposal edited while in review cannot be approved, and the approval names the key and where keys come from", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await ledger.proposals.create(proposal());
      await editRows(path, "UPDATE proposals SET patch = ? WHERE id = ?", JSON.stringify({ late_fee_cents: 0, status: "void" }), p.id);
      await rehash(path, p.id);
      const refused = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead" });
      assert.ok(!refused.ok);
      assert.equal(refused.refusal.code, "UNVERIFIED");
      assert.ok(refused.refusal.message.includes(p.verification.keyId!), "names the key id");
      assert.match(refused.refusal.message, /environment variable TEST_LEDGER_KEY/);
      assert.ok(!refused.refusal.message.includes(SECRET_A), "never the key itself");
      assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
    });

    test("forging approval: state set to approved with a hand-written decision row does not verify", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await ledger.proposals.create(proposal());
      await editRows(path, "UPDATE proposals SET state = 'approved' WHERE id = ?", p.id);
      await editRows(path, `INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash, created_at)
        VALUES ('apr_forged0000000000000', ?, 'acme', 'approved', 'dana', 'billing_lead', NULL, ?, '2026-01-01T00:00:00.000Z')`, p.id, p.hash);
      const check = await ledger.proposals.approval(p.id);
      assert.ok(!check.ok);
      assert.equal(check.refusal.code, "UNVERIFIED");
    });
  });

  describe("tampering with a stored decision", () => {
    for (const [column, value] of Object.entries(DECISION_EDITS)) {
      test(`editing decisions.${column} of an approval stops apply's check`, async () => {
        const ledger = await freshOnBackend();
        const path = backend.storeOf(ledger);
        const p = await approved(ledger);
        const [decision] = await ledger.proposals.decisions(p.id);
        await editRows(path, `UPDATE decisions SET ${column} = ? WHERE id = ?`, value(), decision!.id);
        const check = await ledger.proposals.approval(p.id);
        assert.ok(!check.ok, "apply would proceed");
        assert.equal(check.refusal.code, "UNVERIFIED", check.refusal.message);
      });
    }

    test("an approval copied from proposal A to proposal B does not verify for B", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const a = await approved(ledger);
      const b = await approved(ledger, { patch: { late_fee_cents: 0, status: "void" } });
      const [fromA] = await ledger.proposals.decisions(a.id);
      // B's own approval goes; A's is copied in under B's id (with B's hash and MAC, as far as the attacker can).
      await editRows(path, "DELETE FROM decisions WHERE proposal_id = ?", b.id);
      const copy = (await rowOf(path, "decisions", fromA!.id));
      const bRow = (await rowOf(path, "proposals", b.id));
      await editRows(path, `INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash, proposal_mac, before_hash, created_at, key_id, mac)
        VALUES ('apr_copied0000000000000', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.id, copy.tenant_id as string, copy.decision as string,
        copy.actor as string, copy.role as string, copy.reason as string | null, bRow.hash as string, bRow.mac as string,
        copy.before_hash as string, copy.created_at as string, copy.key_id as string, copy.mac as string);
      assert.equal((await ledger.proposals.get(b.id))!.verification.verified, true, "B itself is untouched");
      const check = await ledger.proposals.approval(b.id);
      assert.ok(!check.ok);
      assert.equal(check.refusal.code, "UNVERIFIED");
      assert.ok((await ledger.proposals.approval(a.id)).ok, "A still applies");
    });
  });

  describe("who may approve", () => {
    test("the principal that proposed can never approve, whatever the case or blanks; rejecting stays open", async () => {
      const ledger = await freshOnBackend();
      const p = await ledger.proposals.create(proposal({ principal: "Dana" }));
      for (const actor of ["Dana", " dana "]) {
        const self = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor, role: "billing_lead" });
        assert.ok(!self.ok);
        assert.equal(self.refusal.code, "SELF_APPROVAL");
      }
      assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
      assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "dana", reason: "my own mistake" })).ok);
    });
  });

  describe("receipts on a proposal that no longer verifies", () => {
    test("the receipt is kept as a late-receipt event (it records what the executor did), not as the outcome: the state does not move or get re-sealed", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await approved(ledger);
      const job = await ledger.writeback.createJob(p.id, { idempotency_key: `${p.id}:INV-3001` });
      assert.ok(job.ok);
      await editRows(path, "UPDATE proposals SET args = ? WHERE id = ?", JSON.stringify({ invoice_id: "INV-3001", reason: "edited mid-apply" }), p.id);
      const recorded = await ledger.writeback.recordReceipt({
        proposalId: p.id,
        jobId: job.value.id,
        executor: { name: "direct_sql", type: "sql_update" },
        receipt: { status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: null, new_version: null, safe_error_code: null, message: "ok", details: { effects: [] } },
      });
      assert.ok(!recorded.ok);
      assert.equal(recorded.refusal.code, "UNVERIFIED");
      assert.equal((await ledger.proposals.get(p.id))!.state, "approved");
      assert.deepEqual(await ledger.writeback.listReceipts({ proposalId: p.id }), [], "the ledger state still equals its latest receipt (none)");
      const last = (await ledger.events.list({ proposalId: p.id, limit: 1 }))[0]!;
      assert.equal(last.type, "writeback_late_receipt");
      assert.equal(last.detail.status, "applied");
      assert.equal(last.detail.refused, "UNVERIFIED");
    });
  });

  describe("expiry", () => {
    test("review_required and approved proposals expire (final, sealed, with an event); others do not", async () => {
      const ledger = await freshOnBackend();
      const waiting = await ledger.proposals.create(proposal());
      const ready = await approved(ledger);
      for (const p of [waiting, ready]) {
        const expired = await ledger.proposals.expire(p.id, { reason: "stale_plan", why: "plan_changed" });
        assert.ok(expired.ok, expired.ok ? "" : expired.refusal.message);
        assert.equal(expired.value.state, "expired");
        assert.equal(expired.value.verification.verified, true, "the new state is sealed");
        const event = (await ledger.events.list({ proposalId: p.id, limit: 1 }))[0]!;
        assert.equal(event.type, "proposal_expired");
        assert.deepEqual(event.detail, { reason: "stale_plan", why: "plan_changed", previousState: p.state });
      }
      const again = await ledger.proposals.expire(waiting.id, {});
      assert.ok(!again.ok);
      assert.equal(again.refusal.code, "NOT_EXPIRABLE");
      const decide = await ledger.proposals.decide({ proposalId: waiting.id, decision: "approved", actor: "dana", role: "billing_lead" });
      assert.ok(!decide.ok);
      assert.equal(decide.refusal.code, "NOT_REVIEWABLE");
      const apply = await ledger.proposals.approval(ready.id);
      assert.ok(!apply.ok);
      assert.equal(apply.refusal.code, "APPROVAL_REQUIRED");
      assert.match(apply.refusal.message, /expired/);
      const rejected = await ledger.proposals.create(proposal());
      assert.ok((await ledger.proposals.decide({ proposalId: rejected.id, decision: "rejected", actor: "dana", reason: "no" })).ok);
      const refused = await ledger.proposals.expire(rejected.id, {});
      assert.ok(!refused.ok);
      assert.equal(refused.refusal.code, "NOT_EXPIRABLE");
    });
  });

  describe("a state edited in the file", () => {
    const APPLIED_RECEIPT: Receipt = { status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: null, new_version: null, safe_error_code: null, message: "ok", details: { effects: [] } };

    async function applied(ledger: Ledger): Promise<StoredProposal> {
      const p = await approved(ledger);
      const job = await ledger.writeback.createJob(p.id, { idempotency_key: `${p.id}:INV-3001` });
      assert.ok(job.ok);
      const receipt = await ledger.writeback.recordReceipt({ proposalId: p.id, jobId: job.value.id, executor: { name: "direct_sql", type: "sql_update" }, receipt: APPLIED_RECEIPT });
      assert.ok(receipt.ok);
      const stored = (await ledger.proposals.get(p.id))!;
      assert.deepEqual([stored.state, stored.verification.verified], ["applied", true]);
      return stored;
    }

    test("an applied proposal set back to approved cannot expire: its state is never re-sealed as a verified 'never applied'", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await applied(ledger);
      await editRows(path, "UPDATE proposals SET state = 'approved' WHERE id = ?", p.id);
      const before = (await rowOf(path, "proposals", p.id));
      const expired = await ledger.proposals.expire(p.id, { reason: "stale_plan" });
      assert.ok(!expired.ok, "the edited state was re-sealed");
      assert.equal(expired.refusal.code, "UNVERIFIED");
      assert.match(expired.refusal.message, /The state \(approved\) of proposal .* does not match its keyed MAC/);
      assert.deepEqual((await rowOf(path, "proposals", p.id)), before, "nothing changed");
      const shown = (await ledger.proposals.get(p.id))!;
      assert.deepEqual([shown.verification.verified, shown.verification.seals], [false, { record: "verified", state: "mismatch" }]);
      assert.equal((await ledger.events.list({ proposalId: p.id, limit: 1 }))[0]!.type, "writeback_applied", "no proposal_expired event");
    });

    test("an approved proposal set back to review_required cannot be rejected or approved: every decision needs the state seal", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await approved(ledger);
      await editRows(path, "UPDATE proposals SET state = 'review_required' WHERE id = ?", p.id);
      for (const request of [
        { proposalId: p.id, decision: "rejected" as const, actor: "erin", reason: "hide the approval" },
        { proposalId: p.id, decision: "approved" as const, actor: "erin", role: "billing_lead" },
      ]) {
        const outcome = await ledger.proposals.decide(request);
        assert.ok(!outcome.ok, `${request.decision} re-sealed an edited state`);
        assert.equal(outcome.refusal.code, "UNVERIFIED");
      }
      assert.equal((await rowOf(path, "proposals", p.id)).state, "review_required");
      assert.equal((await ledger.proposals.decisions(p.id)).length, 1, "only the original approval");
    });

    test("a state sealed by a key this process lacks cannot move either: a made-up key id is no way around the seal", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await ledger.proposals.create(proposal());
      await editRows(path, "UPDATE proposals SET state_key_id = 'k_0000000000000000' WHERE id = ?", p.id);
      const rejected = await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "erin", reason: "no" });
      assert.ok(!rejected.ok);
      assert.equal(rejected.refusal.code, "UNVERIFIED");
      const expired = await ledger.proposals.expire(p.id, {});
      assert.ok(!expired.ok);
      assert.equal(expired.refusal.code, "UNVERIFIED");
    });

    test("a state seal removed from a sealed proposal is not mistaken for an old store's: it cannot move", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await applied(ledger);
      await editRows(path, "UPDATE proposals SET state = 'approved', state_key_id = NULL, state_mac = NULL WHERE id = ?", p.id);
      const expired = await ledger.proposals.expire(p.id, {});
      assert.ok(!expired.ok);
      assert.equal(expired.refusal.code, "UNVERIFIED");
    });

    test("a record edited while its state seal still verifies can be rejected or expired (retiring is safe), never approved", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const first = await ledger.proposals.create(proposal());
      const second = await ledger.proposals.create(proposal());
      for (const p of [first, second]) {
        await editRows(path, "UPDATE proposals SET patch = ? WHERE id = ?", JSON.stringify({ late_fee_cents: 0, status: "void" }), p.id);
        await rehash(path, p.id);
        assert.deepEqual((await ledger.proposals.get(p.id))!.verification.seals, { record: "mismatch", state: "verified" });
      }
      const approval = await ledger.proposals.decide({ proposalId: first.id, decision: "approved", actor: "dana", role: "billing_lead" });
      assert.ok(!approval.ok);
      assert.equal(approval.refusal.code, "UNVERIFIED");
      const rejection = await ledger.proposals.decide({ proposalId: first.id, decision: "rejected", actor: "dana", reason: "edited in the file" });
      assert.ok(rejection.ok, rejection.ok ? "" : rejection.refusal.message);
      assert.equal(rejection.proposal.state, "rejected");
      assert.deepEqual(rejection.proposal.verification.seals, { record: "mismatch", state: "verified" }, "the record still does not verify");
      const expired = await ledger.proposals.expire(second.id, { reason: "stale_plan" });
      assert.ok(expired.ok, expired.ok ? "" : expired.refusal.message);
      assert.equal(expired.value.verification.verified, false);
    });

    test("a receipt on a proposal whose state was edited is kept as an event only, and the state neither moves nor is re-sealed", async () => {
      const ledger = await freshOnBackend();
      const path = backend.storeOf(ledger);
      const p = await approved(ledger);
      const job = await ledger.writeback.createJob(p.id, { idempotency_key: `${p.id}:INV-3001` });
      assert.ok(job.ok);
      await editRows(path, "UPDATE proposals SET state = 'failed' WHERE id = ?", p.id);
      const before = (await rowOf(path, "proposals", p.id));
      const recorded = await ledger.writeback.recordReceipt({ proposalId: p.id, jobId: job.value.id, executor: { name: "direct_sql", type: "sql_update" }, receipt: APPLIED_RECEIPT });
      assert.ok(!recorded.ok);
      assert.equal(recorded.refusal.code, "UNVERIFIED");
      assert.deepEqual((await rowOf(path, "proposals", p.id)), before);
    });
  });
});

describe("an old store", unitTierOnly(), () => {
  test("a store made by migrations 1–4 opens, upgrades, and reports its proposals and decisions unverifiable instead of trusting them", async () => {
    const path = storePath();
    const db = new DatabaseSync(path);
    assert.deepEqual(applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 4)), [1, 2, 3, 4]);
    const p = { ...proposal(), id: "wrp_2222222222oldstep4a" };
    const insert = db.prepare(`INSERT INTO proposals (id, hash, state, capability, tenant_id, principal, source, target_table, object_id, target,
      before_row, patch, after_row, guards, args, evidence_id, approval, executor, created_at, updated_at, plan_hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'public.invoices', 'INV-3001', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const [id, state] of [[p.id, "approved"], ["wrp_2222222222oldstep4b", "review_required"]] as const) {
      insert.run(id, changeSetHash(p), state, p.capability, p.tenantId, p.principal, p.source, JSON.stringify(p.target), JSON.stringify(p.before),
        JSON.stringify(p.patch), JSON.stringify(p.after), JSON.stringify(p.guards), JSON.stringify(p.args), p.evidenceId,
        JSON.stringify(p.approval), JSON.stringify(p.executor), "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", p.planHash!);
    }
    db.prepare(`INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash, created_at)
      VALUES ('apr_2222222222oldstep4a', ?, 'acme', 'approved', 'dana', 'billing_lead', NULL, ?, '2026-01-01T00:00:01.000Z')`).run(p.id, changeSetHash(p));
    db.close();

    const ledger = await fresh(path);
    const listed = await ledger.proposals.list();
    assert.deepEqual(listed.map((x) => x.id), ["wrp_2222222222oldstep4b", p.id], "rowid order is kept through the table rebuild");
    for (const x of listed) assert.deepEqual([x.verification.verified, x.verification.problem], [false, "unsealed"]);
    const [decision] = await ledger.proposals.decisions(p.id);
    assert.deepEqual([decision!.verification.verified, decision!.verification.problem, decision!.beforeHash], [false, "unsealed", null]);
    const check = await ledger.proposals.approval(p.id);
    assert.ok(!check.ok);
    assert.equal(check.refusal.code, "UNVERIFIED");
    assert.match(check.refusal.message, /Propose the change again/);
    // The queue can still be cleared: expiring never writes to the source.
    assert.ok((await ledger.proposals.expire("wrp_2222222222oldstep4b", { reason: "stale_plan" })).ok);

    const check2 = new DatabaseSync(path, { readOnly: true });
    try {
      const versions = check2.prepare("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => r.version);
      assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
      const indexes = check2.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'proposals' AND name NOT LIKE 'sqlite_%'").all().map((r) => r.name);
      assert.deepEqual(indexes.sort(), ["proposals_capability", "proposals_created", "proposals_evidence", "proposals_object", "proposals_state", "proposals_tenant"]);
      assert.deepEqual(check2.prepare("PRAGMA foreign_key_check").all(), []);
      const fk = check2.prepare("SELECT \"table\" FROM pragma_foreign_key_list('decisions')").all().map((r) => r.table);
      assert.deepEqual(fk, ["proposals"], "decisions still reference the rebuilt proposals table");
    } finally {
      check2.close();
    }
  });

  test("a decision sealed before established_by existed (migration 5) still verifies and approves", async () => {
    const path = storePath();
    const ledger = await fresh(path);
    const p = await approved(ledger);
    // Rewrite the decision as a v5 build stored it: no established_by, MAC over the v5 fields.
    const [stored] = await ledger.proposals.decisions(p.id);
    const row = storeRow(path, "decisions", stored!.id);
    const key = ledger.keys.active();
    const v5Fields = {
      record: "synapsor.decision.v1", id: row.id, proposalId: row.proposal_id, tenantId: row.tenant_id, decision: row.decision, actor: row.actor,
      role: row.role, reason: row.reason, proposalHash: row.proposal_hash, proposalMac: row.proposal_mac, beforeHash: row.before_hash,
      createdAt: row.created_at, keyId: key.id,
    };
    const v5Mac = createHmac("sha256", Buffer.from(key.secret, "utf8")).update(canonicalJson(v5Fields)).digest("hex");
    editStore(path, "UPDATE decisions SET established_by = NULL, mac = ? WHERE proposal_id = ?", v5Mac, p.id);

    const [decision] = await ledger.proposals.decisions(p.id);
    assert.equal(decision!.establishedBy, null);
    assert.equal(decision!.verification.verified, true, decision!.verification.message ?? "");
    assert.ok((await ledger.proposals.approval(p.id)).ok);
  });

  test("opening the upgraded store again applies nothing twice", async () => {
    const path = storePath();
    await (await openLedger({ path, keys: envKeyRing("K", SECRET_A) })).close();
    const db = new DatabaseSync(path);
    try {
      assert.deepEqual(applyMigrations(db), []);
    } finally {
      db.close();
    }
  });
});

describe("ledger keys", unitTierOnly(), () => {
  test("the key file is created on first use, owner-only, and names its key by an id derived from it", async () => {
    const path = storePath();
    const keys = openKeyRing({ storePath: path, env: {} });
    assert.equal(keys.kind, "file");
    const ledger = await fresh(path, keys);
    assert.equal(existsSync(keyFilePath(path)), false, "nothing is created before a record is sealed");
    const p = await ledger.proposals.create(proposal());
    const file = keyFilePath(path);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const json = JSON.parse(readFileSync(file, "utf8"));
    assert.equal(json.format, "synapsor.ledger-keys.v1");
    assert.equal(json.active, p.verification.keyId);
    assert.equal(json.keys.length, 1);
    assert.equal(json.keys[0].id, keyIdOf(json.keys[0].secret));
    assert.ok(json.keys[0].secret.length >= 32);
    assert.ok(!json.active.includes(json.keys[0].secret.slice(0, 8)));
    // Another process opening the same store reads the same key.
    const other = await fresh(path, openKeyRing({ storePath: path, env: {} }));
    assert.equal((await other.proposals.get(p.id))!.verification.verified, true);
  });

  test("a key file others can read, or another user owns, is refused with the command that fixes it", async () => {
    const path = storePath();
    const keys = fileKeyRing(keyFilePath(path));
    keys.active();
    chmodSync(keyFilePath(path), 0o644);
    const loose = fileKeyRing(keyFilePath(path));
    assert.throws(() => loose.active(), (err: unknown) => err instanceof LedgerKeyError && /mode 0644/.test(err.message) && err.message.includes(`chmod 600 ${keyFilePath(path)}`));
    assert.throws(() => loose.find("k_0000000000000000"), LedgerKeyError);
    chmodSync(keyFilePath(path), 0o600);
    if (process.getuid?.() === 0) {
      chownSync(keyFilePath(path), 4321, 4321);
      assert.throws(() => fileKeyRing(keyFilePath(path)).active(), (err: unknown) => err instanceof LedgerKeyError && /belongs to another user \(uid 4321\)/.test(err.message) && /chown 0 /.test(err.message));
    }
  });

  test("keys from an environment variable: the first seals, the rest verify; short or missing keys are refused without echoing them", () => {
    const ring = envKeyRing("TEST_LEDGER_KEY", ` ${SECRET_B} , ${SECRET_A} `);
    assert.equal(ring.kind, "env");
    assert.equal(ring.active().id, keyIdOf(SECRET_B));
    assert.equal(ring.find(keyIdOf(SECRET_A))?.secret, SECRET_A);
    assert.throws(() => envKeyRing("TEST_LEDGER_KEY", `${SECRET_A},short-secret`), (err: unknown) =>
      err instanceof LedgerKeyError && /ledger key 2 in TEST_LEDGER_KEY is shorter than 32/.test(err.message) && !err.message.includes("short-secret"));
    assert.throws(() => openKeyRing({ storePath: storePath(), envName: "NAMED_KEY", envRequired: true, env: {} }), (err: unknown) =>
      err instanceof LedgerKeyError && /environment variable NAMED_KEY is not set/.test(err.message));
    // The default variable is optional: without it the key file is used.
    assert.equal(openKeyRing({ storePath: storePath(), env: {} }).kind, "file");
    assert.equal(openKeyRing({ storePath: storePath(), env: { SYNAPSOR_LEDGER_KEY: SECRET_A } }).kind, "env");
  });

  test("rotating the key file: old proposals still verify and approve, new ones are sealed by the new key, a running ring follows", async () => {
    const path = storePath();
    const keys = openKeyRing({ storePath: path, env: {} });
    const ledger = await fresh(path, keys);
    const before = await ledger.proposals.create(proposal());
    const oldId = before.verification.keyId!;
    const rotated = rotateKeyFile(keyFilePath(path));
    assert.deepEqual(rotated.retired.map((k) => k.id), [oldId]);
    assert.equal(statSync(keyFilePath(path)).mode & 0o777, 0o600);
    const afterRotation = await ledger.proposals.create(proposal());
    assert.equal(afterRotation.verification.keyId, rotated.active.id, "the open ledger seals with the new key without reopening");
    assert.notEqual(rotated.active.id, oldId);
    const old = (await ledger.proposals.get(before.id))!;
    assert.equal(old.verification.verified, true);
    const decided = await ledger.proposals.decide({ proposalId: before.id, decision: "approved", actor: "dana", role: "billing_lead" });
    assert.ok(decided.ok);
    assert.equal(decided.decision.verification.keyId, rotated.active.id, "the decision is sealed by the new key");
    assert.ok((await ledger.proposals.approval(before.id)).ok, "an old proposal approved after rotation applies");
  });

  test("two processes rotating the same key file at once keep every key either of them made", async () => {
    const file = keyFilePath(storePath());
    const first = fileKeyRing(file).active().id;
    const module = new URL("../../runtime/ledger/keys/key-file.ts", import.meta.url).href;
    // Both start rotating at the same moment, so their read-change-rename cycles interleave.
    const startAt = Date.now() + 2000;
    const script = `const { rotateKeyFile } = await import(${JSON.stringify(module)});
      while (Date.now() < ${startAt}) {}
      const ids = [];
      for (let i = 0; i < 40; i++) ids.push(rotateKeyFile(${JSON.stringify(file)}).active.id);
      console.log(JSON.stringify(ids));`;
    const runs = await Promise.all([0, 1].map(() => runProcess(process.execPath, ["--input-type=module", "-e", script])));
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    const made = runs.flatMap((r) => JSON.parse(r.stdout) as string[]);
    assert.equal(new Set(made).size, 80);
    const kept = new Set(fileKeyRing(file).keys().map((k) => k.id));
    const lost = [first, ...made].filter((id) => !kept.has(id));
    assert.deepEqual(lost, [], "keys lost by interleaved rotations");
    assert.equal(kept.size, 81);
    assert.equal(existsSync(`${file}.lock`), false, "the lock is removed");
  });

  test("a rotation lock that stays held is refused with a message naming the lock, and the keys are unchanged", () => {
    const file = keyFilePath(storePath());
    const ring = fileKeyRing(file);
    const active = ring.active().id;
    writeFileSync(`${file}.lock`, "");
    assert.throws(() => rotateKeyFile(file, { lockWaitMs: 50 }), (err: unknown) =>
      err instanceof LedgerKeyError && err.message.includes(`another key rotation holds the lock ${file}.lock`) && err.message.includes(`remove ${file}.lock`));
    assert.deepEqual(fileKeyRing(file).keys().map((k) => k.id), [active]);
    unlinkSync(`${file}.lock`);
    assert.notEqual(rotateKeyFile(file).active.id, active);
  });

  test("a running key ring notices a key file opened to other users and stops sealing with it", () => {
    const file = keyFilePath(storePath());
    const ring = fileKeyRing(file);
    ring.active();
    chmodSync(file, 0o644);
    assert.throws(() => ring.active(), (err: unknown) => err instanceof LedgerKeyError && /mode 0644/.test(err.message));
    chmodSync(file, 0o600);
    assert.ok(ring.active().id);
  });

  test("something other than a regular file in the key file's place is refused without waiting on it", () => {
    const file = keyFilePath(storePath());
    execFileSync("mkfifo", ["-m", "600", file]);
    assert.throws(() => fileKeyRing(file).active(), (err: unknown) => err instanceof LedgerKeyError && /is not a regular file/.test(err.message));
  });

  test("rotating an environment variable: the old key moves behind the new one and keeps verifying", async () => {
    const path = storePath();
    const first = await fresh(path, envKeyRing("K", SECRET_A));
    const p = await approved(first);
    const second = await fresh(path, envKeyRing("K", `${SECRET_B},${SECRET_A}`));
    assert.ok((await second.proposals.approval(p.id)).ok);
    const q = await second.proposals.create(proposal());
    assert.equal(q.verification.keyId, keyIdOf(SECRET_B));
    const withoutOld = await fresh(path, envKeyRing("K", SECRET_B));
    const lost = await withoutOld.proposals.approval(p.id);
    assert.ok(!lost.ok);
    assert.equal(lost.refusal.code, "UNVERIFIED");
    assert.ok(lost.refusal.message.includes(keyIdOf(SECRET_A)));
    assert.match(lost.refusal.message, /does not have \(ledger keys are read from the environment variable K\)/);
  });

  test("a deleted key file: pending proposals cannot be approved, and the message names the key id and the file", async () => {
    const path = storePath();
    const ledger = await fresh(path, openKeyRing({ storePath: path, env: {} }));
    const p = await ledger.proposals.create(proposal());
    unlinkSync(keyFilePath(path));
    const later = await fresh(path, openKeyRing({ storePath: path, env: {} }));
    const shown = (await later.proposals.get(p.id))!;
    assert.deepEqual([shown.verification.verified, shown.verification.problem], [false, "unknown_key"]);
    const refused = await later.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead" });
    assert.ok(!refused.ok);
    assert.ok(refused.refusal.message.includes(p.verification.keyId!));
    assert.ok(refused.refusal.message.includes(`the key file ${keyFilePath(path)}`));
    assert.equal(existsSync(keyFilePath(path)), false, "a refused approval creates no key");
  });
});
