// The review side of the SQLite ledger: decisions, writeback jobs, receipts, events, and the
// writeback request built from them.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest, WritebackRequestError } from "../../runtime/executors/request.ts";
import type { Ledger, NewProposal, StoredProposal } from "../../runtime/ledger/ledger.ts";
import { openSqliteLedger, ReviewRuleError } from "../../runtime/ledger/index.ts";
import { applyMigrations, MIGRATIONS } from "../../runtime/ledger/migrations.ts";
import { checkWritebackJob } from "../../operator/review/job-schema.ts";

const root = mkdtempSync(join(tmpdir(), "ledger-review-"));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const storePath = () => join(root, `store-${++counter}.sqlite`);
const open: Ledger[] = [];
after(() => open.forEach((l) => l.close()));
function fresh(path = storePath()): Ledger {
  const ledger = openSqliteLedger(path);
  open.push(ledger);
  return ledger;
}

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

function approve(ledger: Ledger, p: StoredProposal) {
  const outcome = ledger.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
  assert.ok(outcome.ok);
  return outcome.decision;
}

function approvedWithJob(ledger: Ledger, overrides: Partial<NewProposal> = {}) {
  const p = ledger.createProposal(proposal(overrides));
  const decision = approve(ledger, p);
  const request = buildWritebackRequest(ledger.getProposal(p.id)!, decision, new Date().toISOString());
  const job = ledger.createWritebackJob(p.id, request as unknown as Record<string, unknown>);
  return { p, decision, job };
}

function eventTypes(ledger: Ledger, proposalId: string): string[] {
  return ledger.listEvents({ proposalId, afterId: 0 }).map((e) => e.type);
}

/** Edits a stored proposal behind the ledger's back, the way someone with file access could. */
function tamper(path: string, id: string, patch: Record<string, unknown>): void {
  const db = new DatabaseSync(path);
  try {
    db.prepare("UPDATE proposals SET patch = ? WHERE id = ?").run(JSON.stringify(patch), id);
  } finally {
    db.close();
  }
}

