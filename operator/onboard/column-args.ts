// The argument a column takes when the model supplies its value: typed from the column, with the
// column's own limits (string length, integer range, enum labels) so a value the database would
// refuse is refused at the tool boundary instead.

import type { ArgConfig, Engine, Scalar } from "../../compiler/config/contract.ts";
import type { ColumnInfo } from "../../compiler/inspect/snapshot.ts";
import { textFormatFor } from "../../compiler/plan/text-format.ts";
import { boundText, isValidText, TEXT_FORMATS } from "../../runtime/calls/text-formats.ts";

export type Bounds = { minimum?: number; maximum?: number };

/** Integer ranges by the database's type name; anything wider stays within what JSON numbers hold exactly. */
const INTEGER_RANGES: Array<[RegExp, number, number]> = [
  [/^tinyint/, -128, 127],
  [/^smallint|^int2\b/, -32768, 32767],
  [/^mediumint/, -8388608, 8388607],
  [/^(integer|int|int4)\b/, -2147483648, 2147483647],
];

/** The range an integer column can store, narrowed to safe JSON integers. */
export function integerRange(column: ColumnInfo): { minimum: number; maximum: number } {
  const type = column.data_type.toLowerCase();
  const unsigned = /unsigned/.test(type);
  for (const [pattern, min, max] of INTEGER_RANGES) {
    if (pattern.test(type)) return unsigned ? { minimum: 0, maximum: max * 2 + 1 } : { minimum: min, maximum: max };
  }
  return { minimum: unsigned ? 0 : Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER };
}

/** Columns init will not map to an argument: the value has no plain JSON form a model can be trusted to write. */
export function unpatchableReason(column: ColumnInfo): string | undefined {
  if (column.generated) return "it is a generated column (the database computes it)";
  if (column.type_class === "json" || column.type_class === "binary" || column.type_class === "other") {
    return `its type (${column.data_type}) has no plain argument form`;
  }
  return undefined;
}

/** Strings that carry a typed value: timestamps, dates, uuids and decimals travel as text. */
const TEXT_CARRIED = new Set(["timestamp", "date", "time", "uuid", "decimal"]);
const TEXT_CARRIED_MAX_LENGTH = 64;
/** A text column without a declared length (Postgres `text`) still gets a limit a reviewer can read. */
const UNBOUNDED_TEXT_MAX_LENGTH = 2000;

export function argForColumn(column: ColumnInfo, description: string, bounds: Bounds | undefined): ArgConfig {
  const base = { required: true, description };
  switch (column.type_class) {
    case "integer":
    case "bigint": {
      const range = integerRange(column);
      return { type: "integer", ...base, minimum: bounds?.minimum ?? range.minimum, maximum: bounds?.maximum ?? range.maximum };
    }
    case "number":
      return { type: "number", ...base, ...(bounds ?? {}) };
    case "boolean":
      return { type: "boolean", ...base };
    default:
      if (TEXT_CARRIED.has(column.type_class)) return { type: "string", ...base, max_length: TEXT_CARRIED_MAX_LENGTH };
      return {
        type: "string",
        ...base,
        max_length: column.max_length ?? UNBOUNDED_TEXT_MAX_LENGTH,
        ...(column.enum_values && column.enum_values.length > 0 ? { enum: [...column.enum_values] } : {}),
      };
  }
}

/**
 * A value given as text (a flag, or a spec written by hand) typed for its column: "3" becomes 3
 * for an integer column, "true" becomes true for a boolean one. Returns a message when it cannot be.
 */
export function typedValue(value: Scalar, column: ColumnInfo, engine: Engine = "postgres"): { ok: true; value: Scalar } | { ok: false; message: string } {
  if (value === null) {
    return column.nullable ? { ok: true, value } : { ok: false, message: `column '${column.name}' is NOT NULL, so it cannot be set to null` };
  }
  const cls = column.type_class;
  if (cls === "integer" || cls === "bigint" || cls === "number" || cls === "decimal") {
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (!Number.isFinite(n)) return { ok: false, message: `'${String(value)}' is not a number, and column '${column.name}' is ${column.data_type}` };
    if ((cls === "integer" || cls === "bigint") && !Number.isSafeInteger(n)) {
      return { ok: false, message: `'${String(value)}' is not a whole number a JSON config can hold exactly, and column '${column.name}' is ${column.data_type}` };
    }
    if (cls === "decimal") {
      const refused = decimalFitRefusal(String(value).trim(), column);
      if (refused !== undefined) return { ok: false, message: refused };
    }
    // A decimal becomes a JSON number too: the contract compares fixed values with numeric_bounds as numbers.
    return { ok: true, value: n };
  }
  if (cls === "boolean") {
    if (typeof value === "boolean") return { ok: true, value };
    if (value === "true" || value === "false") return { ok: true, value: value === "true" };
    return { ok: false, message: `'${String(value)}' is not true or false, and column '${column.name}' is ${column.data_type}` };
  }
  let text = String(value);
  // A fixed value must have the form an argument for the same column must have (the compiler's
  // format and pattern for it, and the runtime's check that the date or time is real).
  const form = textFormatFor(engine, [column]);
  if (form !== undefined && (!new RegExp(form.pattern).test(text) || !isValidText(form.format, text))) {
    return { ok: false, message: `'${text}' is not ${TEXT_FORMATS[form.format].what} (the form column '${column.name}', ${column.data_type}, takes; pattern ${form.pattern})` };
  }
  // A UTC mark on a time without zone is dropped, as it is from an argument: sessions run in UTC,
  // and the config then holds the value as the column stores it.
  if (form !== undefined) text = boundText(form.format, text);
  const labels = column.enum_values;
  if (labels && labels.length > 0 && !labels.includes(text)) {
    return { ok: false, message: `'${text}' is not one of the values column '${column.name}' allows (${labels.join(", ")})` };
  }
  if (column.max_length !== undefined && cls === "string" && text.length > column.max_length) {
    return { ok: false, message: `'${text}' is longer than column '${column.name}' allows (${column.max_length} characters)` };
  }
  return { ok: true, value: text };
}

/** A decimal written as text against the precision and scale its type names (numeric(10,2): 8 digits before the point, 2 after). */
function decimalFitRefusal(text: string, column: ColumnInfo): string | undefined {
  const written = /^[+-]?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!written || (written[1] === "" && (written[2] ?? "") === "")) {
    return `'${text}' is not a plain decimal number such as 12.50, and column '${column.name}' is ${column.data_type}`;
  }
  const declared = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(column.data_type);
  if (!declared) return undefined;
  const precision = Number(declared[1]);
  const scale = declared[2] !== undefined ? Number(declared[2]) : 0;
  const whole = written[1]!.replace(/^0+/, "").length;
  const fraction = (written[2] ?? "").replace(/0+$/, "").length;
  if (whole > precision - scale || fraction > scale) {
    return `'${text}' does not fit column '${column.name}' (${column.data_type}): at most ${precision - scale} digits before the point and ${scale} after`;
  }
  return undefined;
}
