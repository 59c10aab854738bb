// The version guard of an update, chosen by the shape of the expected value the proposal saw.
// Timestamps are compared as a range one unit of their last digit wide, so a value read with
// millisecond precision (JS Date) still matches a microsecond column (timestamptz,
// DATETIME(6)); counters are compared exactly and incremented.

import type { Engine } from "../db/adapter.ts";
import { dialectFor } from "../dialect/index.ts";
import type { Scalar } from "../values.ts";

export type VersionGuard =
  /** lo <= column < hi, both in the engine's literal format; the column becomes the database's now. */
  | { kind: "timestamp"; lo: string; hi: string }
  /** column = value; the column becomes column + 1. */
  | { kind: "counter"; value: string | number }
  /** A value no guard can be built for (boolean, null, free text). */
  | { kind: "unsupported" };

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const INTEGER_TEXT = /^-?\d{1,19}$/;
const MICROS_PER_SECOND = 1_000_000n;

export function versionGuardFor(expected: Scalar, engine: Engine): VersionGuard {
  if (typeof expected === "number") return Number.isSafeInteger(expected) ? { kind: "counter", value: expected } : { kind: "unsupported" };
  if (typeof expected !== "string") return { kind: "unsupported" };
  if (INTEGER_TEXT.test(expected)) return { kind: "counter", value: expected };
  const range = timestampRange(expected);
  if (!range) return { kind: "unsupported" };
  return { kind: "timestamp", lo: formatMicros(range.lo, engine), hi: formatMicros(range.hi, engine) };
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