describe("decide", () => {
  test("approving moves review_required to approved, stores the decision bound to the hash and appends proposal_approved", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const outcome = ledger.decide({ proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", expectedHash: p.hash });
    assert.ok(outcome.ok);
    assert.match(outcome.decision.id, /^apr_[a-z2-7]{20}$/);
    assert.deepEqual({ ...outcome.decision, id: "x", createdAt: "t" }, {
      id: "x", proposalId: p.id, decision: "approved", actor: "alice", role: "billing_lead", reason: null, proposalHash: p.hash, createdAt: "t",
    });
    assert.equal(outcome.proposal.state, "approved");
    assert.equal(ledger.getProposal(p.id)!.state, "approved");
    assert.deepEqual(ledger.listDecisions(p.id), [outcome.decision]);
    const events = ledger.listEvents({ proposalId: p.id, afterId: 0 });
    assert.deepEqual(events.map((e) => e.type), ["proposal_created", "proposal_approved"]);
    assert.deepEqual(events[1]!.detail, { decisionId: outcome.decision.id, actor: "alice", role: "billing_lead", reason: null, hash: p.hash });
    assert.equal(events[1]!.tenantId, "acme");
  });

  test("rejecting stores the reason and appends proposal_rejected", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const outcome = ledger.decide({ proposalId: p.id, decision: "rejected", actor: "bob", reason: "customer was warned twice", expectedHash: p.hash });
    assert.ok(outcome.ok);
    assert.equal(outcome.decision.reason, "customer was warned twice");
    assert.equal(outcome.decision.role, null);
    assert.equal(ledger.getProposal(p.id)!.state, "rejected");
    assert.deepEqual(eventTypes(ledger, p.id), ["proposal_created", "proposal_rejected"]);
  });

  test("a second decision is refused whatever the first was, and changes nothing", () => {
    const ledger = fresh();
    for (const first of ["approved", "rejected"] as const) {
      const p = ledger.createProposal(proposal());
      assert.ok(ledger.decide({ proposalId: p.id, decision: first, actor: "alice", expectedHash: p.hash }).ok);
      for (const second of ["approved", "rejected"] as const) {
        const again = ledger.decide({ proposalId: p.id, decision: second, actor: "mallory", expectedHash: p.hash });
        assert.deepEqual(again, { ok: false, reason: "not_reviewable", state: first });
      }
      assert.equal(ledger.listDecisions(p.id).length, 1);
      assert.equal(ledger.getProposal(p.id)!.state, first);
      assert.equal(eventTypes(ledger, p.id).length, 2);
    }
  });

  test("a proposal past approval (applied) cannot be decided", () => {
    const ledger = fresh();
    const { p, job } = approvedWithJob(ledger);
    ledger.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt("applied") });
    assert.deepEqual(ledger.decide({ proposalId: p.id, decision: "approved", actor: "alice", expectedHash: p.hash }),
      { ok: false, reason: "not_reviewable", state: "applied" });
  });

  test("an expected hash that is not the stored one is refused", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const other = ledger.createProposal(proposal({ patch: { late_fee_cents: 100 } }));
    assert.deepEqual(ledger.decide({ proposalId: p.id, decision: "approved", actor: "alice", expectedHash: other.hash }),
      { ok: false, reason: "hash_mismatch", state: "review_required" });
    assert.equal(ledger.getProposal(p.id)!.state, "review_required");
    assert.deepEqual(ledger.listDecisions(p.id), []);
    assert.deepEqual(eventTypes(ledger, p.id), ["proposal_created"]);
  });

  test("a row altered behind the ledger's back is refused even with its stored hash", () => {
    const path = storePath();
    const ledger = fresh(path);
    const p = ledger.createProposal(proposal());
    tamper(path, p.id, { late_fee_cents: 0, status: "waived", credit_cents: 99999 });
    assert.equal(ledger.getProposal(p.id)!.hash, p.hash, "the stored hash itself is untouched");
    assert.deepEqual(ledger.decide({ proposalId: p.id, decision: "approved", actor: "alice", expectedHash: p.hash }),
      { ok: false, reason: "hash_mismatch", state: "review_required" });
    assert.equal(ledger.getProposal(p.id)!.state, "review_required");
  });

  test("an unknown proposal is not_found", () => {
    const ledger = fresh();
    assert.deepEqual(ledger.decide({ proposalId: "wrp_missing", decision: "approved", actor: "alice", expectedHash: "0".repeat(64) }),
      { ok: false, reason: "not_found" });
  });

  test("two handles deciding the same proposal: exactly one decision wins", () => {
    const path = storePath();
    const a = fresh(path);
    const b = fresh(path);
    const p = a.createProposal(proposal());
    const first = a.decide({ proposalId: p.id, decision: "approved", actor: "alice", expectedHash: p.hash });
    const second = b.decide({ proposalId: p.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: p.hash });
    assert.ok(first.ok);
    assert.deepEqual(second, { ok: false, reason: "not_reviewable", state: "approved" });
    assert.equal(b.listDecisions(p.id).length, 1);
  });

  test("the store itself refuses a second decision row for a proposal", () => {
    const path = storePath();
    const ledger = fresh(path);
    const p = ledger.createProposal(proposal());
    approve(ledger, p);
    const db = new DatabaseSync(path);
    try {
      assert.throws(() => db.prepare(`INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, proposal_hash, created_at)
        VALUES ('apr_x', ?, 'acme', 'rejected', 'mallory', ?, 'now')`).run(p.id, p.hash), /UNIQUE/);
    } finally {
      db.close();
    }
  });
});

