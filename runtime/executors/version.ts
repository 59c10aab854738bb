// The values a version guard binds. The guard's kind is planned at build time from the column's
// type; here the version the proposal saw becomes those values. Timestamps are compared as a range
// one unit of their last digit wide, so a value read with millisecond precision (JS Date) still
// matches a microsecond column (timestamptz, DATETIME(6)); counters are compared exactly.

import type { Engine } from "../db/adapter.ts";
import { dialectFor } from "../dialect/index.ts";
import type { Scalar } from "../values.ts";
import type { VersionGuardKind } from "./write-plan.ts";

/** The values a planned statement binds for the version guard; unused parts are null. */
export interface VersionValues {
  /** A counter's expected value (number or integer text, compared and incremented exactly). */
  expected: string | number | null;
  /** A timestamp's range: lower <= column < upper, in the engine's literal format. */
  lower: string | null;
  upper: string | null;
}

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d{1,19}$/;
const MICROS_PER_SECOND = 1_000_000n;

/**
 * The values for a version guard of the planned kind (chosen at build time from the column's
 * type), or undefined when the expected value cannot stand for that kind.
 */
export function versionValues(kind: VersionGuardKind, expected: Scalar, engine: Engine): VersionValues | undefined {
  if (kind === "counter") {
    if (typeof expected === "number") return Number.isSafeInteger(expected) ? { expected, lower: null, upper: null } : undefined;
    return typeof expected === "string" && INTEGER_TEXT.test(expected) ? { expected, lower: null, upper: null } : undefined;
  }
  const range = typeof expected === "string" ? timestampRange(expected) : undefined;
  if (!range) return undefined;
  return { expected: null, lower: formatMicros(range.lo, engine), upper: formatMicros(range.hi, engine) };
}

/**
 * The half-open range [lo, hi) of instants, in microseconds since the epoch, that print as
 * `text` at its own precision. Digits beyond microseconds are dropped (databases keep six).
 */
export function timestampRange(text: string): { lo: bigint; hi: bigint } | undefined {
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = "", zone = "Z"] = m;
  const offset = zone === "Z" ? "Z" : zone.length === 3 ? `${zone}:00` : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const whole = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${offset}`);
  // Date.parse rolls impossible days (Feb 30) over into the next month; a calendar round trip catches them.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (Number.isNaN(whole) || calendar.getUTCMonth() !== Number(month) - 1 || calendar.getUTCDate() !== Number(day)) return undefined;
  const digits = Math.min(fraction.length, 6);
  const micros = BigInt((fraction.slice(0, digits) || "0").padEnd(6, "0"));
  const unit = digits === 0 ? MICROS_PER_SECOND : 10n ** BigInt(6 - digits);
  const lo = BigInt(whole) * 1000n + micros;
  return { lo, hi: lo + unit };
}

/** ISO 8601 UTC with six digits for Postgres; 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) for MySQL DATETIME. */
export function formatMicros(micros: bigint, engine: Engine): string {
  const fraction = ((micros % MICROS_PER_SECOND) + MICROS_PER_SECOND) % MICROS_PER_SECOND;
  const seconds = (micros - fraction) / MICROS_PER_SECOND;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return dialectFor(engine).timestampText(`${base}.${fraction.toString().padStart(6, "0")}`);
}
