// Tool arguments: the JSON Schema the model sees (and the validator is compiled from),
// with limits filled in where the author left them open, and fitted to the columns they feed.

import type { ResolvedCapability } from "../resolve/resolved.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";
import { MAX_EXACT_JSON_INTEGER, type NumericTextFormat } from "../../runtime/calls/arguments.ts";
import type { ArgPlan } from "./capability-plan.ts";
import { textFormatFor } from "./text-format.ts";

/** Strings are bounded even when the author gives no max_length: an unbounded argument is a denial-of-service lever. */
export const DEFAULT_STRING_MAX_LENGTH = 1024;

export function planArgs(cap: ResolvedCapability): ArgPlan[] {
  const c = cap.config;
  const fed = columnsFedByArgs(cap);
  return Object.entries(c.args ?? {}).map(([name, arg]) => {
    const plan: ArgPlan = { name, type: arg.type, required: arg.required ?? false };
    if (arg.description) plan.description = arg.description;
    const columns = fed.get(name) ?? [];
    if (arg.type === "string") {
      const columnMax = columns.find((col) => col.max_length !== undefined)?.max_length;
      plan.maxLength = arg.max_length ?? Math.min(columnMax ?? DEFAULT_STRING_MAX_LENGTH, DEFAULT_STRING_MAX_LENGTH);
    }
    if (arg.minimum !== undefined) plan.minimum = arg.minimum;
    if (arg.maximum !== undefined) plan.maximum = arg.maximum;
    if (arg.enum) plan.enum = arg.enum;
    const exact = exactNumberFor(plan, columns);
    if (exact) plan.exactNumber = exact;
    const text = arg.type === "string" && !arg.enum ? textFormatFor(cap.engine, columns) : undefined;
    if (text) plan.textFormat = text;
    return plan;
  });
}

/**
 * How an argument that feeds a bigint or decimal column is written so that it reaches the
 * database exactly. JSON numbers past 2^53 lose digits (2^53+1 arrives as 2^53, the next row),
 * and a loosely written string ("1abc", " 1", "1e0") is read by MySQL as 1; so integers are JSON
 * numbers only within ±(2^53−1), and text, where accepted, is the canonical form only.
 */
function exactNumberFor(arg: ArgPlan, columns: ColumnInfo[]): ArgPlan["exactNumber"] {
  const wide = columns.find((col) => col.type_class === "bigint" || col.type_class === "decimal");
  if (!wide || arg.enum) return undefined;
  if (arg.type === "integer") {
    // Bounds the author set within the exact range need no text form: every such value is a JSON integer.
    const bounded = arg.minimum !== undefined && arg.maximum !== undefined && Math.abs(arg.minimum) <= MAX_EXACT_JSON_INTEGER && Math.abs(arg.maximum) <= MAX_EXACT_JSON_INTEGER;
    const text = wide.type_class === "bigint" && !bounded ? integerText(wide) : undefined;
    return text ? { jsonIntegerLimit: MAX_EXACT_JSON_INTEGER, ...text } : { jsonIntegerLimit: MAX_EXACT_JSON_INTEGER };
  }
  if (arg.type === "string") return wide.type_class === "bigint" ? integerText(wide) : decimalText(wide);
  return undefined;
}

function integerText(column: ColumnInfo): { format: NumericTextFormat; pattern: string } {
  return /\bunsigned\b/i.test(column.data_type)
    ? { format: "uint64", pattern: "^(0|[1-9][0-9]{0,19})$" }
    : { format: "int64", pattern: "^(0|-?[1-9][0-9]{0,18})$" };
}

