// The console's pages rendered from models full of hostile text (every string a model, a
// database or an edited ledger could choose): whatever the values, the page's only markup is
// the templates' own, and no control, bidi or invisible character reaches the browser raw.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { renderPage } from "../../operator/console/render.ts";
import { inboxView, outcomeView, reviewView, type Chrome } from "../../operator/console/views.ts";
import type { OutcomeModel, ReviewModel } from "../../operator/console/model.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { htmlText } from "../../runtime/text/html-safe.ts";
import { firstForbidden, hostile } from "../support/hostile-text.ts";

const CHROME: Chrome = { identity: { name: "dana", label: "dana", roles: null, establishedBy: "self_declared", alsoKnownAs: [] }, csrf: "csrf-token", section: "inbox" };
const verified = { verified: true, keyId: "k_1", problem: null, message: null, seals: { record: "verified", state: "verified" } } as const;

function proposal(t: string): StoredProposal {
  return {
    id: `wrp_${t}`, capability: `billing.${t}`, tenantId: t, principal: t, source: t,
    target: { schema: t, table: t, primaryKey: { column: t, value: t } },
    before: { [t]: t, fee: 1 }, patch: { [t]: t }, after: { [t]: t },
    guards: { tenant: { column: t, value: t }, conflict: { column: t, expected: t }, transitions: [{ column: t, from: [t], to: [t] }] },
    args: { [t]: t }, evidenceId: t, approval: { mode: "human", requiredRole: t }, executor: { name: t, type: "sql_update" },
    planHash: t, hash: "ab".repeat(32), state: "review_required", createdAt: "2026-05-16T09:30:00.000Z", verification: { ...verified },
  };
}

function models(t: string): { review: ReviewModel; outcome: OutcomeModel; p: StoredProposal } {
  const p = proposal(t);
  const decision = { id: t, proposalId: p.id, decision: "rejected" as const, actor: t, role: t, reason: t, proposalHash: t, beforeHash: t, establishedBy: "self_declared" as const, createdAt: t, verification: { verified: true, keyId: t, problem: null, message: null } };
  const receipt = { id: t, proposalId: p.id, jobId: t, tenantId: t, executor: { name: t, type: "sql_update" as const }, createdAt: t,
    receipt: { status: "failed" as const, rows_affected: 0, source_database_mutated: false, previous_version: t, new_version: t, safe_error_code: t, message: t, details: { effects: [] } } };
  return {
    p,
    review: {
      proposal: p,
      request: { capability: t, args: { [t]: t, n: [t] }, tenantId: t, principal: t, createdAt: t },
      evidence: [{ id: t, capability: t, tenantId: t, principal: t, table: t, objectIds: [t], args: { [t]: t }, rows: [{ [t]: t }], queryAuditId: t, createdAt: t }],
      live: { status: "unavailable", message: t },
      diff: [{ column: t, before: t, proposed: { [t]: t }, now: t, changedSinceProposal: true, patched: true }],
      stale: true,
      guards: [{ id: t, label: t, status: "fails", detail: t }],
      plannedWrite: { executor: p.executor, statement: t, note: t },
      requiredRole: t,
      deadline: { kind: "review", at: t },
      decisions: [decision],
      receipts: [receipt],
      events: [{ id: 1, type: "proposal_commented", proposalId: p.id, detail: { actor: t, text: t }, createdAt: t }],
      blockedBecause: t,
    },
    outcome: { proposalId: p.id, state: "failed", receiptSummary: t, receipt, timeline: [{ kind: "receipt", at: t, actor: t, role: t, summary: t, ref: t }] },
  };
}

const extras = (t: string) => ({ notice: t, error: { code: t, message: t }, applyCommand: t, typed: { role: t, reason: t, comment: t } });
const TAGS = /<\/?([a-zA-Z][a-zA-Z0-9-]*)/g;

function pages(t: string): string[] {
  const { review, outcome, p } = models(t);
  const filters = { state: "all" as const, tenant: t, capability: t, object: t, age: "" as const };
  return [
    renderPage("review", reviewView(review, CHROME, extras(t), Date.now())),
    renderPage("outcome", outcomeView(outcome, p, CHROME)),
    renderPage("inbox", inboxView([p], filters, [t], CHROME, Date.now())),
  ];
}

/** The set of tags the templates write, taken from a page rendered with harmless values. */
const TEMPLATE_TAGS = new Set(pages("plain").flatMap((html) => [...html.matchAll(TAGS)].map((m) => m[1]!.toLowerCase())));

test("property: hostile values add no tag, no inline script and no raw forbidden character to any page", () => {
  fc.assert(fc.property(hostile, fc.constantFrom("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "</textarea><b>", "{{csrf}}", "&#x202E;"), (noise, markup) => {
    const t = noise + markup;
    for (const html of pages(t)) {
      for (const m of html.matchAll(TAGS)) assert.ok(TEMPLATE_TAGS.has(m[1]!.toLowerCase()), `a value opened <${m[1]}>`);
      assert.equal(firstForbidden(html.replace(/\n/g, "")), undefined);
      assert.equal(html.includes("<script>"), false);
      assert.equal(html.includes("<img"), false);
      assert.ok(html.includes(htmlText(t)), "the value is shown, escaped, not dropped");
    }
  }), { seed: 9907, numRuns: 150 });
});

test("a deadline from the model is shown with what it means", () => {
  const { review } = models("x");
  const html = renderPage("review", reviewView({ ...review, deadline: { kind: "approval", at: "2026-06-01T12:00:00.000Z" } }, CHROME, extras("x"), Date.now()));
  assert.ok(html.includes("Approval valid until"));
  assert.ok(html.includes("2026-06-01 12:00:00 UTC"));
});

test("a value that looks like a template expression is printed, not evaluated", () => {
  const [review] = pages("{{csrf}}");
  assert.ok(review!.includes("{{csrf}}"));
});