describe("writeback jobs", () => {
  test("an approved proposal gets a job; the event names it and its idempotency key", () => {
    const ledger = fresh();
    const { p, job } = approvedWithJob(ledger);
    assert.match(job.id, /^job_[a-z2-7]{20}$/);
    assert.deepEqual(ledger.getWritebackJob(job.id), job);
    assert.equal(job.request.idempotency_key, `${p.id}:INV-3001`);
    const created = ledger.listEvents({ proposalId: p.id, afterId: 0 }).at(-1)!;
    assert.equal(created.type, "writeback_job_created");
    assert.deepEqual(created.detail, { jobId: job.id, idempotencyKey: `${p.id}:INV-3001` });
    assert.equal(ledger.getWritebackJob("job_missing"), undefined);
  });

  test("no job for a proposal in review, a rejected one, or an unknown one", () => {
    const ledger = fresh();
    const waiting = ledger.createProposal(proposal());
    const rejected = ledger.createProposal(proposal());
    assert.ok(ledger.decide({ proposalId: rejected.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: rejected.hash }).ok);
    for (const p of [waiting, rejected]) {
      assert.throws(() => ledger.createWritebackJob(p.id, { proposal_id: p.id }),
        (err: unknown) => err instanceof ReviewRuleError && err.code === "APPROVAL_REQUIRED");
      assert.ok(!eventTypes(ledger, p.id).includes("writeback_job_created"));
    }
    assert.throws(() => ledger.createWritebackJob("wrp_missing", {}),
      (err: unknown) => err instanceof ReviewRuleError && err.code === "PROPOSAL_NOT_FOUND");
  });
});

describe("receipts", () => {
  test("applied moves approved → applied, stores the receipt and appends writeback_applied", () => {
    const ledger = fresh();
    const { p, job } = approvedWithJob(ledger);
    const stored = ledger.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt("applied") });
    assert.match(stored.id, /^rcp_[a-z2-7]{20}$/);
    assert.equal(stored.tenantId, "acme");
    assert.deepEqual(ledger.getReceipt(stored.id), stored);
    assert.equal(ledger.getProposal(p.id)!.state, "applied");
    const last = ledger.listEvents({ proposalId: p.id, limit: 1 })[0]!;
    assert.equal(last.type, "writeback_applied");
    assert.equal(last.detail.receiptId, stored.id);
    assert.equal(last.detail.jobId, job.id);
    assert.equal(last.detail.previousState, "approved");
  });

  test("each receipt status gives its state and event", () => {
    const ledger = fresh();
    for (const status of ["applied", "already_applied", "conflict", "failed"] as const) {
      const { p, job } = approvedWithJob(ledger);
      const stored = ledger.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt(status) });
      assert.equal(ledger.getProposal(p.id)!.state, status);
      assert.equal(stored.receipt.status, status);
      assert.equal(eventTypes(ledger, p.id).at(-1), `writeback_${status}`);
    }
  });

  test("a failed proposal can be retried; a later receipt on an applied proposal is kept but the state stays", () => {
    const ledger = fresh();
    const { p, job } = approvedWithJob(ledger);
    ledger.recordReceipt({ proposalId: p.id, jobId: job.id, executor: EXECUTOR, receipt: receipt("failed") });
    assert.equal(ledger.getProposal(p.id)!.state, "failed");
    const retry = ledger.createWritebackJob(p.id, { retry: true });
    ledger.recordReceipt({ proposalId: p.id, jobId: retry.id, executor: EXECUTOR, receipt: receipt("applied") });
    assert.equal(ledger.getProposal(p.id)!.state, "applied");
    // A racing second apply reports already_applied: recorded, announced, state unchanged.
    ledger.recordReceipt({ proposalId: p.id, jobId: retry.id, executor: EXECUTOR, receipt: receipt("already_applied") });
    assert.equal(ledger.getProposal(p.id)!.state, "applied");
    assert.deepEqual(ledger.listReceipts({ proposalId: p.id }).map((r) => r.receipt.status), ["already_applied", "applied", "failed"]);
    assert.deepEqual(eventTypes(ledger, p.id), [
      "proposal_created", "proposal_approved", "writeback_job_created", "writeback_failed",
      "writeback_job_created", "writeback_applied", "writeback_already_applied",
    ]);
  });

  test("a receipt for an unapproved proposal, or naming another proposal's job, is refused and nothing is stored", () => {
    const ledger = fresh();
    const waiting = ledger.createProposal(proposal());
    const { p: other, job: otherJob } = approvedWithJob(ledger);
    assert.throws(() => ledger.recordReceipt({ proposalId: waiting.id, jobId: otherJob.id, executor: EXECUTOR, receipt: receipt("applied") }),
      (err: unknown) => err instanceof ReviewRuleError && err.code === "APPROVAL_REQUIRED");
    const { p } = approvedWithJob(ledger);
    assert.throws(() => ledger.recordReceipt({ proposalId: p.id, jobId: otherJob.id, executor: EXECUTOR, receipt: receipt("applied") }),
      (err: unknown) => err instanceof ReviewRuleError && err.code === "JOB_NOT_FOUND");
    assert.equal(ledger.getProposal(waiting.id)!.state, "review_required");
    assert.equal(ledger.getProposal(p.id)!.state, "approved");
    assert.equal(ledger.getProposal(other.id)!.state, "approved");
    assert.deepEqual(ledger.listReceipts(), []);
  });

  test("listReceipts filters by proposal and tenant, newest first", () => {
    const ledger = fresh();
    const a = approvedWithJob(ledger);
    const b = approvedWithJob(ledger, { tenantId: "globex", guards: { tenant: { column: "tenant_id", value: "globex" } } });
    const ra = ledger.recordReceipt({ proposalId: a.p.id, jobId: a.job.id, executor: EXECUTOR, receipt: receipt("applied") });
    const rb = ledger.recordReceipt({ proposalId: b.p.id, jobId: b.job.id, executor: EXECUTOR, receipt: receipt("conflict") });
    assert.deepEqual(ledger.listReceipts().map((r) => r.id), [rb.id, ra.id]);
    assert.deepEqual(ledger.listReceipts({ tenantId: "acme" }).map((r) => r.id), [ra.id]);
    assert.deepEqual(ledger.listReceipts({ tenantId: "globex" }).map((r) => r.id), [rb.id]);
    assert.deepEqual(ledger.listReceipts({ proposalId: b.p.id }).map((r) => r.id), [rb.id]);
    assert.deepEqual(ledger.listReceipts({ proposalId: b.p.id, tenantId: "acme" }), []);
    assert.deepEqual(ledger.listReceipts({ limit: 1 }).map((r) => r.id), [rb.id]);
  });
});

