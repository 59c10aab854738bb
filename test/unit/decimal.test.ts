// Exact decimal text (runtime/decimal.ts): what counts as a number written as text, and
// comparisons that never go through floating point.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareDecimal, decimalOfNumber, exactDecimal, isCanonicalDecimal, isCanonicalInteger, sameNumber } from "../../runtime/decimal.ts";

describe("canonical form", () => {
  test("plain digits with an optional '-' and fraction are numbers; nothing else is", () => {
    for (const ok of ["0", "7", "-7", "12.50", "-0.5", "9223372036854775808", "100.000000000000000001"]) assert.equal(isCanonicalDecimal(ok), true, ok);
    for (const no of ["", " 1", "1 ", "+1", "01", "00", "1e0", "1E2", "0x10", "Infinity", "NaN", ".5", "5.", "1.2.3", "1,5", "--1", "１"]) {
      assert.equal(isCanonicalDecimal(no), false, JSON.stringify(no));
    }
    assert.equal(isCanonicalInteger("-0"), false);
    assert.equal(isCanonicalInteger("12.0"), false);
    assert.equal(isCanonicalInteger("-9223372036854775808"), true);
  });

  test("numbers print without exponent, exactly as JavaScript holds them", () => {
    assert.equal(decimalOfNumber(1e21), "1000000000000000000000");
    assert.equal(decimalOfNumber(1.5e-7), "0.00000015");
    assert.equal(decimalOfNumber(-2.5e22), "-25000000000000000000000");
    assert.equal(decimalOfNumber(-0), "0");
    assert.equal(decimalOfNumber(Number.NaN), undefined);
    assert.equal(decimalOfNumber(Number.POSITIVE_INFINITY), undefined);
    assert.equal(exactDecimal("1e2"), undefined);
  });
});

describe("comparison", () => {
  test("is exact past 2^53 and in the twentieth decimal place", () => {
    assert.equal(compareDecimal("9007199254740993", "9007199254740992"), 1);
    assert.equal(compareDecimal("100.000000000000000001", "100"), 1);
    assert.equal(compareDecimal("-0.5", "-0.50"), 0);
    assert.equal(compareDecimal("-1.5", "-1.25"), -1);
    assert.equal(sameNumber("12.50", 12.5), true);
    assert.equal(sameNumber("12.5", "abc"), false);
  });

  test("property: every finite double round-trips through its text, and text order is number order", () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const x = decimalOfNumber(a)!;
        const y = decimalOfNumber(b)!;
        return isCanonicalDecimal(x) && Number(x) === a && Math.sign(compareDecimal(x, y)) === Math.sign(a - b);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
