// Is the row still at the version the proposal saw? The same rule as the sql_update
// executor: an expected timestamp stands for the range one unit of its last digit wide, so a
// value the proposal read with millisecond precision (JS Date) still matches a microsecond
// column (timestamptz, DATETIME(6)) — "…00.123Z" matches "…00.123456Z", "…00.124Z" does not.
// Other values compare as text, so 7 equals "7" (bigint columns arrive as strings).

import { timestampRange } from "../runtime/executors/version.ts";

export function versionsMatch(expected: unknown, current: unknown): boolean {
  if (expected === null || expected === undefined) return current === null || current === undefined;
  const range = typeof expected === "string" ? timestampRange(expected) : expected instanceof Date ? timestampRange(expected.toISOString()) : undefined;
  const instant = typeof current === "string" ? timestampRange(current) : current instanceof Date ? timestampRange(current.toISOString()) : undefined;
  if (range && instant) return range.lo <= instant.lo && instant.lo < range.hi;
  return String(expected) === String(current);
}
