// The console's guard checklist on plain records: the compiled capability's rules evaluated
// against a live row, with the runtime's comparisons (exact decimals, the version guard's
// timestamp range), and the deadline read defensively from the proposal record.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { boundsVerdict, evaluateGuards, type GuardInput } from "../../operator/console/guards.ts";
import type { GuardCheck } from "../../operator/console/model.ts";
import { deadlineOf } from "../../operator/console/review-model.ts";
import type { Decision, ProposalVerification, StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import { INVOICES, column, planCase, table, waiver } from "../support/plan-fixtures.ts";

function compiled(edit: (cap: Record<string, any>) => void = () => {}): CapabilityPlan {
  const cap = waiver();
  edit(cap);
  const invoices = table("public", "invoices", INVOICES.primary_key, [...INVOICES.columns, column("region", "text"), column("revision", "bigint")]);
  const planned = planCase({ engine: "postgres", capability: cap, tables: [invoices] });
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
  return planned.capability;
}

const VERIFIED: ProposalVerification = { verified: true, keyId: "k_test", problem: null, message: null, seals: { record: "verified", state: "verified" } };
const before = { id: "INV-3001", tenant_id: "tenant_acme", late_fee_cents: 9000, status: "overdue", waiver_reason: null, updated_at: "2026-05-16T09:30:00.123Z" };

function proposal(patch: Record<string, any> = { late_fee_cents: 8000, waiver_reason: "outage", status: "open" }): StoredProposal {
  return {
    id: "wrp_1",
    capability: "billing.propose_late_fee_waiver",
    tenantId: "tenant_acme",
    principal: "agent-7",
    source: "app",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { ...before },
    patch,
    after: { ...before, ...patch },
    guards: {
      tenant: { column: "tenant_id", value: "tenant_acme" },
      conflict: { column: "updated_at", expected: before.updated_at },
      transitions: [{ column: "status", from: ["overdue"], to: ["open"] }],
    },
    args: { invoice_id: "INV-3001", new_late_fee_cents: patch.late_fee_cents, reason: "outage" },
    evidenceId: "ev_1",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "writer", type: "sql_update" },
    planHash: "p",
    hash: "h",
    state: "review_required",
    createdAt: "2026-05-16T10:00:00.000Z",
    verification: VERIFIED,
  };
}

function run(overrides: Partial<GuardInput> = {}): Map<string, GuardCheck> {
  const input: GuardInput = { capability: compiled(), proposal: proposal(), row: { ...before }, live: "read", matched: 1, receipts: [], ...overrides };
  return new Map(evaluateGuards(input).map((g) => [g.id, g]));
}

