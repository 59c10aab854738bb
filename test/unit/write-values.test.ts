// The sql_update executor's own last look at a change set before binding it: the patch carries
// exactly the planned columns, except that a column an optional argument feeds may be missing
// (the UPDATE then keeps it), and an empty patch is never a write.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { plannedWriteFrom } from "../../runtime/executors/planned-write.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { writeValuesFor } from "../../runtime/executors/write-values.ts";
import { INVOICES, planCase, waiver } from "../support/plan-fixtures.ts";

function writeFor(edit: (cap: Record<string, any>) => void) {
  const cap = waiver();
  edit(cap);
  const planned = planCase({ engine: "postgres", capability: cap, tables: [INVOICES] });
  assert.ok(planned.ok);
  return plannedWriteFrom(planned.capability.proposal!.write!);
}

function request(patch: Record<string, string | number | null>): WritebackRequest {
  return {
    protocol_version: "1.0",
    proposal_id: "wrp_1",
    idempotency_key: "wrp_1:INV-1",
    issued_at: "2026-05-16T10:00:00Z",
    change_set: {
      action: "billing.propose_late_fee_waiver",
      scope: { tenant_id: "acme", object_id: "INV-1" },
      principal: { id: "agent-7" },
      target: { schema: "public", table: "invoices", primary_key: { column: "id", value: "INV-1" } },
      before: {},
      patch,
      after: {},
      guards: {
        tenant: { column: "tenant_id", value: "acme" },
        expected_version: { column: "updated_at", value: "2026-05-16T09:30:00.123456Z" },
        transitions: [{ column: "status", from: ["overdue"], to: ["open"] }],
      },
      evidence: { bundle_id: "ev_1" },
    },
    approval: { actor: "dana", role: "billing_lead", approved_at: "2026-05-16T10:05:00Z", proposal_hash: "h" },
  };
}

describe("binding a change set whose patch an optional argument feeds", () => {
  const optional = writeFor((cap) => void (cap.args.reason.required = false));
  const required = writeFor(() => {});
  const full = { late_fee_cents: 0, waiver_reason: "outage", status: "open" };
  const { waiver_reason: _left, ...withoutReason } = full;

  test("the optional column may be missing, and the update binds 'not given' for it", () => {
    const bound = writeValuesFor(optional, request(withoutReason));
    assert.ok(bound.ok, !bound.ok ? bound.message : "");
    assert.deepEqual(optional.update.params(bound.values).slice(0, 4), [0, false, null, "open"]);
    assert.ok(writeValuesFor(optional, request(full)).ok);
  });

  test("a required column may not be missing; an unplanned column and an empty patch are refused", () => {
    for (const [write, patch] of [
      [required, withoutReason],
      [optional, { waiver_reason: "outage", status: "open" }],
      [optional, { ...full, customer_id: "C-1" }],
      [optional, {}],
    ] as const) {
      const bound = writeValuesFor(write, request(patch));
      assert.equal(bound.ok, false, JSON.stringify(patch));
      assert.match(!bound.ok ? bound.message : "", /patch columns/);
    }
  });
});
