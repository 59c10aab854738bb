// The written form a string argument must have when it feeds a timestamp, date, time or uuid
// column, decided from the column's type at build time (no config field): a `format` the runtime
// checks for real values (runtime/calls/text-formats.ts) and a `pattern` with the column's own
// limits (fraction digits it keeps, years it holds).
//
// Choices, per engine (docs/contract.md, "Dates, times and uuids"):
// - Postgres timestamp with time zone is an instant: the offset is required ("date-time").
// - Postgres timestamp without time zone, MySQL DATETIME and TIMESTAMP take no offset
//   ("local-date-time"): Postgres would silently drop one, and MySQL's handling differs between
//   servers (MariaDB refuses it). The value is stored as written; server sessions run in UTC, so a
//   MySQL TIMESTAMP reads it as UTC.
// - Fraction digits beyond the column's precision are refused rather than rounded.

import type { Engine } from "../config/contract.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";
import { UUID_PATTERN, textPattern, type TextFormat, type YearRange } from "../../runtime/calls/text-formats.ts";

export function textFormatFor(engine: Engine, columns: readonly ColumnInfo[]): { format: TextFormat; pattern: string } | undefined {
  const column = columns.find((c) => ["timestamp", "date", "time", "uuid"].includes(c.type_class));
  if (!column) return undefined;
  // A domain's own name says nothing about time zones: its base type does (a domain over timestamptz is an instant).
  const type = (column.base_type ?? column.data_type).trim().toLowerCase();
  if (column.type_class === "uuid") return { format: "uuid", pattern: UUID_PATTERN };
  const years: YearRange = engine === "postgres" ? "from_1" : /^timestamp\b/.test(type) ? "1970_2038" : "from_1000";
  if (column.type_class === "date") return { format: "date", pattern: textPattern("date", 0, years) };
  // Postgres keeps microseconds unless the type says fewer; MySQL keeps none unless it says more.
  const precision = /\(\s*(\d)\s*\)/.exec(type);
  const digits = precision ? Number(precision[1]) : engine === "postgres" ? 6 : 0;
  const zoned = engine === "postgres" && (/with time zone/.test(type) || /^(timestamptz|timetz)\b/.test(type));
  if (column.type_class === "time") {
    const format = zoned ? "time" : "local-time";
    return { format, pattern: textPattern(format, digits, years) };
  }
  const format = zoned ? "date-time" : "local-date-time";
  return { format, pattern: textPattern(format, digits, years) };
}
