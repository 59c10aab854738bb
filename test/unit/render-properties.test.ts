// Issue 7's property: arbitrary strings (any code point, lone surrogates, controls, bidi, invisible
// characters, typed escapes) placed everywhere a value can sit in a proposal's history, then run
// through the real renderers a reviewer reads: `proposals show`, the approval prompt, the diff,
// `replay show` / the Markdown export. The output never carries a raw control (except the
// renderer's own line breaks), C1, bidi or invisible character, and two different values never
// render alike where a reviewer decides on them.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ProposalHistory } from "../../operator/review/history.ts";
import { formatDiff, formatEvent, formatProposalList, formatReceipt, showValue } from "../../operator/review/format.ts";
import { formatDecisionPrompt, formatProposalDetail } from "../../operator/review/proposal-view.ts";
import { buildReplay, replayMarkdown } from "../../operator/review/replay.ts";
import { proposalDiff } from "../../operator/review/diff.ts";
import { firstForbidden, forbidden, hostile } from "../support/hostile-text.ts";

interface Planted {
  tenant: string;
  principal: string;
  key: string;
  column: string;
  before: string;
  proposed: string;
  evidenceColumn: string;
  evidenceValue: string;
  actor: string;
  role: string;
  reason: string;
  message: string;
}

function plantedFrom(text: fc.Arbitrary<string>): fc.Arbitrary<Planted> {
  return fc.record({
    tenant: text, principal: text, key: text, column: text, before: text, proposed: text,
    evidenceColumn: text, evidenceValue: text, actor: text, role: text, reason: text, message: text,
  });
}
const planted = plantedFrom(hostile);
/** An empty role or reason leaves its line out by design; the line-count property compares like with like. */
const plantedNonEmpty = plantedFrom(hostile.filter((s) => s.length > 0));

const verification = (message: string) => ({ verified: false, keyId: null, problem: "mismatch" as const, message });

function history(s: Planted): ProposalHistory {
  const before = { id: s.key, status: "open", [s.column]: s.before };
  const patch = { [s.column]: s.proposed };
  return {
    proposal: {
      id: "wrp_1", capability: "billing.propose_late_fee_waiver", tenantId: s.tenant, principal: s.principal, source: "app_pg",
      target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: s.key } },
      before, patch, after: { ...before, ...patch },
      guards: {
        tenant: { column: "tenant_id", value: s.tenant },
        conflict: { column: s.column, expected: s.before },
        transitions: [{ column: s.column, from: [s.before], to: [s.proposed] }],
      },
      args: { invoice_id: s.key, reason: s.proposed },
      evidenceId: "ev_1", approval: { mode: "human", requiredRole: s.role }, executor: { name: "app_pg_writer", type: "sql_update" },
      planHash: null, hash: "h", state: "approved", createdAt: "2026-01-01T00:00:00Z",
      verification: { ...verification(s.message), seals: { record: "mismatch", state: "mismatch" } },
    },
    evidence: {
      id: "ev_1", capability: "billing.inspect_invoice", tenantId: s.tenant, principal: s.principal, table: "public.invoices",
      objectIds: [s.key], args: { invoice_id: s.key }, rows: [{ ...before, [s.evidenceColumn]: s.evidenceValue }], queryAuditId: "qa_1", createdAt: "t",
    },
    decisions: [{
      id: "apr_1", proposalId: "wrp_1", decision: "approved", actor: s.actor, role: s.role, reason: s.reason, establishedBy: "self_declared",
      proposalHash: "h", beforeHash: null, createdAt: "t", verification: verification(s.message),
    }],
    jobs: [{ id: "job_1", proposalId: "wrp_1", request: { idempotency_key: s.key, change_set: { patch } }, createdAt: "t" }],
    receipts: [{
      id: "rcp_1", proposalId: "wrp_1", jobId: "job_1", tenantId: s.tenant, executor: { name: "app_pg_writer", type: "sql_update" }, createdAt: "t",
      receipt: {
        status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: s.before, new_version: s.proposed,
        safe_error_code: null, message: s.message, details: { effects: [{ id: s.key, note: s.proposed }] },
      },
    }],
    events: [{ id: 1, type: "proposal_approved", proposalId: "wrp_1", tenantId: s.tenant, detail: { actor: s.actor, reason: s.reason }, createdAt: "t" }],
  };
}

