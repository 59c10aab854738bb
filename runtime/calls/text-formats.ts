// Arguments that feed a date, time, timestamp or uuid column: the compiler puts a `format` and a
// `pattern` on them (compiler/plan/arguments.ts), the compiled validator checks the pattern (the
// written shape, fraction digits, year range), and this module checks what a pattern cannot: that
// the calendar date exists (no February 30), that the clock reads a real time of day, that an
// offset is a real one. So "next tuesday" or "2026-02-30" is refused when the proposal is made,
// not when a reviewer's approved change fails at apply.
//
// On the read hot path: one precompiled regular expression per format and digit arithmetic on
// char codes; no substrings, no Date objects, no closures per call.

/** The formats the compiler emits for temporal and uuid columns. */
export const TEXT_FORMATS = {
  /** timestamp with time zone: an instant, so the offset is required. */
  "date-time": { what: "an ISO 8601 timestamp with offset such as 2026-11-30T09:00:00Z or 2026-11-30T10:00:00+01:00" },
  /** timestamp without time zone, MySQL DATETIME and TIMESTAMP: the wall-clock value as stored, no offset. */
  "local-date-time": { what: "an ISO 8601 timestamp without offset such as 2026-11-30T09:00:00 (the value is stored as written, no time zone; a trailing Z or +00:00, as this server prints such values, is accepted and dropped)" },
  date: { what: "a calendar date such as 2026-11-30" },
  /** time with time zone. */
  time: { what: "a time of day with offset such as 09:00:00Z or 09:00:00+01:00" },
  /** time without time zone, MySQL TIME (a time of day here, 00:00:00 to 23:59:59). */
  "local-time": { what: "a time of day such as 09:00:00" },
  uuid: { what: "a UUID written as 8-4-4-4-12 hexadecimal digits such as 3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a0b" },
} as const;
export type TextFormat = keyof typeof TEXT_FORMATS;

export function isTextFormat(format: unknown): format is TextFormat {
  return typeof format === "string" && Object.hasOwn(TEXT_FORMATS, format);
}

// The shapes, loose on fraction digits: the schema's own pattern fixes those and the year range
// per column. Every field before the fraction sits at a fixed position, so once a shape matches
// the values are read straight from char codes (test(), not exec(): no match array per call).
const DATE = "\\d{4}-\\d{2}-\\d{2}";
const TIME = "\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?";
const OFFSET = "(?:Z|[+-]\\d{2}:\\d{2})";
// Results print a stored wall-clock value with "Z" (sessions run in UTC, runtime/values.ts), so a
// model passes that very text back: a UTC marker is accepted on a local timestamp and dropped before binding.
const UTC_SUFFIX = "(?:Z|\\+00:00)";
const SHAPES: Readonly<Record<Exclude<TextFormat, "uuid">, RegExp>> = {
  "date-time": new RegExp(`^${DATE}[T ]${TIME}${OFFSET}$`),
  "local-date-time": new RegExp(`^${DATE}[T ]${TIME}${UTC_SUFFIX}?$`),
  date: new RegExp(`^${DATE}$`),
  time: new RegExp(`^${TIME}${OFFSET}$`),
  "local-time": new RegExp(`^${TIME}$`),
};
/** Hyphenated 8-4-4-4-12 hex, either case; no braces, no URN prefix, no hyphen-free form. */
export const UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
const UUID = new RegExp(UUID_PATTERN);

// The compiler's patterns name their limits in fixed spellings (textPattern below); a message reads them back.
const YEARS_1000 = "[1-9][0-9]{3}";
const YEARS_1970_2038 = "(19[7-9][0-9]|20[0-2][0-9]|203[0-8])";
const FRACTION = /\\\.\[0-9\]\{1,(\d)\}/;

/** The year range a column holds: Postgres from year 1, MySQL DATE/DATETIME from 1000, MySQL TIMESTAMP 1970 to 2038. */
export type YearRange = "from_1" | "from_1000" | "1970_2038";

/**
 * The pattern of a temporal argument: the shape of its format, at most `fractionDigits` digits
 * after the seconds (the column's precision; more would be rounded by the database), and the years
 * the column holds. 'T' or a space between date and time, as both engines read either.
 */
