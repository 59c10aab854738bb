// The version guard's shape rules: timestamps become a range one unit of their last digit wide
// (so JS Date milliseconds match microsecond columns), integers become exact counters.

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatMicros, timestampRange, versionGuardFor } from "../../runtime/executors/version.ts";

test("a microsecond timestamp is a one-microsecond range, in each engine's literal format", () => {
  assert.deepEqual(versionGuardFor("2026-05-16T09:30:00.123456Z", "postgres"), {
    kind: "timestamp",
    lo: "2026-05-16T09:30:00.123456Z",
    hi: "2026-05-16T09:30:00.123457Z",
  });
  assert.deepEqual(versionGuardFor("2026-05-16T09:30:00.123456Z", "mysql"), {
    kind: "timestamp",
    lo: "2026-05-16 09:30:00.123456",
    hi: "2026-05-16 09:30:00.123457",
  });
});

test("millisecond and second precision widen the range to their own unit", () => {
  assert.deepEqual(versionGuardFor("2026-05-16T09:30:00.123Z", "mysql"), {
    kind: "timestamp",
    lo: "2026-05-16 09:30:00.123000",
    hi: "2026-05-16 09:30:00.124000",
  });
  assert.deepEqual(versionGuardFor("2026-05-16T09:30:59Z", "postgres"), {
    kind: "timestamp",
    lo: "2026-05-16T09:30:59.000000Z",
    hi: "2026-05-16T09:31:00.000000Z",
  });
});

test("the upper bound carries across second, day and year boundaries", () => {
  assert.equal(versionGuardFor("2026-12-31T23:59:59.999999Z", "mysql").kind, "timestamp");
  const guard = versionGuardFor("2026-12-31T23:59:59.999999Z", "mysql");
  assert.equal(guard.kind === "timestamp" && guard.hi, "2027-01-01 00:00:00.000000");
});

test("offsets are converted to UTC and digits beyond microseconds are dropped", () => {
  const guard = versionGuardFor("2026-05-16 11:30:00.1234567+02:00", "postgres");
  assert.deepEqual(guard, { kind: "timestamp", lo: "2026-05-16T09:30:00.123456Z", hi: "2026-05-16T09:30:00.123457Z" });
  assert.deepEqual(versionGuardFor("2026-05-16 09:30:00.5", "mysql"), {
    kind: "timestamp",
    lo: "2026-05-16 09:30:00.500000",
    hi: "2026-05-16 09:30:00.600000",
  });
});

test("integers and integer strings are counters; anything else cannot guard", () => {
  assert.deepEqual(versionGuardFor(7, "postgres"), { kind: "counter", value: 7 });
  assert.deepEqual(versionGuardFor("9007199254740993", "mysql"), { kind: "counter", value: "9007199254740993" });
  for (const value of [1.5, true, null, "v2", "2026-02-30T00:00:00Z", "2026-02-30T00:00:00+01:00", "2026-05-16T25:00:00Z", ""]) {
    assert.equal(versionGuardFor(value, "postgres").kind, "unsupported", String(value));
  }
});

test("timestamps before 1970 format correctly", () => {
  const range = timestampRange("1969-12-31T23:59:59.5Z")!;
  assert.equal(formatMicros(range.lo, "postgres"), "1969-12-31T23:59:59.500000Z");
  assert.equal(formatMicros(range.hi, "postgres"), "1969-12-31T23:59:59.600000Z");
});
