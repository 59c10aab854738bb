// The ledger's approval rules that depend on time, on a clock the test moves: the review
// deadline fixed into a proposal when it is stored (approval.expires_after), the approval window
// (approval.valid_for), the overdue sweep, and the rules that do not depend on time but on who
// asks: self-approval through decide(), and how the reviewer was established.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal } from "../../runtime/ledger/records.ts";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { currentDeadline, decisionRefusal } from "../../runtime/ledger/review-rules.ts";
import { durationMs } from "../../runtime/duration.ts";
import { proposalHistory } from "../../operator/review/history.ts";
import { formatProposalDetail } from "../../operator/review/proposal-view.ts";
import { buildReplay, replayMarkdown } from "../../operator/review/replay.ts";

const root = mkdtempSync(join(tmpdir(), "approval-deadlines-"));
after(() => rmSync(root, { recursive: true, force: true }));
const open: Ledger[] = [];
after(() => Promise.all(open.map((l) => l.close())));

const START = Date.parse("2026-06-01T08:00:00.000Z");
const HOUR = 3_600_000;

/** A ledger on a clock the test sets: `at(h)` moves it to START + h hours. */
async function ledgerWithClock(): Promise<{ ledger: Ledger; at: (hours: number) => void }> {
  let now = START;
  const ledger = await openLedger({ path: join(root, `store-${open.length}.sqlite`), now: () => new Date(now) });
  open.push(ledger);
  return { ledger, at: (hours) => void (now = START + hours * HOUR) };
}

function proposal(approval: NewProposal["approval"]): NewProposal {
  return {
    capability: "billing.propose_late_fee_waiver",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "open", late_fee_cents: 2500 },
    patch: { late_fee_cents: 0 },
    after: { id: "INV-3001", status: "open", late_fee_cents: 0 },
    guards: { tenant: { column: "tenant_id", value: "acme" } },
    args: { invoice_id: "INV-3001" },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval,
    executor: { name: "app_writer", type: "sql_update" },
  };
}

const APPROVE = { decision: "approved", actor: "dana", role: "billing_lead" } as const;

describe("durations", () => {
  test("a whole number and one unit, 1 minute … 365 days", () => {
    assert.equal(durationMs("30m"), 30 * 60_000);
    assert.equal(durationMs("72h"), 72 * HOUR);
    assert.equal(durationMs("7d"), 7 * 24 * HOUR);
    assert.equal(durationMs("365d"), 365 * 24 * HOUR);
    for (const bad of ["0m", "366d", "1.5h", "1h30m", "h", "72", " 72h", "72H", "-1d", "8761h"]) assert.equal(durationMs(bad), undefined, bad);
  });
});

describe("the review deadline", () => {
  test("is fixed into the proposal by the ledger's clock when it is stored, and sealed with it (a caller's expiresAt is ignored)", async () => {
    const { ledger } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "72h", expiresAt: "2099-01-01T00:00:00.000Z" }));
    assert.equal(p.approval.expiresAt, new Date(START + 72 * HOUR).toISOString());
    assert.equal(changeSetHash(p), p.hash, "the deadline is part of the hashed change set");
    const read = (await ledger.proposals.get(p.id))!;
    assert.equal(read.approval.expiresAt, p.approval.expiresAt);
    assert.equal(read.verification.verified, true);
    assert.deepEqual(currentDeadline(read, undefined), { kind: "review", at: p.approval.expiresAt });
  });

  test("no expires_after: no deadline, the proposal waits", async () => {
    const { ledger, at } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human" }));
    assert.equal(p.approval.expiresAt, undefined);
    at(24 * 365 * 2);
    assert.deepEqual(await ledger.proposals.expireOverdue(), []);
    assert.ok((await ledger.proposals.decide({ proposalId: p.id, ...APPROVE })).ok);
  });

  test("approving before the deadline works; at or after it, approval is refused AND the proposal expires (event with the reason), fail closed", async () => {
    const { ledger, at } = await ledgerWithClock();
    const early = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "72h" }));
    const late = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "72h" }));
    at(71.9);
    assert.ok((await ledger.proposals.decide({ proposalId: early.id, ...APPROVE })).ok);
    at(72);
    const refused = await ledger.proposals.decide({ proposalId: late.id, ...APPROVE });
    assert.ok(!refused.ok);
    assert.equal(refused.refusal.code, "EXPIRED");
    assert.equal(refused.refusal.state, "expired");
    assert.match(refused.refusal.message, /expired at 2026-06-04T08:00:00\.000Z.*expires_after 72h.*It is now expired\./s);
    assert.equal((await ledger.proposals.get(late.id))!.state, "expired");
    assert.deepEqual(await ledger.proposals.decisions(late.id), [], "no decision was recorded");
    const events = await ledger.events.list({ proposalId: late.id, afterId: 0 });
    assert.deepEqual(events.map((e) => e.type), ["proposal_created", "proposal_expired"]);
    assert.deepEqual(events[1]!.detail, { reason: "review_deadline_passed", expiresAt: "2026-06-04T08:00:00.000Z", expiresAfter: "72h", previousState: "review_required" });
    // Final: asking again is a plain refusal, with nothing more appended.
    const again = await ledger.proposals.decide({ proposalId: late.id, ...APPROVE });
    assert.ok(!again.ok);
    assert.equal(again.refusal.code, "NOT_REVIEWABLE");
    assert.equal((await ledger.events.list({ proposalId: late.id, afterId: 0 })).length, 2);
  });

  test("rejecting past the deadline expires it too: the outcome (never applied) is the same, and says so", async () => {
    const { ledger, at } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "30m" }));
    at(1);
    const r = await ledger.proposals.decide({ proposalId: p.id, decision: "rejected", actor: "dana", reason: "no" });
    assert.ok(!r.ok);
    assert.equal(r.refusal.code, "EXPIRED");
    assert.equal((await ledger.proposals.get(p.id))!.state, "expired");
  });

  test("the rule alone (what a front end asks before it prompts) refuses past the deadline without writing", async () => {
    const { ledger } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "1h" }));
    assert.equal(decisionRefusal(p, { proposalId: p.id, ...APPROVE }, new Date(START + 0.5 * HOUR)), undefined);
    assert.equal(decisionRefusal(p, { proposalId: p.id, ...APPROVE }, new Date(START + HOUR))?.code, "EXPIRED");
    // An unreadable deadline counts as passed.
    assert.equal(decisionRefusal({ ...p, approval: { ...p.approval, expiresAt: "soon" } }, { proposalId: p.id, ...APPROVE }, new Date(START))?.code, "EXPIRED");
    assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
  });
});