/** Every renderer a reviewer reads, on one history. */
function renderings(h: ProposalHistory): Array<[string, string]> {
  return [
    ["proposals show", formatProposalDetail(h)],
    ["approval prompt", formatDecisionPrompt(h.proposal)],
    ["proposals list", formatProposalList([h.proposal])],
    ["receipt", formatReceipt(h.receipts[0]!)],
    ["event", formatEvent(h.events[0]!)],
    ["replay markdown", replayMarkdown(buildReplay(h))],
  ];
}

const RUNS = { seed: 7201, numRuns: 100 };

describe("every review renderer, on arbitrary strings", () => {
  test("no raw control (other than the renderer's own line feeds), C1, bidi or invisible character", () => {
    fc.assert(fc.property(planted, (s) => {
      for (const [where, text] of renderings(history(s))) {
        const hit = firstForbidden(text.replace(/\n/g, ""));
        if (hit !== undefined) throw new Error(`${where}: raw U+${hit.codePointAt(0)!.toString(16)} in ${JSON.stringify(text)}`);
      }
    }), RUNS);
  });

  test("a value's line feed never adds a line: each renderer's line count does not depend on the values", () => {
    const plain: Planted = { tenant: "t", principal: "p", key: "k", column: "c", before: "b", proposed: "n", evidenceColumn: "e", evidenceValue: "v", actor: "a", role: "r", reason: "x", message: "m" };
    const lines = renderings(history(plain)).map(([, text]) => text.split("\n").length);
    fc.assert(fc.property(plantedNonEmpty, (s) => {
      // The evidence column and the diff's extra column disappear when a hostile name equals another key; keep them apart.
      fc.pre(new Set([s.column, s.evidenceColumn, "id", "status"]).size === 4);
      assert.deepEqual(renderings(history(s)).map(([, text]) => text.split("\n").length), lines);
    }), RUNS);
  });

  test("the diff and the Markdown table show different proposed values differently", () => {
    // Besides two arbitrary values: a value and the same text with its unsafe characters typed out
    // as escapes by the attacker, the pair an escaper without backslash doubling shows identically.
    const typedOut = (text: string) => [...text].map((c) => (forbidden(c.codePointAt(0)!) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}` : c)).join("");
    const pairs = fc.oneof(fc.tuple(hostile, hostile), hostile.map((text) => [text, typedOut(text)] as [string, string]));
    fc.assert(fc.property(pairs, ([a, b]) => {
      fc.pre(a !== b);
      const diff = (v: string) => formatDiff(proposalDiff({ before: { c: "x" }, patch: { c: v }, after: { c: v } }));
      if (diff(a) === diff(b)) return false;
      const base: Planted = { tenant: "t", principal: "p", key: "k", column: "c", before: "x", proposed: a, evidenceColumn: "e", evidenceValue: "v", actor: "d", role: "r", reason: "x", message: "m" };
      const table = (v: string) => replayMarkdown(buildReplay(history({ ...base, proposed: v }))).split("\n").find((l) => l.startsWith("| c |"));
      return table(a) !== table(b);
    }), { seed: 7202, numRuns: 300 });
  });

  test("a typed \\u202e and a real U+202E, side by side in one diff, read differently", () => {
    const diff = formatDiff(proposalDiff({ before: { c: "\\u202e" }, patch: { c: "\u202e" }, after: { c: "\u202e" } }));
    const row = diff.split("\n")[2]!;
    assert.match(row, /^ {2}c +\\\\u202e +\\u202e$/);
    assert.notEqual(showValue("\\u202e"), showValue("\u202e"));
  });
});

describe("a receipt whose effects were cut down says so", () => {
  const plain = { tenant: "acme", principal: "p", key: "INV-1", column: "late_fee_cents", before: "2500", proposed: "0", evidenceColumn: "c", evidenceValue: "v", actor: "a", role: "r", reason: "x", message: "m" };
  const truncated = (): ProposalHistory => {
    const h = history(plain);
    h.receipts[0]!.receipt.details.truncated = true;
    return h;
  };
  test("receipts show and the replay view print (effects truncated); a complete receipt does not", () => {
    assert.match(formatReceipt(truncated().receipts[0]!), /\(effects truncated\)/);
    assert.match(replayMarkdown(buildReplay(truncated())), /\(effects truncated\)/);
    assert.doesNotMatch(formatReceipt(history(plain).receipts[0]!), /truncated/);
    assert.doesNotMatch(replayMarkdown(buildReplay(history(plain))), /effects truncated/);
  });
});
