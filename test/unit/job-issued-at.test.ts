// A writeback job's issue time is the one value of a job file apply does not re-derive from the
// ledger; it is checked before anything else: a real UTC instant, not before the approval, not ahead
// of this machine's clock by more than the handler helper's skew window.

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkWritebackJob, ISSUED_AT_MAX_AHEAD_MS } from "../../operator/review/job-schema.ts";

const NOW = new Date("2026-05-17T08:00:00.000Z");
const APPROVED_AT = "2026-05-17T07:30:00.000Z";

function job(issuedAt: unknown): Record<string, unknown> {
  return {
    protocol_version: "1.0",
    proposal_id: "wrp_abc234",
    idempotency_key: "wrp_abc234:INV-1",
    issued_at: issuedAt,
    change_set: {
      action: "billing.propose_late_fee_waiver",
      scope: { tenant_id: "acme", object_id: "INV-1" },
      principal: { id: "agent-7" },
      target: { schema: "public", table: "invoices", primary_key: { column: "id", value: "INV-1" } },
      before: { late_fee_cents: 2500 },
      patch: { late_fee_cents: 0 },
      after: { late_fee_cents: 0 },
      guards: { tenant: { column: "tenant_id", value: "acme" }, expected_version: null, transitions: [] },
      evidence: { bundle_id: "evb_1" },
    },
    approval: { actor: "dana", role: "billing_lead", approved_at: APPROVED_AT, proposal_hash: "a".repeat(64) },
  };
}

const errorsFor = (issuedAt: unknown) => {
  const check = checkWritebackJob(job(issuedAt), NOW);
  return check.ok ? [] : check.errors;
};

test("what writeback-job writes is accepted, up to the skew window ahead and any time after the approval", () => {
  for (const at of [NOW.toISOString(), "2026-05-17T07:30:00Z", "2026-05-17T08:04:59.999999Z", new Date(NOW.getTime() + ISSUED_AT_MAX_AHEAD_MS).toISOString()]) {
    assert.deepEqual(errorsFor(at), [], at);
  }
});

test("an issue time in the future is refused, saying by how much it may lead and what the clock says", () => {
  for (const at of ["2026-05-17T08:05:00.001Z", "2099-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]) {
    const [error] = errorsFor(at);
    assert.match(error ?? "", /^\/issued_at .* is in the future: more than 5 minutes after this machine's clock \(2026-05-17T08:00:00\.000Z\)$/, at);
  }
});

test("an issue time before the approval it carries is refused", () => {
  assert.match(errorsFor("2026-05-17T07:00:00Z")[0] ?? "", /before the approval the job carries \(2026-05-17T07:30:00\.000Z\)/);
  assert.match(errorsFor("1970-01-01T00:00:00Z")[0] ?? "", /before the approval/);
  // Not before means not before: no skew window below the approval (the skew window is for the clock ahead).
  assert.match(errorsFor("2026-05-17T07:29:59.999Z")[0] ?? "", /before the approval/);
  assert.match(errorsFor("2026-05-17T07:26:00Z")[0] ?? "", /before the approval/);
});

test("only a real UTC instant is an issue time", () => {
  for (const at of ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-05-17T24:00:00Z", "2026-05-17T08:00:60Z", "2026-05-17T10:00:00+02:00", "2026-05-17 08:00:00Z", "yesterday", ""]) {
    assert.ok(errorsFor(at).length > 0, `${at} was accepted`);
  }
  assert.match(errorsFor("2026-02-30T00:00:00Z")[0] ?? "", /must be a real UTC date-time ending in Z/);
  assert.doesNotMatch(errorsFor("2026-05-17T08:00:00\u001b[2JZ").join(" "), /\u001b/, "a refused value never reaches a terminal raw");
  assert.ok(errorsFor(12345).length > 0, "not a string");
});
