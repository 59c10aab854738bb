// Approval durations as the contract writes them ("30m", "72h", "7d"): one unit, a whole
// number, no fractions or mixed units, so every reader (the compiler, the ledger's rules, a
// person) reads the same span. The ledger turns them into fixed deadlines with its own clock.

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const MIN_DURATION_MS = UNIT_MS.m;
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

const DURATION = /^([1-9][0-9]{0,5})([mhd])$/;

/** The span in milliseconds, or undefined for text that is not a duration within 1 minute … 365 days. */
export function durationMs(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return ms >= MIN_DURATION_MS && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** `from` plus the duration, as an ISO time; undefined when either is unreadable (callers fail closed). */
export function addDuration(from: string, duration: string): string | undefined {
  const start = Date.parse(from);
  const span = durationMs(duration);
  return Number.isNaN(start) || span === undefined ? undefined : new Date(start + span).toISOString();
}
