// The proposal state machine of SPEC §5, checked against the ledger for every (state, action)
// pair, for random sequences of steps, and at the storage's compare-and-set: final states never
// move, whoever asks, and the state always equals the latest stored receipt.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import type { Receipt, ReceiptStatus } from "../../runtime/executors/protocol.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, ProposalState } from "../../runtime/ledger/records.ts";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";
import { SqliteEventLog } from "../../runtime/ledger/sqlite/event-log.ts";
import { SqliteReviewStorage } from "../../runtime/ledger/sqlite/review-storage.ts";

const root = mkdtempSync(join(tmpdir(), "proposal-states-"));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const opened: Ledger[] = [];
after(() => Promise.all(opened.map((l) => l.close())));
async function fresh(path = join(root, `store-${++counter}.sqlite`)): Promise<Ledger> {
  const ledger = await openLedger({ path });
  opened.push(ledger);
  return ledger;
}

const STATES: ProposalState[] = ["review_required", "approved", "rejected", "expired", "applied", "already_applied", "conflict", "failed"];
const ACTIONS = ["approve", "reject", "expire", "job", "receipt:applied", "receipt:already_applied", "receipt:conflict", "receipt:failed"] as const;
type Action = (typeof ACTIONS)[number];

/**
 * SPEC §5, written out here independently of the implementation's table: review_required →
 * approved | rejected | expired; approved → applied | already_applied | conflict | failed (and an
 * approved proposal nothing was written for may still expire: stale plans, approval windows);
 * failed may be retried (a job, then any receipt). rejected, expired, applied, already_applied
 * and conflict are final. undefined = refused, state unchanged.
 */
function specNext(state: ProposalState, action: Action, jobWithoutReceipt = false): ProposalState | "unchanged" | undefined {
  const writable = state === "approved" || state === "failed";
  switch (action) {
    case "approve":
      return state === "review_required" ? "approved" : undefined;
    case "reject":
      return state === "review_required" ? "rejected" : undefined;
    case "expire":
      // An approved proposal with a job and no receipt may have been written (the ledger missed
      // the receipt): it waits for `receipts reconcile`, never expires.
      return state === "review_required" || (state === "approved" && !jobWithoutReceipt) ? "expired" : undefined;
    case "job":
      return writable ? "unchanged" : undefined;
    default:
      return writable ? (action.slice("receipt:".length) as ProposalState) : undefined;
  }
}

function proposal(objectId: string): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: objectId } },
    before: { id: objectId, late_fee_cents: 2500 },
    patch: { late_fee_cents: 0 },
    after: { id: objectId, late_fee_cents: 0 },
    guards: { tenant: { column: "tenant_id", value: "acme" } },
    args: { invoice_id: objectId },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval: { mode: "human" },
    executor: { name: "app_writer", type: "sql_update" },
  };
}

function receipt(status: ReceiptStatus): Receipt {
  const mutated = status === "applied";
  return {
    status,
    rows_affected: mutated ? 1 : 0,
    source_database_mutated: mutated,
    previous_version: null,
    new_version: null,
    safe_error_code: status === "conflict" ? "ROW_CHANGED_AFTER_PROPOSAL" : status === "failed" ? "WRITER_UNAVAILABLE" : null,
    message: status,
    details: { effects: [] },
  };
}

const EXECUTOR = { name: "app_writer", type: "sql_update" } as const;

/** The newest job of each proposal, as the run that made it knows it. */
const lastJob = new Map<string, string>();

/** Runs one action the way its command would; true when the ledger took it. */
async function act(ledger: Ledger, id: string, action: Action): Promise<boolean> {
  switch (action) {
    case "approve":
    case "reject": {
      const decision = action === "approve" ? "approved" : "rejected";
      return (await ledger.proposals.decide({ proposalId: id, decision, actor: "alice" })).ok;
    }
    case "expire":
      return (await ledger.proposals.expire(id, { reason: "test" })).ok;
    case "job": {
      const run = await ledger.writeback.createJob(id, { idempotency_key: `${id}:key` });
      if (run.ok) lastJob.set(id, run.value.id);
      return run.ok;
    }
    default: {
      // A receipt answers a run, and a run gets its job first; where no job is given, any job id will do.
      const run = await ledger.writeback.createJob(id, { idempotency_key: `${id}:key` });
      if (run.ok) lastJob.set(id, run.value.id);
      const job = lastJob.get(id) ?? "job_none";
      const status = action.slice("receipt:".length) as ReceiptStatus;
      return (await ledger.writeback.recordReceipt({ proposalId: id, jobId: job, executor: EXECUTOR, receipt: receipt(status) })).ok;
    }
  }
}

/** A proposal brought to `state` through the ledger's own steps. */
async function inState(ledger: Ledger, state: ProposalState): Promise<string> {
  const p = await ledger.proposals.create(proposal(`INV-${++counter}`));
  const path: Record<ProposalState, Action[]> = {
    review_required: [],
    approved: ["approve"],
    rejected: ["reject"],
    expired: ["expire"],
    applied: ["approve", "job", "receipt:applied"],
    already_applied: ["approve", "job", "receipt:already_applied"],
    conflict: ["approve", "job", "receipt:conflict"],
    failed: ["approve", "job", "receipt:failed"],
  };
  for (const step of path[state]) assert.ok(await act(ledger, p.id, step), `${step} on the way to ${state}`);
  assert.equal((await ledger.proposals.get(p.id))!.state, state);
  return p.id;
}

