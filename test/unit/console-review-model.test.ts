// The review model against a real SQLite ledger and a compiled plan, with no database: the read
// URL variable is unset, so the live row is `unavailable` and every row guard `unknown`. What is
// checked here is what needs no row: the earlier evidence chosen, and why a proposal is blocked.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { buildReviewModel, EARLIER_EVIDENCE_LIMIT, type ReviewDeps } from "../../operator/console/review-model.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, ReadRecord } from "../../runtime/ledger/records.ts";
import { planCase, INVOICES, waiver } from "../support/plan-fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "console-model-"));
const ledgers: Ledger[] = [];
after(async () => {
  await Promise.all(ledgers.map((l) => l.close()));
  rmSync(root, { recursive: true, force: true });
});

function compiledPlan(): BuildPlan {
  const planned = planCase({ engine: "postgres", capability: waiver(), tables: [INVOICES] });
  assert.ok(planned.ok);
  return planned.plan;
}

async function setUp() {
  const ledger = await openLedger({ path: join(root, `store-${ledgers.length}.sqlite`) });
  ledgers.push(ledger);
  const plan = compiledPlan();
  const deps: ReviewDeps = { ledger, plan, env: {}, now: () => new Date() };
  return { ledger, plan, deps };
}

function read(objectId: string, overrides: Partial<ReadRecord> = {}): ReadRecord {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "tenant_acme",
    principal: "agent-7",
    source: "app",
    table: "public.invoices",
    statementFingerprint: "f",
    args: { invoice_id: objectId },
    redactedParams: [objectId, "tenant_id"],
    rows: [{ id: objectId }],
    objectIds: [objectId],
    durationMs: 1,
    withEvidence: true,
    ...overrides,
  };
}

function proposal(plan: BuildPlan, evidenceId: string, overrides: Partial<NewProposal> = {}): NewProposal {
  const before = { id: "INV-3001", late_fee_cents: 2500, status: "overdue", waiver_reason: null, updated_at: "2026-05-16T09:30:00.123456Z" };
  const patch = { late_fee_cents: 0, waiver_reason: "outage", status: "open" };
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "tenant_acme",
    principal: "agent-7",
    source: "app",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before,
    patch,
    after: { ...before, ...patch },
    guards: { tenant: { column: "tenant_id", value: "tenant_acme" }, conflict: { column: "updated_at", expected: before.updated_at }, transitions: [{ column: "status", from: ["overdue"], to: ["open"] }] },
    args: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage" },
    evidenceId,
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "writer", type: "sql_update" },
    planHash: plan.capabilities[0]!.planHash,
    ...overrides,
  };
}

describe("console review model (no database)", () => {
  test("no read URL: the live row is unavailable, naming the variable, and the row guards are unknown", async () => {
    const { ledger, plan, deps } = await setUp();
    const ev = await ledger.reads.recordRead(read("INV-3001"));
    const p = await ledger.proposals.create(proposal(plan, ev.evidenceId!));
    const model = (await buildReviewModel(deps, p.id))!;
    assert.deepEqual(model.live, { status: "unavailable", message: model.live.status === "unavailable" ? model.live.message : "" });
    assert.match(model.live.status === "unavailable" ? model.live.message : "", /APP_READ_URL/);
    assert.equal(model.stale, false);
    assert.ok(model.diff.every((d) => !("now" in d) && !d.changedSinceProposal));
    const status = Object.fromEntries(model.guards.map((g) => [g.id, g.status]));
    assert.deepEqual(status, {
      tenant_scope: "unknown", allowed_columns: "holds", "bounds:late_fee_cents": "holds", "transition:status": "unknown",
      conflict_column: "unknown", primary_key: "unknown", single_row: "unknown", idempotency_key: "holds",
    });
    assert.equal(model.blockedBecause, null);
    assert.equal(await buildReviewModel(deps, p.id, "tenant_other"), undefined);
    assert.equal(await buildReviewModel(deps, "wrp_missing"), undefined);
  });

  test("earlier evidence: the same tenant's reads of the same object in the namespace, newest first, at most five", async () => {
    const { ledger, plan, deps } = await setUp();
    const earlier: string[] = [];
    for (let i = 0; i < EARLIER_EVIDENCE_LIMIT + 2; i++) earlier.push((await ledger.reads.recordRead(read("INV-3001")))!.evidenceId!);
    await ledger.reads.recordRead(read("INV-3002"));
    await ledger.reads.recordRead(read("INV-3001", { tenantId: "tenant_globex" }));
    await ledger.reads.recordRead(read("INV-3001", { capability: "crm.propose_note" }));
    const linked = (await ledger.reads.recordRead(read("INV-3001"))).evidenceId!;
    const p = await ledger.proposals.create(proposal(plan, linked));
    // A read after the proposal is not evidence it was made from.
    await ledger.reads.recordRead(read("INV-3001"));

    const model = (await buildReviewModel(deps, p.id))!;
    assert.equal(model.evidence[0]!.id, linked);
    assert.deepEqual(model.evidence.slice(1).map((e) => e.id), earlier.slice(-EARLIER_EVIDENCE_LIMIT).reverse());
  });

  test("blocked: a changed plan, a capability the build lacks, a rejection with its reason", async () => {
    const { ledger, plan, deps } = await setUp();
    const ev = (await ledger.reads.recordRead(read("INV-3001"))).evidenceId!;

    const changed = await ledger.proposals.create(proposal(plan, ev, { planHash: "0".repeat(64) }));
    assert.match((await buildReviewModel(deps, changed.id))!.blockedBecause!, /changed since the proposal was made/);

    const gone = await ledger.proposals.create(proposal(plan, ev, { capability: "billing.retired_capability" }));
    const goneModel = (await buildReviewModel(deps, gone.id))!;
    assert.match(goneModel.blockedBecause!, /no proposal capability billing\.retired_capability/);
    assert.deepEqual(goneModel.guards, []);
    assert.equal(goneModel.plannedWrite.statement, null);

    const rejected = await ledger.proposals.create(proposal(plan, ev));
    const outcome = await ledger.proposals.decide({ proposalId: rejected.id, decision: "rejected", actor: "dana", role: "billing_lead", reason: "not an outage", expectedHash: rejected.hash });
    assert.ok(outcome.ok);
    assert.equal((await buildReviewModel(deps, rejected.id))!.blockedBecause, "It was rejected by dana: not an outage; a rejection is final.");

    const fine = await ledger.proposals.create(proposal(plan, ev));
    const model = (await buildReviewModel(deps, fine.id))!;
    assert.equal(model.blockedBecause, null);
    assert.equal(model.plannedWrite.statement, plan.capabilities[0]!.proposal!.write!.statements.update.text);
  });
});
