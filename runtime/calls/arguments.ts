// Argument checks before any database call: the compiled schema validator, then what a JSON
// Schema validator cannot say: the exact range of a number written as text (a bigint key past
// 2^53), and characters this server refuses in any string (see docs/envelope.md). Messages name
// the argument and say what is accepted; a value is never echoed, an unknown name only bounded.

import type { ArgsValidator, JsonSchema } from "../capability.ts";
import { compareDecimal, decimalOfNumber } from "../decimal.ts";
import { fail, type Outcome } from "../errors.ts";
import { echoed } from "../text/echo.ts";
import { boundText, isMysqlTimestampPattern, isTextFormat, isValidText, withinMysqlTimestamp, textFormatMessage, type TextFormat } from "./text-formats.ts";

/** The largest integer a JSON number carries exactly; beyond it an argument must be written as text. */
export const MAX_EXACT_JSON_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * The `format` the compiler puts on a string that carries a number (compiler/plan/arguments.ts):
 * the column it feeds decides the range. The pattern beside it fixes the written form.
 */
export const NUMERIC_TEXT_FORMATS = {
  int64: { minimum: "-9223372036854775808", maximum: "9223372036854775807", what: "a whole number" },
  uint64: { minimum: "0", maximum: "18446744073709551615", what: "a whole number" },
  decimal: { minimum: undefined, maximum: undefined, what: "a decimal number" },
} as const;
export type NumericTextFormat = keyof typeof NUMERIC_TEXT_FORMATS;

export function checkArguments(
  validate: ArgsValidator,
  inputSchema: JsonSchema,
  raw: unknown,
): Outcome<Record<string, unknown>> {
  const args = raw === undefined || raw === null ? {} : raw;
  if (!validate(args)) return fail("INVALID_ARGUMENT", explain(validate, inputSchema));
  const { numeric: rules, text } = rulesFor(inputSchema);
  let bound: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(args as Record<string, unknown>)) {
    if (typeof value !== "string") continue;
    const refused = refusedCharacter(value);
    if (refused) {
      return fail("INVALID_ARGUMENT", `Argument '${name}' contains ${refused}; no argument may contain one. Remove it (tab, line feed and carriage return are allowed).`);
    }
    const numeric = rules.get(name);
    if (numeric && !withinRange(value, numeric)) return fail("INVALID_ARGUMENT", numeric.message);
    const textRule = text.get(name);
    if (textRule && !isValidText(textRule.format, value)) return fail("INVALID_ARGUMENT", textRule.message);
    const written = textRule ? boundText(textRule.format, value) : value;
    if (textRule?.mysqlTimestamp && textRule.format === "local-date-time" && !withinMysqlTimestamp(written)) return fail("INVALID_ARGUMENT", textRule.message);
    if (written !== value) (bound ??= { ...(args as Record<string, unknown>) })[name] = written;
  }
  return { ok: true, value: bound ?? (args as Record<string, unknown>) };
}

// ---- characters ------------------------------------------------------------------------------

// NUL (no column stores it), the other C0 controls but tab, line feed and carriage return, DEL,
// the C1 controls, and the bidi embeddings, overrides and isolates: none belongs in a value a
// person will review, and each can rewrite what a reviewer's screen shows. Also half of a UTF-16
// surrogate pair, which is not a character (databases reject or mangle it): with the `u` flag a
// well-formed pair is one code point above U+FFFF, so only a lone half matches. One scan finds either.
const REFUSED_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;