/** The invariant: once a proposal has receipts, its state is the latest one's status. */
async function assertStateIsLatestReceipt(ledger: Ledger, id: string): Promise<void> {
  const [latest] = await ledger.writeback.listReceipts({ proposalId: id, limit: 1 });
  if (latest) assert.equal((await ledger.proposals.get(id))!.state, latest.receipt.status, `state of ${id} equals its latest receipt`);
}

describe("proposal states (SPEC §5)", () => {
  test("every (state, action) pair does what the SPEC table says, and nothing else", async () => {
    const ledger = await fresh();
    for (const state of STATES) {
      for (const action of ACTIONS) {
        const id = await inState(ledger, state);
        const receiptsBefore = (await ledger.writeback.listReceipts({ proposalId: id })).length;
        const took = await act(ledger, id, action);
        const expected = specNext(state, action);
        const now = (await ledger.proposals.get(id))!.state;
        const label = `${action} on ${state}`;
        assert.equal(took, expected !== undefined, `${label}: ${expected === undefined ? "refused" : "taken"}`);
        assert.equal(now, expected === undefined || expected === "unchanged" ? state : expected, `${label}: state`);
        if (expected === undefined) assert.equal((await ledger.writeback.listReceipts({ proposalId: id })).length, receiptsBefore, `${label}: no receipt stored`);
        await assertStateIsLatestReceipt(ledger, id);
      }
    }
  });

  test("random sequences of steps: the ledger follows the SPEC table and its state always equals the latest receipt", async () => {
    const ledger = await fresh();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...ACTIONS), { minLength: 1, maxLength: 7 }), async (actions) => {
        const id = await inState(ledger, "review_required");
        let model: ProposalState = "review_required";
        let jobWithoutReceipt = false;
        for (const action of actions) {
          const expected = specNext(model, action, jobWithoutReceipt);
          assert.equal(await act(ledger, id, action), expected !== undefined, `${action} on ${model}`);
          if (action === "job" && model === "approved") jobWithoutReceipt = true;
          if (expected !== undefined && expected !== "unchanged") model = expected;
          assert.equal((await ledger.proposals.get(id))!.state, model);
          await assertStateIsLatestReceipt(ledger, id);
        }
      }),
      { seed: 20261130, numRuns: 40 },
    );
  });

  test("an approved proposal with a writeback job but no receipt does not expire: the write may have happened", async () => {
    const ledger = await fresh();
    const id = await inState(ledger, "approved");
    assert.ok((await ledger.writeback.createJob(id, { idempotency_key: `${id}:key` })).ok);
    const refused = await ledger.proposals.expire(id, { reason: "stale_plan" });
    assert.ok(!refused.ok);
    assert.equal(refused.refusal.code, "WRITE_IN_DOUBT");
    assert.match(refused.refusal.message, /receipts reconcile --proposal /);
    assert.equal((await ledger.proposals.get(id))!.state, "approved");
  });

  test("the refusal on a final state says it is final and what to do instead", async () => {
    const ledger = await fresh();
    const conflicted = await inState(ledger, "conflict");
    const approval = await ledger.proposals.approval(conflicted);
    assert.ok(!approval.ok);
    assert.equal(approval.refusal.code, "FINAL_STATE");
    assert.match(approval.refusal.message, /conflict, which is final/);
    assert.match(approval.refusal.message, /propose the change anew/);
    const job = await ledger.writeback.createJob(conflicted, {});
    assert.ok(!job.ok);
    assert.equal(job.refusal.code, "FINAL_STATE");
  });

  test("the storage's compare-and-set refuses to move a final state even for a caller that skips the rules", async () => {
    const path = join(root, `store-${++counter}.sqlite`);
    const ledger = await fresh(path);
    const id = await inState(ledger, "conflict");
    const db = openSqliteDatabase(path);
    try {
      const storage = new SqliteReviewStorage(db, new SqliteEventLog(db));
      const record = (await storage.getProposal(id))!;
      const expected = { state: record.state, updatedAt: record.updatedAt, stateKeyId: record.stateKeyId, stateMac: record.stateMac };
      for (const next of ["approved", "applied", "failed"] as const) {
        const result = await storage.commit({ proposalId: id, expected, next: { ...expected, state: next, updatedAt: new Date().toISOString() }, events: [] });
        assert.equal(result, "not_allowed", `conflict → ${next}`);
      }
      assert.equal((await storage.getProposal(id))!.state, "conflict");
    } finally {
      db.close();
    }
  });

  test("two processes racing receipts onto one approved proposal: one outcome, the state equals it, the loser is only an event", async () => {
    const path = join(root, `store-${++counter}.sqlite`);
    const a = await fresh(path);
    const b = await fresh(path);
    const id = await inState(a, "approved");
    assert.ok(await act(a, id, "job"));
    const jobId = lastJob.get(id)!;
    const results = await Promise.all((["conflict", "applied", "failed", "already_applied"] as const).map((status, i) =>
      (i % 2 ? b : a).writeback.recordReceipt({ proposalId: id, jobId, executor: EXECUTOR, receipt: receipt(status) })));
    // failed is not final, so a failed receipt may land first and be followed by one more.
    const stored = await a.writeback.listReceipts({ proposalId: id });
    assert.ok(stored.length >= 1 && stored.length <= 2, `${stored.length} receipts`);
    assert.equal(results.filter((r) => r.ok).length, stored.length);
    await assertStateIsLatestReceipt(a, id);
    assert.notEqual((await a.proposals.get(id))!.state, "approved");
  });
});