export function textPattern(format: Exclude<TextFormat, "uuid">, fractionDigits: number, years: YearRange): string {
  const year = years === "from_1000" ? YEARS_1000 : years === "1970_2038" ? YEARS_1970_2038 : "[0-9]{4}";
  const date = `${year}-[0-9]{2}-[0-9]{2}`;
  const time = `[0-9]{2}:[0-9]{2}:[0-9]{2}${fractionDigits > 0 ? `(\\.[0-9]{1,${fractionDigits}})?` : ""}`;
  const offset = "(Z|[+-][0-9]{2}:[0-9]{2})";
  switch (format) {
    case "date":
      return `^${date}$`;
    case "date-time":
      return `^${date}[T ]${time}${offset}$`;
    case "local-date-time":
      return `^${date}[T ]${time}(Z|\\+00:00)?$`;
    case "time":
      return `^${time}${offset}$`;
    case "local-time":
      return `^${time}$`;
  }
}

/** What an argument of this format and pattern accepts, in words: the whole message for a value outside it. */
export function textFormatMessage(name: string, format: TextFormat, pattern: unknown): string {
  const clauses: string[] = [];
  if (typeof pattern === "string" && format !== "uuid" && format !== "date") {
    const fraction = FRACTION.exec(pattern);
    clauses.push(fraction ? `at most ${fraction[1]} digits after the seconds` : "no fraction of a second");
  }
  if (typeof pattern === "string" && pattern.includes(YEARS_1000)) clauses.push("a year from 1000 to 9999");
  if (typeof pattern === "string" && pattern.includes(YEARS_1970_2038)) clauses.push("an instant from 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC");
  const limits = clauses.length > 0 ? `, with ${clauses.join(" and ")}` : "";
  return `Argument '${name}' must be ${TEXT_FORMATS[format].what}${limits}; the column it feeds takes exactly that.`;
}

/** Whether `value` is a real value of the format (the pattern beside it was already checked). */
export function isValidText(format: TextFormat, value: string): boolean {
  if (format === "uuid") return UUID.test(value);
  if (!SHAPES[format].test(value)) return false;
  const hasDate = format === "date" || format === "date-time" || format === "local-date-time";
  if (hasDate && !isCalendarDate(digits(value, 0, 4), digits(value, 5, 2), digits(value, 8, 2))) return false;
  if (format === "date") return true;
  // "YYYY-MM-DDThh:mm:ss" puts the clock at 11; a time alone starts with it.
  const clock = hasDate ? 11 : 0;
  if (!isClock(digits(value, clock, 2), digits(value, clock + 3, 2), digits(value, clock + 6, 2))) return false;
  if (format === "local-date-time" || format === "local-time" || value.endsWith("Z")) return true;
  // The offset is the last six characters, "+hh:mm". Real ones run from -12:00 to +14:00
  // (Postgres reads up to 15:59, but no zone uses it).
  const end = value.length;
  return digits(value, end - 5, 2) <= 14 && digits(value, end - 2, 2) <= 59;
}

/**
 * The value to bind for a local timestamp: without the UTC marker a result printed ("...Z" or
 * "...+00:00"), so the database stores the wall-clock value as written. Other formats pass unchanged.
 */
export function boundText(format: TextFormat, value: string): string {
  if (format !== "local-date-time") return value;
  if (value.endsWith("Z")) return value.slice(0, -1);
  if (value.endsWith("+00:00")) return value.slice(0, -6);
  return value;
}

// MySQL TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07.999999 UTC; the pattern's years
// let the ends of those years through, and the database would refuse them only at apply.
const MYSQL_TIMESTAMP_FIRST = "1970-01-01 00:00:01";
const MYSQL_TIMESTAMP_LAST = "2038-01-19 03:14:07";

/** Whether a pattern is the one of a MySQL TIMESTAMP column (its fixed spelling of the years). */
export function isMysqlTimestampPattern(pattern: unknown): boolean {
  return typeof pattern === "string" && pattern.includes(YEARS_1970_2038);
}

/** Whether a local timestamp (already valid, UTC marker dropped) is an instant a MySQL TIMESTAMP holds. */
export function withinMysqlTimestamp(value: string): boolean {
  const seconds = `${value.slice(0, 10)} ${value.slice(11, 19)}`;
  return seconds >= MYSQL_TIMESTAMP_FIRST && seconds <= MYSQL_TIMESTAMP_LAST;
}

/** The decimal number written by `count` ASCII digits at `start` (the shape already matched digits there). */
function digits(value: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + (value.charCodeAt(i) - 48);
  return n;
}

/** Year 1 onwards (Postgres has no year 0), a month that exists, a day that month has. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  return day <= daysIn(year, month);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** A time of day: no 24:00 and no leap second (the databases would roll them into the next day or minute). */
function isClock(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 59;
}
