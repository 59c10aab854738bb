// The runtime's proposal policy (runtime/calls/policy.ts): what a proposal may change, checked
// against the arguments and the current row before anything is stored. Bounds are probed at and
// past each edge, by example and as a property over arbitrary numbers.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ProposalCapability } from "../../runtime/capability.ts";
import { policyViolation, sameValue } from "../../runtime/calls/policy.ts";
import type { Scalar } from "../../runtime/values.ts";
import { decimalOfNumber } from "../../runtime/decimal.ts";

type Policy = Pick<ProposalCapability, "allowedColumns" | "numericBounds" | "transitionGuards" | "visibleColumns">;

/** policyViolation reads only the policy fields of a compiled capability. */
function capability(policy: Partial<Policy> = {}): ProposalCapability {
  // Every column these cases name is visible unless a case says otherwise (see "hidden columns").
  const named = [...(policy.allowedColumns ?? []), ...Object.keys(policy.transitionGuards ?? {})];
  const visibleColumns = ["id", "late_fee_cents", "waiver_reason", "status", "internal_notes", "tenant_id", ...named];
  const full: Policy = { allowedColumns: [], numericBounds: {}, transitionGuards: {}, visibleColumns, ...policy };
  return full as ProposalCapability;
}

// The shape of the example's late-fee waiver.
const WAIVER = capability({
  allowedColumns: ["late_fee_cents", "waiver_reason", "status"],
  numericBounds: { late_fee_cents: { minimum: 0, maximum: 10000 } },
  transitionGuards: { status: { from: ["overdue"], to: ["open"] } },
});
const OVERDUE = { id: "INV-1", late_fee_cents: 2500, waiver_reason: null, status: "overdue" };

const check = (patch: Record<string, Scalar>, row: Record<string, unknown> = OVERDUE, cap = WAIVER) => policyViolation(cap, row, patch);

describe("allowed columns", () => {
  test("a patch within allowed_columns passes", () => {
    assert.equal(check({ late_fee_cents: 0, waiver_reason: "outage", status: "open" }), undefined);
  });

  test("any column outside allowed_columns is refused by name", () => {
    assert.equal(check({ late_fee_cents: 0, internal_notes: "x" }), "Column 'internal_notes' may not be changed by this capability.");
    assert.equal(check({ tenant_id: "other" }), "Column 'tenant_id' may not be changed by this capability.");
  });
});