describe("events and listings", () => {
  test("listEvents by proposal: newest first without afterId, oldest first after an id, never another proposal's", () => {
    const ledger = fresh();
    const one = approvedWithJob(ledger);
    const two = ledger.createProposal(proposal());
    ledger.recordReceipt({ proposalId: one.p.id, jobId: one.job.id, executor: EXECUTOR, receipt: receipt("applied") });
    const expected = ["proposal_created", "proposal_approved", "writeback_job_created", "writeback_applied"];
    const ascending = ledger.listEvents({ proposalId: one.p.id, afterId: 0 });
    assert.deepEqual(ascending.map((e) => e.type), expected);
    assert.deepEqual(ledger.listEvents({ proposalId: one.p.id }).map((e) => e.type), [...expected].reverse());
    assert.deepEqual(ledger.listEvents({ proposalId: one.p.id, afterId: ascending[1]!.id }).map((e) => e.type), expected.slice(2));
    assert.deepEqual(ledger.listEvents({ proposalId: two.id }).map((e) => e.type), ["proposal_created"]);
    const all = ledger.listEvents({ afterId: 0 });
    assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((x, y) => x - y));
  });

  test("proposal listings filter by tenant and state", () => {
    const ledger = fresh();
    const a = ledger.createProposal(proposal());
    const b = ledger.createProposal(proposal({ tenantId: "globex" }));
    approve(ledger, a);
    assert.deepEqual(ledger.listProposals({ tenantId: "globex" }).map((p) => p.id), [b.id]);
    assert.deepEqual(ledger.listProposals({ state: "approved" }).map((p) => p.id), [a.id]);
    assert.deepEqual(ledger.listProposals({ tenantId: "globex", state: "approved" }), []);
    assert.equal(ledger.getProposal(a.id, "globex"), undefined);
  });

  test("a store from migration step 2 upgrades to step 3, keeps its proposals and can decide them", () => {
    const path = storePath();
    const db = new DatabaseSync(path);
    assert.deepEqual(applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 2)), [1, 2]);
    db.close();
    const oldLedger = openSqliteLedger(path);
    const p = oldLedger.createProposal(proposal());
    oldLedger.close();
    const ledger = fresh(path);
    approve(ledger, p);
    assert.equal(ledger.getProposal(p.id)!.state, "approved");
    const check = new DatabaseSync(path);
    try {
      const versions = check.prepare("SELECT version FROM schema_migrations ORDER BY version").all().map((r) => r.version);
      assert.deepEqual(versions, MIGRATIONS.map((m) => m.version));
      assert.ok(versions.includes(3));
      const indexes = check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('decisions', 'writeback_jobs', 'receipts')").all().map((r) => r.name);
      for (const name of ["decisions_proposal", "decisions_tenant", "writeback_jobs_proposal", "writeback_jobs_tenant", "receipts_proposal", "receipts_tenant", "receipts_created"]) {
        assert.ok(indexes.includes(name), `missing index ${name}`);
      }
    } finally {
      check.close();
    }
  });
});

