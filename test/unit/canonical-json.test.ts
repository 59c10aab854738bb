// canonicalJson (runtime/ledger/hash.ts) is what proposal hashes and approvals bind to: the same
// change set must give the same text whatever order its keys were built in, and different change
// sets must never give the same text. Examples pin the format; properties cover the input space.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson } from "../../runtime/ledger/hash.ts";

describe("canonicalJson format", () => {
  test("keys sorted by code unit at every depth, integer-like keys included, no whitespace", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: "x" }, "10": 0, "9": 0, B: 0 }), '{"10":0,"9":0,"B":0,"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}');
  });

  test("follows JSON.stringify for undefined, non-finite numbers and toJSON", () => {
    assert.equal(canonicalJson({ a: undefined, b: [undefined, NaN, Infinity], c: new Date(Date.UTC(2026, 0, 2)) }), '{"b":[null,null,null],"c":"2026-01-02T00:00:00.000Z"}');
    assert.equal(canonicalJson("é\u2028\""), JSON.stringify("é\u2028\""));
  });

  test("refuses bigint and values with no JSON form instead of guessing", () => {
    assert.throws(() => canonicalJson({ n: 1n }), /bigint/);
    assert.throws(() => canonicalJson(undefined), /no JSON form/);
  });
});

// Keys mix ordinary strings with integer-like ones, which JS objects always enumerate first.
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.nat({ max: 1000 }).map(String));
const { json } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.string(),
    fc.array(tie("json"), { maxLength: 4 }),
    fc.dictionary(key, tie("json"), { maxKeys: 5, noNullPrototype: true }),
  ),
}));

/** The same value with every object's keys inserted in a different order. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => reorder(item, seed + i));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  let state = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, seed + k.length)]));
}

describe("property", () => {
  test("invariant under key order", () => {
    fc.assert(
      fc.property(json, fc.integer(), (value, seed) => canonicalJson(reorder(value, seed)) === canonicalJson(value)),
      { numRuns: 500 },
    );
  });

  test("injective: the text parses back to the value it came from, so distinct values never share a text", () => {
    fc.assert(
      fc.property(json, (value) => {
        assert.deepStrictEqual(JSON.parse(canonicalJson(value)), value);
      }),
      { numRuns: 500 },
    );
  });
});