describe("numeric bounds", () => {
  const fee = (value: Scalar) => check({ late_fee_cents: value });

  test("both edges are inside", () => {
    assert.equal(fee(0), undefined);
    assert.equal(fee(10000), undefined);
  });

  test("one past either edge is outside, for whole and fractional steps", () => {
    assert.equal(fee(-1), "The proposed late_fee_cents (-1) is below the allowed minimum of 0.");
    assert.equal(fee(-0.01), "The proposed late_fee_cents (-0.01) is below the allowed minimum of 0.");
    assert.equal(fee(10001), "The proposed late_fee_cents (10001) is above the allowed maximum of 10000.");
    assert.equal(fee(10000.5), "The proposed late_fee_cents (10000.5) is above the allowed maximum of 10000.");
  });

  test("values that arrive as text (bigint and decimal from drivers, string arguments) are compared as numbers", () => {
    assert.equal(fee("10000"), undefined);
    assert.equal(fee("10000.00"), undefined);
    assert.equal(fee("10000.01"), "The proposed late_fee_cents (10000.01) is above the allowed maximum of 10000.");
    assert.equal(fee("-1"), "The proposed late_fee_cents (-1) is below the allowed minimum of 0.");
  });

  test("null and text that is not a number are refused, not treated as zero", () => {
    assert.equal(fee(null), "The proposed late_fee_cents is not a number.");
    assert.equal(fee("ten"), "The proposed late_fee_cents is not a number.");
    assert.equal(fee("NaN"), "The proposed late_fee_cents is not a number.");
  });

  test("text is a number only in canonical decimal form: empty, hex, exponent, infinity, spaces and '+' are refused", () => {
    for (const text of ["", "0x10", "1e2", "1E2", "Infinity", "-Infinity", " 1", "1 ", "+1", "01", ".5", "5.", "1_000", "١٢"]) {
      assert.equal(fee(text), "The proposed late_fee_cents is not a number.", JSON.stringify(text));
    }
  });

  test("decimals are compared exactly: a hair over the maximum is over, past 2^53 nothing rounds", () => {
    const money = capability({ allowedColumns: ["amount"], numericBounds: { amount: { minimum: 0.1, maximum: 100.0 } } });
    const amount = (value: Scalar) => check({ amount: value }, {}, money);
    assert.equal(amount("100.000000000000000000"), undefined);
    assert.equal(amount("100.000000000000000001"), "The proposed amount (100.000000000000000001) is above the allowed maximum of 100.");
    assert.equal(amount("0.1"), undefined);
    assert.equal(amount("0.09999999999999999999"), "The proposed amount (0.09999999999999999999) is below the allowed minimum of 0.1.");
    const ids = capability({ allowedColumns: ["n"], numericBounds: { n: { maximum: 9007199254740992 } } });
    assert.equal(check({ n: "9007199254740992" }, {}, ids), undefined);
    assert.equal(check({ n: "9007199254740993" }, {}, ids), "The proposed n (9007199254740993) is above the allowed maximum of 9007199254740992.");
  });

  test("a one-sided bound leaves the other side open", () => {
    const atLeast = capability({ allowedColumns: ["credit"], numericBounds: { credit: { minimum: 5 } } });
    assert.equal(check({ credit: 1e12 }, {}, atLeast), undefined);
    assert.equal(check({ credit: 4 }, {}, atLeast), "The proposed credit (4) is below the allowed minimum of 5.");
    const atMost = capability({ allowedColumns: ["credit"], numericBounds: { credit: { maximum: -5 } } });
    assert.equal(check({ credit: -1e12 }, {}, atMost), undefined);
    assert.equal(check({ credit: -4 }, {}, atMost), "The proposed credit (-4) is above the allowed maximum of -5.");
  });

  test("bounds apply only to columns the patch changes", () => {
    assert.equal(check({ waiver_reason: "outage" }, { ...OVERDUE, late_fee_cents: 99999 }), undefined);
  });
});

describe("transition guards", () => {
  test("the current value must be one of `from`, even when the patch leaves the column alone", () => {
    const paid = { ...OVERDUE, status: "paid" };
    assert.equal(check({ status: "open" }, paid), 'This change is only allowed when status is "overdue"; it is "paid".');
    assert.equal(check({ late_fee_cents: 0 }, paid), 'This change is only allowed when status is "overdue"; it is "paid".');
  });

  test("the proposed value must be one of `to`", () => {
    assert.equal(check({ status: "void" }), 'status may only change to "open".');
    assert.equal(check({ status: "open" }), undefined);
  });

  test("several allowed states are listed, and a missing or null current value is named", () => {
    const cap = capability({ allowedColumns: ["state"], transitionGuards: { state: { from: ["blocked", "waiting"], to: ["scheduled", "cancelled"] } } });
    assert.equal(check({ state: "done" }, { state: "blocked" }, cap), 'state may only change to "scheduled" or "cancelled".');
    assert.equal(check({ state: "scheduled" }, { state: null }, cap), 'This change is only allowed when state is "blocked" or "waiting"; it is null.');
    assert.equal(check({ state: "scheduled" }, { state: "waiting" }, cap), undefined);
  });

  test("numeric and boolean states match the driver's text and values", () => {
    const level = capability({ allowedColumns: ["level"], transitionGuards: { level: { from: [1, 2], to: [3] } } });
    assert.equal(check({ level: 3 }, { level: "2" }, level), undefined, "a bigint column read as text");
    assert.equal(check({ level: "3" }, { level: 1 }, level), undefined, "a string argument feeding a bigint column");
    assert.equal(check({ level: 3 }, { level: "4" }, level), "This change is only allowed when level is 1 or 2; it is \"4\".");
    const closed = capability({ allowedColumns: ["out_of_service"], transitionGuards: { out_of_service: { from: [false], to: [true] } } });
    assert.equal(check({ out_of_service: true }, { out_of_service: false }, closed), undefined);
    assert.equal(check({ out_of_service: true }, { out_of_service: true }, closed), "This change is only allowed when out_of_service is false; it is true.");
  });
});

