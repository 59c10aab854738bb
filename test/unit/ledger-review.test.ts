// The review side of the ledger on every backend (SQLite and Postgres): decisions, writeback jobs,
// receipts, events, and the writeback request built from them. Refusals come back as values with stable codes.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest, WritebackRequestError } from "../../runtime/executors/request.ts";
import type { Ledger, WritebackOutcome } from "../../runtime/ledger/ports.ts";
import type { NewProposal, ProposalFilter, StoredProposal } from "../../runtime/ledger/records.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import { applyMigrations, MIGRATIONS } from "../../runtime/ledger/migrations.ts";
import { createHash } from "node:crypto";
import { canonicalJson, changeSetHash } from "../../runtime/ledger/hash.ts";
import { sealState } from "../../runtime/ledger/seal.ts";
import { checkWritebackJob } from "../../operator/review/job-schema.ts";
import { sharedLedgerBackends, unitTierOnly, ledgerHarness, type LedgerHarness } from "../support/ledger-backends.ts";

const root = mkdtempSync(join(tmpdir(), "ledger-review-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const storePath = () => join(root, `store-${++counter}.sqlite`);
const open: Ledger[] = [];
after(() => Promise.all(open.map((l) => l.close())));

// The backend-independent suites below run on SQLite here and on Postgres in test/e2e/ledger-shared-postgres.test.ts;
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
const fresh = (): Promise<Ledger> => backend.fresh();
/** A second handle on the same store, like a second process. */
const reopen = (ledger: Ledger): Promise<Ledger> => backend.open(backend.storeOf(ledger));

function proposal(overrides: Partial<NewProposal> = {}): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "open", late_fee_cents: 2500 },
    patch: { late_fee_cents: 0, status: "waived" },
    after: { id: "INV-3001", status: "waived", late_fee_cents: 0 },
    guards: {
      tenant: { column: "tenant_id", value: "acme" },
      conflict: { column: "updated_at", expected: "2026-05-16T09:12:44.123456Z" },
      transitions: [{ column: "status", from: ["open", "overdue"], to: ["waived"] }],
    },
    args: { invoice_id: "INV-3001", reason: "first late payment" },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "app_writer", type: "sql_update" },
    ...overrides,
  };
}

function receipt(status: Receipt["status"], overrides: Partial<Receipt> = {}): Receipt {
  const mutated = status === "applied";
  return {
    status,
    rows_affected: mutated ? 1 : 0,
    source_database_mutated: mutated,
    previous_version: "2026-05-16T09:12:44.123456Z",
    new_version: mutated ? "2026-05-17T10:00:00.000000Z" : "2026-05-16T09:12:44.123456Z",
    safe_error_code: status === "conflict" ? "ROW_CHANGED_AFTER_PROPOSAL" : status === "failed" ? "WRITER_UNAVAILABLE" : null,
    message: `the executor answered ${status}`,
    details: { effects: mutated ? [{ table: "public.invoices", id: "INV-3001", columns: ["late_fee_cents", "status"] }] : [] },
    ...overrides,
  };
}

const EXECUTOR = { name: "app_writer", type: "sql_update" } as const;

function value<T>(outcome: WritebackOutcome<T>): T {
  assert.ok(outcome.ok, outcome.ok ? "" : `refused: ${outcome.refusal.code} ${outcome.refusal.message}`);
  return outcome.value;
}

async function approve(ledger: Ledger, p: StoredProposal) {
  const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.refusal.message);
  return outcome.decision;
}

async function approvedWithJob(ledger: Ledger, overrides: Partial<NewProposal> = {}) {
  const p = await ledger.proposals.create(proposal(overrides));
  const decision = await approve(ledger, p);
  const request = buildWritebackRequest((await ledger.proposals.get(p.id))!, decision, new Date().toISOString());
  const job = value(await ledger.writeback.createJob(p.id, request as unknown as Record<string, unknown>));
  return { p, decision, job };
}

async function receive(ledger: Ledger, proposalId: string, jobId: string, status: Receipt["status"]) {
  return value(await ledger.writeback.recordReceipt({ proposalId, jobId, executor: EXECUTOR, receipt: receipt(status) }));
}