describe("console guards", () => {
  test("an unchanged row: every guard holds, one plain sentence each, in the documented ids", () => {
    const guards = run();
    assert.deepEqual([...guards.keys()], ["tenant_scope", "allowed_columns", "bounds:late_fee_cents", "transition:status", "conflict_column", "primary_key", "single_row", "idempotency_key"]);
    for (const g of guards.values()) {
      assert.equal(g.status, "holds", `${g.id}: ${g.detail}`);
      assert.match(g.detail, /^[A-Z"].*\.$/, g.id);
    }
    assert.match(guards.get("idempotency_key")!.detail, /"wrp_1:INV-3001"/);
  });

  test("a bound near its limit says how close: 8,000 of at most 10,000 (80%)", () => {
    assert.match(run().get("bounds:late_fee_cents")!.detail, /8,000 of at most 10,000 \(80% of the range 0…10,000\)/);
    // Exact decimals, rounded down: 9,999.99 of 10,000 is 99%, never 100%.
    assert.match(boundsVerdict("fee", "9999.99", { minimum: 0, maximum: 10000 }).detail, /9,999\.99 of at most 10,000 \(99%/);
    assert.match(boundsVerdict("fee", 150, { minimum: 100, maximum: 200 }).detail, /\(50% of the range 100…200\)/);
    assert.equal(boundsVerdict("fee", "100.000000000000000001", { maximum: 100 }).holds, false);
    assert.equal(boundsVerdict("fee", "1e2", { maximum: 1000 }).holds, false);
    const above = run({ proposal: proposal({ late_fee_cents: 12000, waiver_reason: "x", status: "open" }) }).get("bounds:late_fee_cents")!;
    assert.equal(above.status, "fails");
    assert.match(above.detail, /12,000 is above the maximum 10,000/);
  });

  test("the row changed since the proposal: the conflict guard fails and says both versions", () => {
    const g = run({ row: { ...before, updated_at: "2026-05-17T08:00:00.000Z" } }).get("conflict_column")!;
    assert.equal(g.status, "fails");
    assert.match(g.detail, /"2026-05-17T08:00:00.000Z" now, not "2026-05-16T09:30:00.123Z"/);
  });

  test("a version read at a finer precision than the expected one still matches, as apply's range does", () => {
    assert.equal(run({ row: { ...before, updated_at: "2026-05-16T09:30:00.123456Z" } }).get("conflict_column")!.status, "holds");
    assert.equal(run({ row: { ...before, updated_at: "2026-05-16T09:30:00.124Z" } }).get("conflict_column")!.status, "fails");
  });

  test("a counter version compares by its text: a bigint read as text equals the number", () => {
    const capability = compiled((c) => {
      c.conflict_guard = { column: "revision" };
    });
    const p = proposal();
    p.before.revision = 7;
    p.guards.conflict = { column: "revision", expected: 7 };
    assert.equal(evaluateGuards({ capability, proposal: p, row: { ...before, revision: "7" }, live: "read", matched: 1, receipts: [] }).find((g) => g.id === "conflict_column")!.status, "holds");
    assert.equal(evaluateGuards({ capability, proposal: p, row: { ...before, revision: "8" }, live: "read", matched: 1, receipts: [] }).find((g) => g.id === "conflict_column")!.status, "fails");
  });

  test("a state the transition is not allowed from fails; a precondition is checked against the live value", () => {
    assert.equal(run({ row: { ...before, status: "paid" } }).get("transition:status")!.status, "fails");
    const capability = compiled((c) => {
      c.preconditions = { region: { one_of: ["eu"] } };
    });
    const pre = (region: string) => evaluateGuards({ capability, proposal: proposal(), row: { ...before, region }, live: "read", matched: 1, receipts: [] }).find((g) => g.id === "precondition:region")!;
    assert.equal(pre("eu").status, "holds");
    assert.equal(pre("us").status, "fails");
    assert.match(pre("us").detail, /"us" now; it must be one of "eu"/);
  });

  test("the rules are the build's: a patched column the build does not allow fails whatever the ledger says", () => {
    const g = run({ proposal: proposal({ late_fee_cents: 0, status: "open", amount_cents: 1 }) }).get("allowed_columns")!;
    assert.equal(g.status, "fails");
    assert.match(g.detail, /amount_cents/);
  });

  test("no row in the tenant: tenant scope, primary key, single row and transition fail", () => {
    const guards = run({ row: null, live: "missing", matched: 0 });
    for (const id of ["tenant_scope", "primary_key", "single_row", "transition:status", "conflict_column"]) assert.equal(guards.get(id)!.status, "fails", id);
    assert.match(guards.get("tenant_scope")!.detail, /deleted or moved to another tenant/);
    // What does not depend on the row is still known.
    assert.equal(guards.get("allowed_columns")!.status, "holds");
  });

  test("a row whose tenant column is not the proposal's fails tenant scope", () => {
    assert.equal(run({ row: { ...before, tenant_id: "tenant_other" } }).get("tenant_scope")!.status, "fails");
  });

  test("an unreadable live row leaves the row guards unknown, not holding", () => {
    const guards = run({ row: null, live: "unavailable", matched: null });
    for (const id of ["tenant_scope", "primary_key", "single_row", "transition:status", "conflict_column"]) assert.equal(guards.get(id)!.status, "unknown", id);
    assert.equal(guards.get("bounds:late_fee_cents")!.status, "holds");
  });

  test("already applied: the idempotency guard names the receipt", () => {
    const receipt = {
      id: "rcp_9",
      proposalId: "wrp_1",
      jobId: "job_1",
      tenantId: "tenant_acme",
      executor: { name: "writer", type: "sql_update" },
      receipt: { status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: null, new_version: null, safe_error_code: null, message: "ok", details: { effects: [] } },
      createdAt: "2026-05-16T10:10:00Z",
    } satisfies StoredReceipt;
    const g = run({ receipts: [receipt] }).get("idempotency_key")!;
    assert.equal(g.status, "fails");
    assert.match(g.detail, /rcp_9/);
  });
});

describe("console deadline", () => {
  const approved: Decision = {
    id: "apr_1", proposalId: "wrp_1", decision: "approved", actor: "dana", role: "billing_lead", reason: null, establishedBy: "self_declared",
    proposalHash: "h", beforeHash: null, createdAt: "2026-05-16T10:05:00.000Z", verification: VERIFIED,
  };

  test("no TTL fields: no deadline", () => {
    assert.equal(deadlineOf(proposal(), []), null);
    assert.equal(deadlineOf({ ...proposal(), state: "approved" }, [approved]), null);
  });

  test("a pending proposal's deadline is the one the ledger fixed into it (approval.expiresAt)", () => {
    const p = { ...proposal(), approval: { mode: "human", expiresAfter: "72h", expiresAt: "2026-05-19T10:00:00.000Z" } } as StoredProposal;
    assert.deepEqual(deadlineOf(p, []), { kind: "review", at: "2026-05-19T10:00:00.000Z" });
  });

  test("an approval is valid for approval.validFor after it was given", () => {
    const p = { ...proposal(), state: "approved", approval: { mode: "human", requiredRole: "billing_lead", validFor: "72h" } } as StoredProposal;
    assert.deepEqual(deadlineOf(p, [approved]), { kind: "approval", at: "2026-05-19T10:05:00.000Z" });
  });
});