describe("the approval window", () => {
  async function approved(validFor: string) {
    const { ledger, at } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human", validFor }));
    at(1);
    const d = await ledger.proposals.decide({ proposalId: p.id, ...APPROVE });
    assert.ok(d.ok);
    return { ledger, at, p: d.proposal, approval: d.decision };
  }
  const job = (p: Parameters<typeof buildWritebackRequest>[0], a: Parameters<typeof buildWritebackRequest>[1]) =>
    buildWritebackRequest(p, a, new Date(START).toISOString()) as unknown as Record<string, unknown>;

  test("a writeback job is created within the window and refused after it, whoever asks the ledger", async () => {
    const inside = await approved("24h");
    inside.at(24.9);
    assert.ok((await inside.ledger.writeback.createJob(inside.p.id, job(inside.p, inside.approval))).ok);
    assert.deepEqual(currentDeadline(inside.p, inside.approval), { kind: "approval", at: new Date(START + 25 * HOUR).toISOString() });

    const outside = await approved("24h");
    outside.at(25);
    const refused = await outside.ledger.writeback.createJob(outside.p.id, job(outside.p, outside.approval));
    assert.ok(!refused.ok);
    assert.equal(refused.refusal.code, "APPROVAL_WINDOW_PASSED");
    assert.match(refused.refusal.message, /valid until 2026-06-02T09:00:00\.000Z/);
    assert.deepEqual(await outside.ledger.writeback.listJobs(outside.p.id), []);
    // approval() still answers (reconcile records what was already written, whatever the window).
    assert.ok((await outside.ledger.proposals.approval(outside.p.id)).ok);
  });

  test("the sweep expires an approved proposal past its window with nothing sent, never one with a job (its write may have happened)", async () => {
    const idle = await approved("1h");
    idle.at(3);
    const swept = await idle.ledger.proposals.expireOverdue();
    assert.deepEqual(swept.map((p) => [p.id, p.state]), [[idle.p.id, "expired"]]);
    const [, , expiry] = await idle.ledger.events.list({ proposalId: idle.p.id, afterId: 0 });
    assert.deepEqual(expiry!.detail, {
      reason: "approval_window_passed",
      approvalId: idle.approval.id,
      approvedAt: idle.approval.createdAt,
      validFor: "1h",
      validUntil: new Date(START + 2 * HOUR).toISOString(),
      previousState: "approved",
    });

    const sent = await approved("1h");
    assert.ok((await sent.ledger.writeback.createJob(sent.p.id, job(sent.p, sent.approval))).ok);
    sent.at(3);
    assert.deepEqual(await sent.ledger.proposals.expireOverdue(), []);
    assert.equal((await sent.ledger.proposals.get(sent.p.id))!.state, "approved");
  });

  test("the sweep expires pending proposals past their deadline and leaves the rest", async () => {
    const { ledger, at } = await ledgerWithClock();
    const short = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "2h" }));
    const long = await ledger.proposals.create(proposal({ mode: "human", expiresAfter: "7d" }));
    at(2);
    assert.deepEqual((await ledger.proposals.expireOverdue()).map((p) => p.id), [short.id]);
    assert.equal((await ledger.proposals.get(long.id))!.state, "review_required");
    assert.deepEqual(await ledger.proposals.expireOverdue(), [], "a second sweep finds nothing");
  });
});