function refusedCharacter(value: string): string | undefined {
  const m = REFUSED_CHARACTER.exec(value);
  if (!m) return undefined;
  const c = m[0];
  if (c >= "\ud800" && c <= "\udfff") return "a lone UTF-16 surrogate (half of a character)";
  const code = `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  const what = c === "\u0000" ? "a NUL character, which the database cannot store" : c >= "\u202a" ? "a bidi control character" : "a control character";
  return `${what} (${code} at position ${m.index})`;
}

// ---- numbers written as text -----------------------------------------------------------------

interface NumericRule {
  minimum?: string;
  maximum?: string;
  /** What is accepted, in words: the whole message for a value outside it. */
  message: string;
}

/** A string that feeds a date, time, timestamp or uuid column (runtime/calls/text-formats.ts). */
interface TextRule {
  format: TextFormat;
  /** It feeds a MySQL TIMESTAMP: the instant must lie within the column's range, not only its years. */
  mysqlTimestamp: boolean;
  message: string;
}

interface ArgumentRules {
  numeric: ReadonlyMap<string, NumericRule>;
  text: ReadonlyMap<string, TextRule>;
}

// Built once per tool (its inputSchema object lives as long as the server): a call only looks names up.
const rulesOf = new WeakMap<JsonSchema, ArgumentRules>();

function rulesFor(inputSchema: JsonSchema): ArgumentRules {
  let rules = rulesOf.get(inputSchema);
  if (!rules) {
    const numeric = new Map<string, NumericRule>();
    const text = new Map<string, TextRule>();
    for (const [name, schema] of Object.entries(propertiesOf(inputSchema))) {
      const rule = numericRule(name, schema);
      if (rule) numeric.set(name, rule);
      if (schema.type === "string" && isTextFormat(schema.format)) {
        text.set(name, { format: schema.format, mysqlTimestamp: isMysqlTimestampPattern(schema.pattern), message: textFormatMessage(name, schema.format, schema.pattern) });
      }
    }
    rules = { numeric, text };
    rulesOf.set(inputSchema, rules);
  }
  return rules;
}

function propertiesOf(inputSchema: JsonSchema): Record<string, JsonSchema> {
  return (inputSchema.properties as Record<string, JsonSchema> | undefined) ?? {};
}

/** The branches of an argument's schema: itself, or each of its anyOf alternatives. */
function branches(schema: JsonSchema): JsonSchema[] {
  return Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]) : [schema];
}

function numericTextFormat(schema: JsonSchema): NumericTextFormat | undefined {
  for (const b of branches(schema)) {
    if (b.type === "string" && typeof b.format === "string" && b.format in NUMERIC_TEXT_FORMATS) return b.format as NumericTextFormat;
  }
  return undefined;
}

/** Arguments whose values are numbers, as JSON numbers or as numeric text. */
export function numericArgNames(inputSchema: JsonSchema | undefined): string[] {
  if (!inputSchema) return [];
  return Object.entries(propertiesOf(inputSchema))
    .filter(([, s]) => numericTextFormat(s) !== undefined || branches(s).some((b) => b.type === "integer" || b.type === "number"))
    .map(([name]) => name);
}

function numericRule(name: string, schema: JsonSchema): NumericRule | undefined {
  const format = numericTextFormat(schema);
  if (!format) return undefined;
  const column = NUMERIC_TEXT_FORMATS[format];
  // The argument's own bounds (minimum/maximum beside the alternatives) hold for the text form too.
  const tighter = (own: unknown, columns: string | undefined, pick: (c: number) => boolean) => {
    const mine = typeof own === "number" ? decimalOfNumber(own) : undefined;
    if (mine === undefined) return columns;
    return columns === undefined || pick(compareDecimal(mine, columns)) ? mine : columns;
  };
  const minimum = tighter(schema.minimum, column.minimum, (c) => c > 0);
  const maximum = tighter(schema.maximum, column.maximum, (c) => c < 0);
  return { minimum, maximum, message: acceptedMessage(name, schema, format, minimum, maximum) };
}

function withinRange(value: string, rule: NumericRule): boolean {
  // The schema's pattern already fixed the canonical form; only the range is left to check.
  if (rule.minimum !== undefined && compareDecimal(value, rule.minimum) < 0) return false;
  if (rule.maximum !== undefined && compareDecimal(value, rule.maximum) > 0) return false;
  return true;
}

/** How a number is written as text; a minus sign is mentioned only when negative values are allowed. */
function plainForm(minimum: string | undefined): string {
  const signed = minimum === undefined || compareDecimal(minimum, "0") < 0;
  return signed ? "digits with an optional leading '-', and no spaces, '+', exponent, leading zeros or hex" : "digits with no sign, spaces, exponent, leading zeros or hex";
}

function acceptedMessage(name: string, schema: JsonSchema, format: NumericTextFormat, minimum?: string, maximum?: string): string {
  const what = NUMERIC_TEXT_FORMATS[format].what;
  const range = minimum !== undefined && maximum !== undefined ? ` from ${minimum} to ${maximum}` : minimum !== undefined ? ` of at least ${minimum}` : maximum !== undefined ? ` of at most ${maximum}` : "";
  const plain = plainForm(minimum);
  const written = format === "decimal" ? `${plain}, with at most one '.' followed by digits (e.g. "12.50")` : `${plain} (e.g. "9007199254740993")`;
  const asNumber = branches(schema).find((b) => b.type === "integer" || b.type === "number");
  if (!asNumber) return `Argument '${name}' must be ${what}${range} written as a string of ${written}; the column it is compared with takes exactly that.`;
  // The JSON number's range: the exact range, narrowed by the effective bounds and its own.
  const narrower = (bound: string, other: unknown, pick: (c: number) => boolean) => {
    const text = typeof other === "number" ? decimalOfNumber(other) : typeof other === "string" ? other : undefined;
    return text !== undefined && pick(compareDecimal(text, bound)) ? text : bound;
  };
  const low = [minimum, asNumber.minimum].reduce<string>((b, o) => narrower(b, o, (c) => c > 0), String(-MAX_EXACT_JSON_INTEGER));
  const high = [maximum, asNumber.maximum].reduce<string>((b, o) => narrower(b, o, (c) => c < 0), String(MAX_EXACT_JSON_INTEGER));
  return `Argument '${name}' must be ${what}${range}: a JSON integer from ${low} to ${high} (larger ones lose digits in JSON), or a string of ${written}.`;
}

// ---- messages --------------------------------------------------------------------------------

function explain(validate: ArgsValidator, inputSchema: JsonSchema): string {
  const e = validate.errors?.[0];
  if (!e) return "The arguments do not match this tool's input schema.";
  const name = e.instancePath.split("/").filter(Boolean).join(".") || "arguments";
  const p = e.params;
  const rules = name !== "arguments" ? rulesFor(inputSchema) : undefined;
  const numeric = rules?.numeric.get(name);
  // A number written as text has one message whichever alternative failed first: what is accepted.
  if (numeric) return numeric.message;
  // A date, time or uuid whose written form is wrong: say which form is accepted.
  const text = rules?.text.get(name);
  if (text && (e.keyword === "pattern" || e.keyword === "format")) return text.message;
  switch (e.keyword) {
    case "required":
      return `Missing required argument '${String(p.missingProperty)}'.`;
    case "additionalProperties": {
      const known = Object.keys(propertiesOf(inputSchema));
      return `Unknown argument '${echoed(String(p.additionalProperty))}'; this tool accepts only: ${known.join(", ") || "no arguments"}.`;
    }
    case "type":
      return name === "arguments" ? "Arguments must be a JSON object." : `Argument '${name}' must be of type ${String(p.type)}.`;
    case "maxLength":
      return `Argument '${name}' is too long (at most ${String(p.limit)} characters).`;
    case "minLength":
      return `Argument '${name}' is too short (at least ${String(p.limit)} characters).`;
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return `Argument '${name}' must be ${String(p.comparison)} ${String(p.limit)}.`;
    case "enum":
      return `Argument '${name}' must be one of: ${((p.allowedValues as unknown[]) ?? []).map((v) => JSON.stringify(v)).join(", ")}.`;
    default:
      return `Argument '${name}' is not valid (${e.keyword}).`;
  }
}
