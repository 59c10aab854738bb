// The version guard's values: the kind is planned from the column's type; a timestamp becomes a
// range one unit of its last digit wide (so JS Date milliseconds match microsecond columns),
// a counter is matched exactly. A value that cannot stand for the planned kind gives nothing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMicros, timestampRange, versionValues } from "../../runtime/executors/version.ts";

const range = (lower: string, upper: string) => ({ expected: null, lower, upper });

test("a microsecond timestamp is a one-microsecond range, in each engine's literal format", () => {
  assert.deepEqual(versionValues("timestamp", "2026-05-16T09:30:00.123456Z", "postgres"), range("2026-05-16T09:30:00.123456Z", "2026-05-16T09:30:00.123457Z"));
  assert.deepEqual(versionValues("timestamp", "2026-05-16T09:30:00.123456Z", "mysql"), range("2026-05-16 09:30:00.123456", "2026-05-16 09:30:00.123457"));
});

test("millisecond and second precision widen the range to their own unit", () => {
  assert.deepEqual(versionValues("timestamp", "2026-05-16T09:30:00.123Z", "mysql"), range("2026-05-16 09:30:00.123000", "2026-05-16 09:30:00.124000"));
  assert.deepEqual(versionValues("timestamp", "2026-05-16T09:30:59Z", "postgres"), range("2026-05-16T09:30:59.000000Z", "2026-05-16T09:31:00.000000Z"));
});

test("the upper bound carries across second, day and year boundaries", () => {
  assert.equal(versionValues("timestamp", "2026-12-31T23:59:59.999999Z", "mysql")?.upper, "2027-01-01 00:00:00.000000");
});

test("offsets are converted to UTC and digits beyond microseconds are dropped", () => {
  assert.deepEqual(versionValues("timestamp", "2026-05-16 11:30:00.1234567+02:00", "postgres"), range("2026-05-16T09:30:00.123456Z", "2026-05-16T09:30:00.123457Z"));
  assert.deepEqual(versionValues("timestamp", "2026-05-16 09:30:00.5", "mysql"), range("2026-05-16 09:30:00.500000", "2026-05-16 09:30:00.600000"));
});

test("counters take integers and integer text exactly; the planned kind decides, not the value's shape", () => {
  assert.deepEqual(versionValues("counter", 7, "postgres"), { expected: 7, lower: null, upper: null });
  assert.deepEqual(versionValues("counter", "9007199254740993", "mysql"), { expected: "9007199254740993", lower: null, upper: null });
  for (const value of [1.5, true, null, "v2", "", "2026-05-16T09:30:00Z"]) {
    assert.equal(versionValues("counter", value, "postgres"), undefined, String(value));
  }
  for (const value of [7, "7", true, null, "v2", "2026-02-30T00:00:00Z", "2026-02-30T00:00:00+01:00", "2026-05-16T25:00:00Z", ""]) {
    assert.equal(versionValues("timestamp", value, "postgres"), undefined, String(value));
  }
});

test("timestamps before 1970 format correctly", () => {
  const r = timestampRange("1969-12-31T23:59:59.5Z")!;
  assert.equal(formatMicros(r.lo, "postgres"), "1969-12-31T23:59:59.500000Z");
  assert.equal(formatMicros(r.hi, "postgres"), "1969-12-31T23:59:59.600000Z");
});