describe("who decides", () => {
  test("the principal that proposed can never approve through decide(), whatever the front end or how the reviewer was established", async () => {
    const { ledger } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human" }));
    for (const establishedBy of ["self_declared", "os_user", "credential", "console_link", "verified_token"] as const) {
      const r = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: " Agent:Support ", establishedBy });
      assert.ok(!r.ok);
      assert.equal(r.refusal.code, "SELF_APPROVAL");
    }
    assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
  });

  test("a name the approver also goes by (an OS user) that is the principal counts as the proposer; it is checked, not recorded", async () => {
    const { ledger } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human" }));
    const r = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", establishedBy: "os_user", alsoKnownAs: ["AGENT:SUPPORT"] });
    assert.ok(!r.ok);
    assert.equal(r.refusal.code, "SELF_APPROVAL");
    const ok = await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", establishedBy: "os_user", alsoKnownAs: ["dwhit"] });
    assert.ok(ok.ok);
    assert.equal(ok.decision.actor, "dana");
    assert.equal("alsoKnownAs" in ok.decision, false);
  });

  test("a proposal built with reviewers declared refuses a self-declared decision (either way); an established one is taken", async () => {
    const { ledger } = await ledgerWithClock();
    const p = await ledger.proposals.create(proposal({ mode: "human", reviewers: "declared" }));
    assert.equal(p.approval.reviewers, "declared");
    for (const request of [
      { decision: "approved", actor: "dana" },
      { decision: "rejected", actor: "dana", reason: "no", establishedBy: "self_declared" },
    ] as const) {
      const r = await ledger.proposals.decide({ proposalId: p.id, ...request });
      assert.ok(!r.ok);
      assert.equal(r.refusal.code, "REVIEWER_NOT_ESTABLISHED");
      assert.match(r.refusal.message, /--config/);
    }
    assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", establishedBy: "os_user" })).ok);
  });

  test("established_by is recorded, sealed (an edit stops verifying: ledger-seal.test.ts) and in the decision event; default self_declared", async () => {
    const { ledger } = await ledgerWithClock();
    const a = await ledger.proposals.create(proposal({ mode: "human" }));
    const b = await ledger.proposals.create(proposal({ mode: "human" }));
    const viaCredential = await ledger.proposals.decide({ proposalId: a.id, decision: "approved", actor: "dana", establishedBy: "credential" });
    const unsaid = await ledger.proposals.decide({ proposalId: b.id, decision: "rejected", actor: "dana", reason: "no" });
    assert.ok(viaCredential.ok && unsaid.ok);
    assert.equal(viaCredential.decision.establishedBy, "credential");
    assert.equal(unsaid.decision.establishedBy, "self_declared");
    const [stored] = await ledger.proposals.decisions(a.id);
    assert.equal(stored!.establishedBy, "credential");
    assert.equal(stored!.verification.verified, true);
    const events = await ledger.events.list({ proposalId: a.id, afterId: 0 });
    assert.equal(events[1]!.detail.establishedBy, "credential");
  });
});

describe("what a person reads", () => {
  test("proposals show gives the deadline that matters now and how each reviewer was established; replay says it too", async () => {
    const { ledger, at } = await ledgerWithClock();
    const pending = await ledger.proposals.create(proposal({ mode: "human", requiredRole: "billing_lead", expiresAfter: "72h", validFor: "24h" }));
    const pendingText = formatProposalDetail((await proposalHistory(ledger, pending.id))!);
    assert.match(pendingText, /deadline: decide by 2026-06-04T08:00:00\.000Z/);
    assert.match(pendingText, /approval: a person with the role billing_lead \(self-declared: no reviewers are declared, so roles are not checked\); a decision by 2026-06-04T08:00:00\.000Z \(expires_after 72h\); an approval valid for 24h/);

    at(2);
    const d = await ledger.proposals.decide({ proposalId: pending.id, decision: "approved", actor: "dana", role: "billing_lead", establishedBy: "credential" });
    assert.ok(d.ok);
    const history = (await proposalHistory(ledger, pending.id))!;
    const approvedText = formatProposalDetail(history);
    assert.match(approvedText, /deadline: apply by \(approval window\) 2026-06-02T10:00:00\.000Z/);
    assert.match(approvedText, /reviewer: established as a declared reviewer by their credential/);
    const replay = buildReplay(history);
    assert.deepEqual(replay.reviewer, { establishedBy: "credential", selfDeclared: false });
    assert.match(replayMarkdown(replay), /Reviewer: established as a declared reviewer by their credential\./);

    const typed = await ledger.proposals.create(proposal({ mode: "human" }));
    assert.ok((await ledger.proposals.decide({ proposalId: typed.id, decision: "approved", actor: "dana" })).ok);
    const typedReplay = buildReplay((await proposalHistory(ledger, typed.id))!);
    assert.deepEqual(typedReplay.reviewer, { establishedBy: "self_declared", selfDeclared: true });
    assert.match(replayMarkdown(typedReplay), /\*\*Reviewer and role were self-declared:\*\* self-declared: the name and role were typed/);
  });
});