/** Canonical decimal text, no more digits either side of the point than numeric(p,s) holds (the database would round). */
function decimalText(column: ColumnInfo): { format: NumericTextFormat; pattern: string } {
  // MySQL's DECIMAL ... UNSIGNED refuses negatives; the argument must not promise them.
  const sign = /\bunsigned\b/i.test(column.data_type) ? "" : "-?";
  const m = /\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(column.data_type);
  if (!m) return { format: "decimal", pattern: `^${sign}(0|[1-9][0-9]*)(\\.[0-9]+)?$` };
  const precision = Number(m[1]);
  const scale = Number(m[2] ?? 0);
  const whole = precision - scale;
  const integerPart = whole > 0 ? `(0|[1-9][0-9]{0,${whole - 1}})` : "0";
  const fraction = scale > 0 ? `(\\.[0-9]{1,${scale}})?` : "";
  return { format: "decimal", pattern: `^${sign}${integerPart}${fraction}$` };
}

function columnsFedByArgs(cap: ResolvedCapability): Map<string, ColumnInfo[]> {
  const c = cap.config;
  const fed = new Map<string, ColumnInfo[]>();
  const note = (arg: string, column: string) => {
    const info = cap.columns.get(column);
    if (info) fed.set(arg, [...(fed.get(arg) ?? []), info]);
  };
  if (c.lookup.id_from_arg) note(c.lookup.id_from_arg, c.target.primary_key);
  for (const f of c.lookup.filters ?? []) if ("from_arg" in f) note(f.from_arg, f.column);
  if (c.kind === "proposal") for (const [column, v] of Object.entries(c.patch)) if ("from_arg" in v) note(v.from_arg, column);
  return fed;
}

export function inputSchemaFor(args: ArgPlan[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const a of args) properties[a.name] = argSchema(a);
  const required = args.filter((a) => a.required).map((a) => a.name);
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

function argSchema(a: ArgPlan): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  const exact = a.exactNumber;
  // An integer that may also be written as text: the author's bounds sit beside the two forms and
  // hold for both (the runtime compares the text exactly, runtime/calls/arguments.ts).
  if (a.type === "integer" && exact?.format) {
    if (a.description) p.description = a.description;
    if (a.minimum !== undefined) p.minimum = a.minimum;
    if (a.maximum !== undefined) p.maximum = a.maximum;
    // Each side of the JSON range is stated only where the author's bound does not already hold it.
    const limit = exact.jsonIntegerLimit!;
    const asNumber: Record<string, unknown> = { type: "integer" };
    if (a.minimum === undefined || a.minimum < -limit) asNumber.minimum = -limit;
    if (a.maximum === undefined || a.maximum > limit) asNumber.maximum = limit;
    // No minus sign to write when the author allows no negative value.
    const pattern = a.minimum !== undefined && a.minimum >= 0 ? exact.pattern!.replace("-?", "") : exact.pattern;
    p.anyOf = [asNumber, { type: "string", pattern, format: exact.format }];
    return p;
  }
  p.type = a.type;
  if (a.description) p.description = a.description;
  if (a.maxLength !== undefined && !enumWithin(a.enum, a.maxLength)) p.maxLength = a.maxLength;
  const limit = exact?.jsonIntegerLimit;
  const minimum = limit === undefined ? a.minimum : Math.max(a.minimum ?? -limit, -limit);
  const maximum = limit === undefined ? a.maximum : Math.min(a.maximum ?? limit, limit);
  if (minimum !== undefined) p.minimum = minimum;
  if (maximum !== undefined) p.maximum = maximum;
  if (exact?.pattern) p.pattern = exact.pattern;
  if (exact?.format) p.format = exact.format;
  if (a.textFormat) {
    p.format = a.textFormat.format;
    p.pattern = a.textFormat.pattern;
  }
  if (a.enum) p.enum = a.enum;
  return p;
}

/**
 * Whether an enum admits only values within the length bound, so that the inputSchema need not
 * state the bound too (tools/list repeats it on every connection). The plan keeps the bound.
 */
function enumWithin(values: ArgPlan["enum"], maxLength: number): boolean {
  // maxLength counts code points, as the spread does.
  return values !== undefined && values.every((v) => typeof v === "string" && [...v].length <= maxLength);
}
