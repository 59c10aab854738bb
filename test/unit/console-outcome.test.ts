// The console's outcome model on plain records: a conflict and a failure in words with their safe
// codes, steps that share an instant kept in story order, and events the other steps do not tell.

import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOutcomeModel } from "../../operator/console/outcome-model.ts";
import type { ProposalHistory } from "../../operator/review/history.ts";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import type { ProposalVerification, StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";

const VERIFIED: ProposalVerification = { verified: true, keyId: "k", problem: null, message: null, seals: { record: "verified", state: "verified" } };
const AT = "2026-05-16T10:00:00.000Z";

const proposal: StoredProposal = {
  id: "wrp_1",
  capability: "billing.propose_late_fee_waiver",
  tenantId: "tenant_acme",
  principal: "agent-7",
  source: "app",
  target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
  before: { id: "INV-3001", late_fee_cents: 2500 },
  patch: { late_fee_cents: 0 },
  after: { id: "INV-3001", late_fee_cents: 0 },
  guards: { tenant: { column: "tenant_id", value: "tenant_acme" } },
  args: { invoice_id: "INV-3001" },
  evidenceId: "ev_1",
  approval: { mode: "human" },
  executor: { name: "app_handler", type: "http_handler" },
  planHash: "p",
  hash: "h".repeat(64),
  state: "conflict",
  createdAt: AT,
  verification: VERIFIED,
};

function stored(id: string, receipt: Partial<Receipt>, createdAt: string): StoredReceipt {
  return {
    id,
    proposalId: "wrp_1",
    jobId: "job_1",
    tenantId: "tenant_acme",
    executor: { name: "app_handler", type: "http_handler" },
    receipt: { status: "conflict", rows_affected: 0, source_database_mutated: false, previous_version: null, new_version: null, safe_error_code: null, message: "m", details: { effects: [] }, ...receipt },
    createdAt,
  };
}

function history(receipts: StoredReceipt[], events: ProposalHistory["events"] = []): ProposalHistory {
  return {
    proposal,
    // Everything in the same millisecond: the story order decides.
    evidence: { id: "ev_1", capability: proposal.capability, tenantId: "tenant_acme", principal: "agent-7", table: "public.invoices", objectIds: ["INV-3001"], args: {}, rows: [{}], queryAuditId: "qa_1", createdAt: AT },
    decisions: [{ id: "apr_1", proposalId: "wrp_1", decision: "approved", actor: "dana", role: null, reason: null, proposalHash: proposal.hash, beforeHash: null, establishedBy: "self_declared", createdAt: AT, verification: VERIFIED }],
    jobs: [{ id: "job_1", proposalId: "wrp_1", request: { idempotency_key: "wrp_1:INV-3001", approval: { actor: "dana" } }, createdAt: AT }],
    receipts,
    events,
  };
}

test("a conflict in words names the table, the safe code and that nothing was written", () => {
  const outcome = buildOutcomeModel(history([stored("rcp_1", { safe_error_code: "ROW_CHANGED_AFTER_PROPOSAL", previous_version: 7 }, AT)]));
  assert.equal(outcome.state, "conflict");
  assert.equal(outcome.receiptSummary, "Conflict (code ROW_CHANGED_AFTER_PROPOSAL): the row in public.invoices changed after the proposal; no write was applied; version 7 → none. Source database changed: no.");
});

test("a failure whose write is unknown says so; the latest receipt is the outcome", () => {
  const outcome = buildOutcomeModel(history([
    stored("rcp_1", { status: "failed", safe_error_code: "HANDLER_TIMEOUT", source_database_mutated: "unknown", message: "The handler did not answer in time." }, AT),
    stored("rcp_2", { status: "applied", rows_affected: 1, source_database_mutated: true }, "2026-05-16T10:05:00.000Z"),
  ]));
  assert.equal(outcome.receipt?.id, "rcp_2");
  assert.match(outcome.receiptSummary!, /^Applied by app_handler: 1 row changed in public\.invoices\. Source database changed: yes\.$/);
  const failed = outcome.timeline.find((s) => s.ref === "rcp_1")!;
  assert.match(failed.summary, /^Failed \(code HANDLER_TIMEOUT\): 0 rows changed in public\.invoices\. Source database changed: unknown \(the handler may have written; check the row before applying again\)\. The handler did not answer in time\.$/);
});

test("steps at the same instant keep the story order; told events are not repeated, others follow", () => {
  const outcome = buildOutcomeModel(history([stored("rcp_1", {}, AT)], [
    { id: 1, type: "proposal_created", proposalId: "wrp_1", detail: {}, createdAt: AT },
    { id: 2, type: "proposal_approved", proposalId: "wrp_1", detail: { actor: "dana" }, createdAt: AT },
    { id: 3, type: "writeback_late_receipt", proposalId: "wrp_1", detail: { status: "applied" }, createdAt: AT },
    { id: 4, type: "proposal_commented", proposalId: "wrp_1", detail: { actor: "erin", text: "checked with finance" }, createdAt: "2026-05-16T11:00:00.000Z" },
  ]));
  assert.deepEqual(outcome.timeline.map((s) => s.kind), ["read", "propose", "decide", "job", "receipt", "event", "event"]);
  assert.deepEqual(outcome.timeline.slice(-2).map((s) => [s.summary, s.actor, s.ref]), [
    ["writeback late receipt.", null, "event 3"],
    ["proposal commented: checked with finance.", "erin", "event 4"],
  ]);
  assert.equal(outcome.timeline[3]!.actor, null, "who ran apply is not recorded");
  assert.match(outcome.timeline[3]!.summary, /carrying the approval of dana/);
});

test("before any receipt there is no summary", () => {
  const outcome = buildOutcomeModel({ ...history([]), jobs: [], decisions: [] });
  assert.equal(outcome.receiptSummary, null);
  assert.deepEqual(outcome.timeline.map((s) => s.kind), ["read", "propose"]);
});