describe("the no-op proposal", () => {
  test("a patch that matches the row is refused", () => {
    const open = capability({ allowedColumns: ["late_fee_cents", "status"] });
    assert.equal(check({ late_fee_cents: 2500 }, OVERDUE, open), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ late_fee_cents: 2500, status: "overdue" }, OVERDUE, open), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ late_fee_cents: 2500, status: "open" }, OVERDUE, open), undefined, "one changed column is a change");
  });

  test("text from the driver and the same number in the patch are the same value", () => {
    const cap = capability({ allowedColumns: ["row_count", "waiver_reason"] });
    assert.equal(check({ row_count: 12 }, { row_count: "12" }, cap), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ row_count: 12.5 }, { row_count: "12.50" }, cap), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ waiver_reason: null }, { waiver_reason: null }, cap), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ waiver_reason: "" }, { waiver_reason: null }, cap), undefined, "an empty string is not null");
  });

  test("a number written as text is compared with the row as a number, a text column as text", () => {
    // The compiled shape: price (numeric(10,2)) fed by a string argument, note (text) by another.
    const cap = {
      ...capability({ allowedColumns: ["price", "note"] }),
      inputSchema: { type: "object", properties: { price: { type: "string", format: "decimal", pattern: "^-?(0|[1-9][0-9]{0,7})(\\.[0-9]{1,2})?$" }, note: { type: "string" } } },
      patch: (args: Record<string, Scalar>) => ({ price: args.price ?? null, note: args.note ?? null }),
    } as unknown as ProposalCapability;
    const row = { price: "12.50", note: "1.50" };
    assert.equal(check({ price: "12.5", note: "1.50" }, row, cap), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ price: "12.50", note: "1.5" }, row, cap), undefined, "text '1.5' differs from text '1.50'");
  });

  test("the checks run in order: columns, bounds, transitions, then the no-op", () => {
    assert.match(check({ late_fee_cents: -5, internal_notes: "x" }) ?? "", /^Column 'internal_notes'/);
    assert.match(check({ late_fee_cents: -5, status: "void" }) ?? "", /below the allowed minimum/);
    assert.match(check({ late_fee_cents: 2500, status: "void" }) ?? "", /may only change to/);
  });
});

describe("sameValue", () => {
  test("compares driver text with numbers and booleans, and keeps null apart from everything but null", () => {
    assert.equal(sameValue("42", 42), true);
    assert.equal(sameValue(false, "false"), true);
    assert.equal(sameValue(null, undefined), true);
    assert.equal(sameValue(null, "null"), false);
    assert.equal(sameValue(0, null), false);
    assert.equal(sameValue("", null), false);
    assert.equal(sameValue("open", "Open"), false);
  });
});

// ---- property: bounds hold whatever the numbers ----------------------------------------------