async function stateOf(ledger: Ledger, id: string) {
  return (await ledger.proposals.get(id))!.state;
}

async function eventTypes(ledger: Ledger, proposalId: string): Promise<string[]> {
  return (await ledger.events.list({ proposalId, afterId: 0 })).map((e) => e.type);
}

/** Edits a stored proposal behind the ledger's back, the way someone with file or database access could. */
async function tamper(ledger: Ledger, id: string, patch: Record<string, unknown>): Promise<void> {
  await backend.exec(backend.storeOf(ledger), "UPDATE proposals SET patch = ? WHERE id = ?", [JSON.stringify(patch), id]);
}

onEveryBackend(() => {
  describe("decide", () => {
    test("approving moves review_required to approved, stores the decision bound to the hash and appends proposal_approved", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
      assert.ok(outcome.ok);
      assert.match(outcome.decision.id, /^apr_[a-z2-7]{20}$/);
      const keyId = ledger.keys.active().id;
      assert.deepEqual({ ...outcome.decision, id: "x", createdAt: "t" }, {
        id: "x", proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", reason: null, establishedBy: "self_declared", proposalHash: p.hash,
        beforeHash: createHash("sha256").update(canonicalJson(p.before)).digest("hex"), createdAt: "t",
        verification: { verified: true, keyId, problem: null, message: null },
      });
      assert.equal(outcome.proposal.state, "approved");
      assert.equal(await stateOf(ledger, p.id), "approved");
      assert.deepEqual(await ledger.proposals.decisions(p.id), [outcome.decision]);
      const events = await ledger.events.list({ proposalId: p.id, afterId: 0 });
      assert.deepEqual(events.map((e) => e.type), ["proposal_created", "proposal_approved"]);
      assert.deepEqual(events[1]!.detail, { decisionId: outcome.decision.id, actor: "alice", role: "billing_lead", establishedBy: "self_declared", reason: null, hash: p.hash, keyId });
      assert.equal(events[1]!.tenantId, "acme");
    });

    test("rejecting stores the reason and appends proposal_rejected", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "bob", reason: "customer was warned twice", expectedHash: p.hash });
      assert.ok(outcome.ok);
      assert.equal(outcome.decision.reason, "customer was warned twice");
      assert.equal(outcome.decision.role, null);
      assert.equal(await stateOf(ledger, p.id), "rejected");
      assert.deepEqual(await eventTypes(ledger, p.id), ["proposal_created", "proposal_rejected"]);
    });

    test("a second decision is refused whatever the first was, and changes nothing", async () => {
      const ledger = await fresh();
      for (const first of ["approved", "rejected"] as const) {
        const p = await ledger.proposals.create(proposal());
        assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: first, actor: "alice", role: "billing_lead", expectedHash: p.hash })).ok);
        for (const second of ["approved", "rejected"] as const) {
          const again = await ledger.proposals.decide({ proposalId: p.id, decision: second, actor: "mallory", role: "billing_lead", expectedHash: p.hash });
          assert.equal(again.ok, false);
          if (!again.ok) assert.deepEqual([again.refusal.code, again.refusal.state], ["NOT_REVIEWABLE", first]);
        }
        assert.equal((await ledger.proposals.decisions(p.id)).length, 1);
        assert.equal(await stateOf(ledger, p.id), first);
        assert.equal((await eventTypes(ledger, p.id)).length, 2);
      }
    });

    test("a proposal past approval (applied) cannot be decided", async () => {
      const ledger = await fresh();
      const { p, job } = await approvedWithJob(ledger);
      await receive(ledger, p.id, job.id, "applied");
      const again = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
      assert.ok(!again.ok);
      assert.deepEqual([again.refusal.code, again.refusal.state], ["NOT_REVIEWABLE", "applied"]);
    });

    test("approval without the required role is refused; rejecting needs no role", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      const noRole = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice" });
      assert.ok(!noRole.ok);
      assert.equal(noRole.refusal.code, "ROLE_REQUIRED");
      const otherRole = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "intern" });
      assert.ok(!otherRole.ok);
      assert.equal(otherRole.refusal.code, "ROLE_REQUIRED");
      assert.equal(await stateOf(ledger, p.id), "review_required");
      assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "bob", reason: "no" })).ok);
    });

    test("an expected hash that is not the stored one is refused", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      const other = await ledger.proposals.create(proposal({ patch: { late_fee_cents: 100 } }));
      const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: other.hash });
      assert.ok(!outcome.ok);
      assert.deepEqual([outcome.refusal.code, outcome.refusal.state], ["HASH_MISMATCH", "review_required"]);
      assert.equal(await stateOf(ledger, p.id), "review_required");
      assert.deepEqual(await ledger.proposals.decisions(p.id), []);
      assert.deepEqual(await eventTypes(ledger, p.id), ["proposal_created"]);
    });

    test("a row altered behind the ledger's back is refused even with its stored hash", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      await tamper(ledger, p.id, { late_fee_cents: 0, status: "waived", credit_cents: 99999 });
      assert.equal((await ledger.proposals.get(p.id))!.hash, p.hash, "the stored hash itself is untouched");
      const stored = (await ledger.proposals.get(p.id))!;
      assert.deepEqual([stored.verification.verified, stored.verification.problem], [false, "mismatch"], "the keyed MAC no longer matches");
      const outcome = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
      assert.ok(!outcome.ok);
      assert.equal(outcome.refusal.code, "UNVERIFIED");
      assert.match(outcome.refusal.message, /changed outside synapsor-runner/);
      assert.equal(await stateOf(ledger, p.id), "review_required");
    });

    test("an unknown proposal is NOT_FOUND", async () => {
      const ledger = await fresh();
      const outcome = await ledger.proposals.decide({ proposalId: "wrp_missing", decision: "approved", actor: "alice", expectedHash: "0".repeat(64) });
      assert.ok(!outcome.ok);
      assert.equal(outcome.refusal.code, "NOT_FOUND");
    });

    test("two handles deciding the same proposal: exactly one decision wins", async () => {
      const a = await fresh();
      const b = await reopen(a);
      const p = await a.proposals.create(proposal());
      const [first, second] = await Promise.all([
        a.proposals.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash }),
        b.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: p.hash }),
      ]);
      assert.equal([first, second].filter((o) => o.ok).length, 1);
      const loser = [first, second].find((o) => !o.ok);
      assert.ok(loser && !loser.ok);
      assert.equal(loser.refusal.code, "NOT_REVIEWABLE");
      assert.equal((await b.proposals.decisions(p.id)).length, 1);
    });

    test("a second decision reaching the store comes back as a refusal, not a thrown store error, even from someone holding the key", async () => {
      const ledger = await fresh();
      const store = backend.storeOf(ledger);
      const p = await ledger.proposals.create(proposal());
      await approve(ledger, p);
      // Whoever holds the key can seal the state back to review_required; one decision per proposal still stands.
      const key = ledger.keys.active();
      const [{ mac }] = (await backend.rows(store, "SELECT mac FROM proposals WHERE id = ?", [p.id])) as [{ mac: string }];
      const updatedAt = "2030-01-01T00:00:00.000Z";
      await backend.exec(store, "UPDATE proposals SET state = 'review_required', updated_at = ?, state_key_id = ?, state_mac = ? WHERE id = ?",
        [updatedAt, key.id, sealState(key, p.id, mac, "review_required", updatedAt), p.id]);
      assert.equal((await ledger.proposals.get(p.id))!.verification.verified, true, "the re-sealed state verifies");
      const again = await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "mallory", reason: "undo the approval" });
      assert.ok(!again.ok);
      assert.deepEqual([again.refusal.code, again.refusal.state], ["NOT_REVIEWABLE", "review_required"]);
      assert.match(again.refusal.message, /already has a decision on record/);
      assert.equal(await stateOf(ledger, p.id), "review_required", "nothing was written");
      assert.equal((await ledger.proposals.decisions(p.id)).length, 1);
      assert.deepEqual(await eventTypes(ledger, p.id), ["proposal_created", "proposal_approved"]);
    });

    test("the store itself refuses a second decision row for a proposal", async () => {
      const ledger = await fresh();
      const p = await ledger.proposals.create(proposal());
      await approve(ledger, p);
      await assert.rejects(backend.exec(backend.storeOf(ledger), `INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, proposal_hash, created_at)
          VALUES ('apr_x', ?, 'acme', 'rejected', 'mallory', ?, 'now')`, [p.id, p.hash]), /UNIQUE|duplicate key/i);
    });
  });

  describe("the open-proposal cap (createWithinLimit, countOpen)", () => {
    test("counts review_required and approved of the tenant only; at the limit stores nothing, even from a second handle on the store", async () => {
      const one = await fresh();
      // Another process on the same store: its own connection, so only the store orders them.
      const other = await reopen(one);
      const a = await one.proposals.createWithinLimit(proposal(), 2);
      assert.ok(a);
      assert.ok(await other.proposals.createWithinLimit(proposal({ tenantId: "globex" }), 1), "another tenant's count is its own");
      const approved = await one.proposals.decide({ proposalId: a.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: a.hash });
      assert.equal(approved.ok, true);
      const b = await other.proposals.createWithinLimit(proposal(), 2);
      assert.ok(b, "one approved proposal leaves one slot of two");
      assert.equal(await one.proposals.countOpen("acme"), 2);
      const events = (await one.events.list({ afterId: 0, limit: 100 })).length;
      assert.equal(await one.proposals.createWithinLimit(proposal(), 2), undefined);
      assert.equal(await other.proposals.createWithinLimit(proposal(), 2), undefined);
      assert.equal((await one.proposals.list({ tenantId: "acme" })).length, 2, "nothing stored at the limit");
      assert.equal((await one.events.list({ afterId: 0, limit: 100 })).length, events, "and no event appended");
      // A rejection is final: the slot is free again.
      const rejected = await other.proposals.decide({ proposalId: b.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: b.hash });
      assert.equal(rejected.ok, true);
      assert.equal(await one.proposals.countOpen("acme"), 1);
      assert.ok(await one.proposals.createWithinLimit(proposal(), 2));
    });
  });

  describe("writeback jobs", () => {
    test("an approved proposal gets a job; the event names it and its idempotency key", async () => {
      const ledger = await fresh();
      const { p, job } = await approvedWithJob(ledger);
      assert.match(job.id, /^job_[a-z2-7]{20}$/);
      assert.deepEqual(await ledger.writeback.getJob(job.id), job);
      assert.equal(job.request.idempotency_key, `${p.id}:INV-3001`);
      const created = (await ledger.events.list({ proposalId: p.id, afterId: 0 })).at(-1)!;
      assert.equal(created.type, "writeback_job_created");
      assert.deepEqual(created.detail, { jobId: job.id, idempotencyKey: `${p.id}:INV-3001` });
      assert.equal(await ledger.writeback.getJob("job_missing"), undefined);
    });

    test("no job for a proposal in review, a rejected one, or an unknown one: refused as a value", async () => {
      const ledger = await fresh();
      const waiting = await ledger.proposals.create(proposal());
      const rejected = await ledger.proposals.create(proposal());
      assert.ok((await ledger.proposals.decide({ proposalId: rejected.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: rejected.hash })).ok);
      for (const p of [waiting, rejected]) {
        const outcome = await ledger.writeback.createJob(p.id, { proposal_id: p.id });
        assert.ok(!outcome.ok);
        assert.equal(outcome.refusal.code, "APPROVAL_REQUIRED");
        assert.ok(!(await eventTypes(ledger, p.id)).includes("writeback_job_created"));
      }
      const unknown = await ledger.writeback.createJob("wrp_missing", {});
      assert.ok(!unknown.ok);
      assert.equal(unknown.refusal.code, "NOT_FOUND");
    });
  });

  describe("receipts", () => {
    test("applied moves approved → applied, stores the receipt and appends writeback_applied", async () => {
      const ledger = await fresh();
      const { p, job } = await approvedWithJob(ledger);
      const stored = await receive(ledger, p.id, job.id, "applied");
      assert.match(stored.id, /^rcp_[a-z2-7]{20}$/);
      assert.equal(stored.tenantId, "acme");
      assert.deepEqual(await ledger.writeback.getReceipt(stored.id), stored);
      assert.equal(await stateOf(ledger, p.id), "applied");
      const last = (await ledger.events.list({ proposalId: p.id, limit: 1 }))[0]!;
      assert.equal(last.type, "writeback_applied");
      assert.equal(last.detail.receiptId, stored.id);
      assert.equal(last.detail.jobId, job.id);
      assert.equal(last.detail.previousState, "approved");
    });

    test("each receipt status gives its state and event", async () => {
      const ledger = await fresh();
      for (const status of ["applied", "already_applied", "conflict", "failed"] as const) {
        const { p, job } = await approvedWithJob(ledger);
        const stored = await receive(ledger, p.id, job.id, status);
        assert.equal(await stateOf(ledger, p.id), status);
        assert.equal(stored.receipt.status, status);
        assert.equal((await eventTypes(ledger, p.id)).at(-1), `writeback_${status}`);
      }
    });

    test("a failed proposal can be retried; a later receipt on an applied proposal is refused as final and kept only as an event", async () => {
      const ledger = await fresh();
      const { p, job } = await approvedWithJob(ledger);
      await receive(ledger, p.id, job.id, "failed");
      assert.equal(await stateOf(ledger, p.id), "failed");
      const retry = value(await ledger.writeback.createJob(p.id, { retry: true }));
      await receive(ledger, p.id, retry.id, "applied");
      assert.equal(await stateOf(ledger, p.id), "applied");
      // A racing second apply reports already_applied: not the outcome (applied is final), kept as an event.
      const late = await ledger.writeback.recordReceipt({ proposalId: p.id, jobId: retry.id, executor: EXECUTOR, receipt: receipt("already_applied") });
      assert.ok(!late.ok);
      assert.equal(late.refusal.code, "FINAL_STATE");
      assert.match(late.refusal.message, /applied, which is final/);
      assert.equal(await stateOf(ledger, p.id), "applied");
      assert.deepEqual((await ledger.writeback.listReceipts({ proposalId: p.id })).map((r) => r.receipt.status), ["applied", "failed"]);
      assert.deepEqual(await eventTypes(ledger, p.id), [
        "proposal_created", "proposal_approved", "writeback_job_created", "writeback_failed",
        "writeback_job_created", "writeback_applied", "writeback_late_receipt",
      ]);
      const job3 = await ledger.writeback.createJob(p.id, { again: true });
      assert.ok(!job3.ok, "no job for a final proposal");
      assert.equal(job3.refusal.code, "FINAL_STATE");
    });

    test("two receipts racing on one approved proposal: one is the outcome, the other a late-receipt event; the state equals the stored receipt", async () => {
      const a = await fresh();
      const b = await reopen(a);
      const { p, job } = await approvedWithJob(a);
      const outcomes = await Promise.all([
        a.writeback.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt("applied") }),
        b.writeback.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt("already_applied") }),
      ]);
      assert.equal(outcomes.filter((o) => o.ok).length, 1);
      const stored = await a.writeback.listReceipts({ proposalId: p.id });
      assert.equal(stored.length, 1);
      assert.equal(await stateOf(a, p.id), stored[0]!.receipt.status);
      assert.ok((await eventTypes(a, p.id)).includes("writeback_late_receipt"));
    });

    test("a receipt for an unapproved proposal, or naming another proposal's job, is refused and nothing is stored", async () => {
      const ledger = await fresh();
      const waiting = await ledger.proposals.create(proposal());
      const { p: other, job: otherJob } = await approvedWithJob(ledger);
      const unapproved = await ledger.writeback.recordReceipt({ proposalId: waiting.id, jobId: otherJob.id, executor: EXECUTOR, receipt: receipt("applied") });
      assert.ok(!unapproved.ok);
      assert.equal(unapproved.refusal.code, "APPROVAL_REQUIRED");
      const { p } = await approvedWithJob(ledger);
      const foreignJob = await ledger.writeback.recordReceipt({ proposalId: p.id, jobId: otherJob.id, executor: EXECUTOR, receipt: receipt("applied") });
      assert.ok(!foreignJob.ok);
      assert.equal(foreignJob.refusal.code, "JOB_NOT_FOUND");
      assert.equal(await stateOf(ledger, waiting.id), "review_required");
      assert.equal(await stateOf(ledger, p.id), "approved");
      assert.equal(await stateOf(ledger, other.id), "approved");
      assert.deepEqual(await ledger.writeback.listReceipts(), []);
    });

    test("listReceipts filters by proposal and tenant, newest first", async () => {
      const ledger = await fresh();
      const a = await approvedWithJob(ledger);
      const b = await approvedWithJob(ledger, { tenantId: "globex", guards: { tenant: { column: "tenant_id", value: "globex" } } });
      const ra = await receive(ledger, a.p.id, a.job.id, "applied");
      const rb = await receive(ledger, b.p.id, b.job.id, "conflict");
      const ids = async (filter: Parameters<Ledger["writeback"]["listReceipts"]>[0]) => (await ledger.writeback.listReceipts(filter)).map((r) => r.id);
      assert.deepEqual(await ids({}), [rb.id, ra.id]);
      assert.deepEqual(await ids({ tenantId: "acme" }), [ra.id]);
      assert.deepEqual(await ids({ tenantId: "globex" }), [rb.id]);
      assert.deepEqual(await ids({ proposalId: b.p.id }), [rb.id]);
      assert.deepEqual(await ids({ proposalId: b.p.id, tenantId: "acme" }), []);
      assert.deepEqual(await ids({ limit: 1 }), [rb.id]);
    });
  });

  describe("events and listings", () => {
    test("listEvents by proposal: newest first without afterId, oldest first after an id, never another proposal's", async () => {
      const ledger = await fresh();
      const one = await approvedWithJob(ledger);
      const two = await ledger.proposals.create(proposal());
      await receive(ledger, one.p.id, one.job.id, "applied");
      const expected = ["proposal_created", "proposal_approved", "writeback_job_created", "writeback_applied"];
      const ascending = await ledger.events.list({ proposalId: one.p.id, afterId: 0 });
      assert.deepEqual(ascending.map((e) => e.type), expected);
      assert.deepEqual((await ledger.events.list({ proposalId: one.p.id })).map((e) => e.type), [...expected].reverse());
      assert.deepEqual((await ledger.events.list({ proposalId: one.p.id, afterId: ascending[1]!.id })).map((e) => e.type), expected.slice(2));
      assert.deepEqual((await ledger.events.list({ proposalId: two.id })).map((e) => e.type), ["proposal_created"]);
      const all = await ledger.events.list({ afterId: 0 });
      assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((x, y) => x - y));
    });

    test("proposal listings filter by tenant and state", async () => {
      const ledger = await fresh();
      const a = await ledger.proposals.create(proposal());
      const b = await ledger.proposals.create(proposal({ tenantId: "globex" }));
      await approve(ledger, a);
      assert.deepEqual((await ledger.proposals.list({ tenantId: "globex" })).map((p) => p.id), [b.id]);
      assert.deepEqual((await ledger.proposals.list({ state: "approved" })).map((p) => p.id), [a.id]);
      assert.deepEqual(await ledger.proposals.list({ tenantId: "globex", state: "approved" }), []);
      assert.equal(await ledger.proposals.get(a.id, "globex"), undefined);
    });

    test("proposal listings filter by object in the store: the key alone, or after the bare or schema-qualified table", async () => {
      const ledger = await fresh();
      const target = (schema: string | undefined, table: string, value: string) => ({ ...(schema ? { schema } : {}), table, primaryKey: { column: "id", value } });
      const inv1 = await ledger.proposals.create(proposal());
      const inv2 = await ledger.proposals.create(proposal({ target: target("public", "invoices", "INV-3002") }));
      const ticket = await ledger.proposals.create(proposal({ target: target(undefined, "tickets", "INV-3001") }));
      const colon = await ledger.proposals.create(proposal({ target: target("public", "invoices", "a:b") }));
      const globex = await ledger.proposals.create(proposal({ tenantId: "globex" }));
      const ids = async (object: string, extra: Omit<ProposalFilter, "object"> = {}) => (await ledger.proposals.list({ ...extra, object })).map((p) => p.id);
      assert.deepEqual(await ids("INV-3001"), [globex.id, ticket.id, inv1.id], "newest first, every table");
      assert.deepEqual(await ids("invoices:INV-3001"), [globex.id, inv1.id]);
      assert.deepEqual(await ids("public.invoices:INV-3001"), [globex.id, inv1.id]);
      assert.deepEqual(await ids("tickets:INV-3001"), [ticket.id]);
      assert.deepEqual(await ids("public.tickets:INV-3001"), [], "a table without a schema has no qualified name");
      assert.deepEqual(await ids("public.invoices:INV-3002"), [inv2.id]);
      assert.deepEqual(await ids("a:b"), [colon.id], "a key holding a colon matches as a key");
      assert.deepEqual(await ids("invoices:a:b"), [colon.id]);
      assert.deepEqual(await ids("INV-300"), [], "no prefix matches");
      assert.deepEqual(await ids("INV-3001", { tenantId: "acme" }), [ticket.id, inv1.id]);
      assert.deepEqual(await ids("INV-3001", { tenantId: "acme", limit: 1 }), [ticket.id]);
      assert.deepEqual(await ids("INV-3001", { state: "approved" }), []);
    });
  });
});