describe("buildWritebackRequest", () => {
  test("carries the stored change set and the approval, with the idempotency key <proposal>:<object>", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const decision = approve(ledger, p);
    const stored = ledger.getProposal(p.id)!;
    const request = buildWritebackRequest(stored, decision, "2026-05-17T10:00:00.000Z");
    assert.deepEqual(request, {
      protocol_version: "1.0",
      proposal_id: p.id,
      idempotency_key: `${p.id}:INV-3001`,
      issued_at: "2026-05-17T10:00:00.000Z",
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

  test("without conflict or transition guards: expected_version null, transitions empty; still valid", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal({ guards: { tenant: { column: "tenant_id", value: "acme" } }, target: { table: "invoices", primaryKey: { column: "id", value: "7" } } }));
    const request = buildWritebackRequest(ledger.getProposal(p.id)!, approve(ledger, p), "2026-05-17T10:00:00Z");
    assert.equal(request.change_set.guards.expected_version, null);
    assert.deepEqual(request.change_set.guards.transitions, []);
    assert.equal(request.change_set.target.schema, null);
    assert.ok(checkWritebackJob(request).ok);
  });

  test("refuses a rejection, another proposal's approval and an approval of a different hash", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const q = ledger.createProposal(proposal({ patch: { late_fee_cents: 1 } }));
    const rejected = ledger.decide({ proposalId: q.id, decision: "rejected", actor: "bob", reason: "no", expectedHash: q.hash });
    assert.ok(rejected.ok);
    const approval = approve(ledger, p);
    const stored = ledger.getProposal(p.id)!;
    const isRefusal = (err: unknown) => err instanceof WritebackRequestError && err.code === "APPROVAL_REQUIRED";
    assert.throws(() => buildWritebackRequest(ledger.getProposal(q.id)!, rejected.decision, "2026-05-17T10:00:00Z"), isRefusal);
    assert.throws(() => buildWritebackRequest(ledger.getProposal(q.id)!, { ...approval }, "2026-05-17T10:00:00Z"), isRefusal);
    assert.throws(() => buildWritebackRequest(stored, { ...approval, proposalHash: q.hash }, "2026-05-17T10:00:00Z"), isRefusal);
  });

  test("the published schema is closed: unknown fields, a missing guard block and a bad version are invalid", () => {
    const ledger = fresh();
    const p = ledger.createProposal(proposal());
    const request = buildWritebackRequest(ledger.getProposal(p.id)!, approve(ledger, p), "2026-05-17T10:00:00Z");
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