/** The next representable doubles around x: the tightest "one past the edge" there is. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + (x > 0 ? 1n : -1n));
  return view.getFloat64(0);
}
const nextDown = (x: number) => -nextUp(-x);

const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e15, max: 1e15 });
const bounds = fc
  .tuple(fc.option(finite, { nil: undefined }), fc.option(finite, { nil: undefined }))
  .map(([a, b]) => (a !== undefined && b !== undefined && a > b ? { minimum: b, maximum: a } : { minimum: a, maximum: b }));

describe("property", () => {
  test("policyViolation accepts exactly the values within the bounds, at and one past each edge, as numbers or text", () => {
    const valueNear = (b: { minimum?: number | undefined; maximum?: number | undefined }) =>
      fc.oneof(
        finite,
        ...[b.minimum, b.maximum].filter((x) => x !== undefined).flatMap((x) => [fc.constant(x), fc.constant(nextUp(x)), fc.constant(nextDown(x))]),
      );
    fc.assert(
      fc.property(
        bounds.chain((b) => fc.tuple(fc.constant(b), valueNear(b), fc.boolean())),
        ([b, value, asText]) => {
          const { minimum, maximum } = b;
          const cap = capability({
            allowedColumns: ["amount"],
            numericBounds: { amount: { ...(minimum !== undefined ? { minimum } : {}), ...(maximum !== undefined ? { maximum } : {}) } },
          });
          // The exact decimal text of the double, as a driver prints a numeric (never in exponent form).
          const verdict = policyViolation(cap, { amount: null }, { amount: asText ? decimalOfNumber(value)! : value });
          if (minimum !== undefined && value < minimum) return verdict?.includes("below the allowed minimum") === true;
          if (maximum !== undefined && value > maximum) return verdict?.includes("above the allowed maximum") === true;
          return verdict === undefined;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("hidden columns", () => {
  // The columns exist in the row the proposal reads, but the author did not make them visible:
  // a refusal says what is wrong without naming them or quoting their values.
  const cap = capability({
    allowedColumns: ["priority", "risk_score", "review_state"],
    numericBounds: { priority: { minimum: 1, maximum: 5 }, risk_score: { minimum: 0, maximum: 3 } },
    transitionGuards: { review_state: { from: ["clear"], to: ["clear", "flagged"] } },
    visibleColumns: ["id", "priority"],
  });
  const row = { id: "T-1", priority: 2, risk_score: 1, review_state: "clear" };
  const hidden = /risk_score|review_state|secret-state/;

  test("a bound on a hidden column quotes the caller's value, not the column", () => {
    const message = check({ priority: 2, risk_score: 9 }, row, cap)!;
    assert.equal(message, "A proposed value (9) is above the allowed maximum of 3.");
    assert.equal(check({ priority: 9 }, row, cap), "The proposed priority (9) is above the allowed maximum of 5.");
  });

  test("a transition guard on a hidden column names neither it nor its current value", () => {
    const message = check({ priority: 3 }, { ...row, review_state: "secret-state" }, cap)!;
    assert.equal(message, "This change is not allowed while the row is in its current state.");
    assert.doesNotMatch(check({ priority: 3, review_state: "secret-state" }, row, cap)!, hidden);
  });

  test("a column outside allowed_columns that is hidden is not named", () => {
    assert.doesNotMatch(check({ internal_memo: "x" }, row, capability({ allowedColumns: [], visibleColumns: ["id"] }))!, /internal_memo/);
  });
});

describe("the no-op check does not reveal hidden values", () => {
  // risk_flag is allowed but hidden: whether a guess equals its current value must not show in
  // the answer, so a patch that touches a hidden column is never refused as "no change".
  const cap = capability({ allowedColumns: ["priority", "risk_flag"], visibleColumns: ["id", "priority"] });
  const row = { id: "T-1", priority: 2, risk_flag: "high" };

  test("guessing a hidden column's current value and guessing another value get the same answer", () => {
    assert.equal(check({ risk_flag: "low" }, row, cap), undefined);
    assert.equal(check({ risk_flag: "high" }, row, cap), undefined);
    assert.equal(check({ priority: 2, risk_flag: "high" }, row, cap), undefined);
    assert.equal(check({ priority: 2, risk_flag: "low" }, row, cap), undefined);
  });

  test("a patch of visible columns only is still refused when it changes nothing", () => {
    assert.equal(check({ priority: 2 }, row, cap), "The proposal would not change anything: the row already has these values.");
    assert.equal(check({ priority: 3 }, row, cap), undefined);
  });
});