describe("an old SQLite store", unitTierOnly(), () => {
  test("a store from migration step 2 upgrades and keeps its proposals; unsealed, they can be rejected but never approved", async () => {
    const path = storePath();
    const db = new DatabaseSync(path);
    assert.deepEqual(applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 2)), [1, 2]);
    const id = "wrp_2222222222oldstep2a";
    const p = { ...proposal(), id };
    db.prepare(`INSERT INTO proposals (id, hash, state, capability, tenant_id, principal, source, target_table, object_id, target,
      before_row, patch, after_row, guards, args, evidence_id, approval, executor, created_at, updated_at)
      VALUES (?, ?, 'review_required', ?, ?, ?, ?, 'public.invoices', 'INV-3001', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, changeSetHash(p), p.capability, p.tenantId, p.principal, p.source, JSON.stringify(p.target), JSON.stringify(p.before),
      JSON.stringify(p.patch), JSON.stringify(p.after), JSON.stringify(p.guards), JSON.stringify(p.args), p.evidenceId,
      JSON.stringify(p.approval), JSON.stringify(p.executor), "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z");
    db.close();
    const ledger = await openLedger({ path });
    open.push(ledger);
    const stored = (await ledger.proposals.get(id))!;
    assert.equal(stored.planHash, null, "a proposal from before plan hashes has none");
    assert.deepEqual([stored.verification.verified, stored.verification.problem, stored.verification.keyId], [false, "unsealed", null]);
    const approval = await ledger.proposals.decide({ proposalId: id, decision: "approved", actor: "alice", role: "billing_lead" });
    assert.ok(!approval.ok);
    assert.equal(approval.refusal.code, "UNVERIFIED");
    assert.match(approval.refusal.message, /Propose the change again/);
    const rejection = await ledger.proposals.decide({ proposalId: id, decision: "rejected", actor: "alice", reason: "re-proposed" });
    assert.ok(rejection.ok, "rejecting is always possible: it never writes");
    assert.equal(await stateOf(ledger, id), "rejected");
    const check = new DatabaseSync(path);
    try {
      const versions = check.prepare("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => r.version);
      assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
      const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('decisions', 'writeback_jobs', 'receipts')").all().map((r) => r.name);
      for (const name of ["decisions_proposal", "decisions_tenant", "writeback_jobs_proposal", "writeback_jobs_tenant", "receipts_proposal", "receipts_tenant", "receipts_created"]) {
        assert.ok(indexes.includes(name), `missing index ${name}`);
      }
    } finally {
      check.close();
    }
  });
});

describe("buildWritebackRequest", unitTierOnly(), () => {
  test("carries the stored change set and the approval, with the idempotency key <proposal>:<object>", async () => {
    const ledger = await fresh();
    const p = await ledger.proposals.create(proposal());
    const decision = await approve(ledger, p);
    const stored = (await ledger.proposals.get(p.id))!;
    // Issued when approved: a job is never issued before its approval (job-schema checks it).
    const request = buildWritebackRequest(stored, decision, decision.createdAt);
    assert.deepEqual(request, {
      protocol_version: "1.0",
      proposal_id: p.id,
      idempotency_key: `${p.id}:INV-3001`,
      issued_at: decision.createdAt,
      change_set: {
        action: "billing.propose_late_fee_waiver",
        scope: { tenant_id: "acme", object_id: "INV-3001" },
        principal: { id: "agent:support" },
        target: { schema: "public", table: "invoices", primary_key: { column: "id", value: "INV-3001" } },
        before: stored.before,
        patch: { late_fee_cents: 0, status: "waived" },
        after: stored.after,
        guards: {
          tenant: { column: "tenant_id", value: "acme" },
          expected_version: { column: "updated_at", value: "2026-05-16T09:12:44.123456Z" },
          transitions: [{ column: "status", from: ["open", "overdue"], to: ["waived"] }],
        },
        evidence: { bundle_id: "ev_4ox7tv3e22z723iicysc" },
      },
      approval: { actor: "alice", role: "billing_lead", approved_at: decision.createdAt, proposal_hash: p.hash },
    });
    assert.deepEqual(checkWritebackJob(request), { ok: true, request });
  });

  test("without conflict or transition guards: expected_version null, transitions empty; still valid", async () => {
    const ledger = await fresh();
    const p = await ledger.proposals.create(proposal({ guards: { tenant: { column: "tenant_id", value: "acme" } }, target: { table: "invoices", primaryKey: { column: "id", value: "7" } } }));
    const decision = await approve(ledger, p);
    const request = buildWritebackRequest((await ledger.proposals.get(p.id))!, decision, decision.createdAt);
    assert.equal(request.change_set.guards.expected_version, null);
    assert.deepEqual(request.change_set.guards.transitions, []);
    assert.equal(request.change_set.target.schema, null);
    assert.ok(checkWritebackJob(request).ok);
  });

  test("refuses a rejection, another proposal's approval and an approval of a different hash", async () => {
    const ledger = await fresh();
    const p = await ledger.proposals.create(proposal());
    const q = await ledger.proposals.create(proposal({ patch: { late_fee_cents: 1 } }));
    const rejected = await ledger.proposals.decide({ proposalId: q.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: q.hash });
    assert.ok(rejected.ok);
    const approval = await approve(ledger, p);
    const stored = (await ledger.proposals.get(p.id))!;
    const storedQ = (await ledger.proposals.get(q.id))!;
    const isRefusal = (err: unknown) => err instanceof WritebackRequestError && err.code === "APPROVAL_REQUIRED";
    assert.throws(() => buildWritebackRequest(storedQ, rejected.decision, "2026-05-17T10:00:00Z"), isRefusal);
    assert.throws(() => buildWritebackRequest(storedQ, { ...approval }, "2026-05-17T10:00:00Z"), isRefusal);
    assert.throws(() => buildWritebackRequest(stored, { ...approval, proposalHash: q.hash }, "2026-05-17T10:00:00Z"), isRefusal);
  });

  test("the published schema is closed: unknown fields, a missing guard block and a bad version are invalid", async () => {
    const ledger = await fresh();
    const p = await ledger.proposals.create(proposal());
    const decision = await approve(ledger, p);
    const request = buildWritebackRequest((await ledger.proposals.get(p.id))!, decision, decision.createdAt);
    const extra = { ...request, sql: "DELETE FROM invoices" };
    const noGuards = { ...request, change_set: { ...request.change_set, guards: undefined } };
    const badVersion = { ...request, protocol_version: "2.0" };
    const badTime = { ...request, issued_at: "yesterday" };
    for (const bad of [extra, JSON.parse(JSON.stringify(noGuards)), badVersion, badTime]) {
      const check = checkWritebackJob(bad);
      assert.equal(check.ok, false);
      if (!check.ok) assert.ok(check.errors.length > 0);
    }
  });
});
