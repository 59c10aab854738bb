// Exact decimal numbers as text. Bigint and numeric columns hold values a JavaScript number
// cannot carry (past 2^53, or 0.1 exactly), so bounds and comparisons on them are done on the
// digits, never through floating point. Only the canonical form is a number here: optional "-",
// no leading zeros, at least one digit either side of an optional ".", no spaces, "+", exponent
// or hex; anything else (including "", "0x10", "1e2", "Infinity") is not a number.

const CANONICAL_DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const CANONICAL_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

export function isCanonicalDecimal(text: string): boolean {
  return CANONICAL_DECIMAL.test(text);
}

export function isCanonicalInteger(text: string): boolean {
  return CANONICAL_INTEGER.test(text);
}

/**
 * The exact decimal text of a finite number, as JavaScript prints it but never in exponent form
 * (1e21 → "1000000000000000000000", 1e-7 → "0.0000001"); undefined for NaN and infinities.
 */
export function decimalOfNumber(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Object.is(value, -0)) return "0";
  const text = String(value);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, lead, rest = "", exp] = m;
  const digits = lead! + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A scalar as an exact decimal: numbers exactly as printed, strings only in canonical form. */
export function exactDecimal(value: unknown): string | undefined {
  if (typeof value === "number") return decimalOfNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && isCanonicalDecimal(value)) return value;
  return undefined;
}

/** Compares two canonical decimals exactly: negative, zero or positive as a <, =, > b. */
export function compareDecimal(a: string, b: string): number {
  const [ai, af] = scaled(a);
  const [bi, bf] = scaled(b);
  const places = Math.max(af.length, bf.length);
  const x = BigInt(ai + af.padEnd(places, "0"));
  const y = BigInt(bi + bf.padEnd(places, "0"));
  return x < y ? -1 : x > y ? 1 : 0;
}

function scaled(text: string): [string, string] {
  const dot = text.indexOf(".");
  return dot < 0 ? [text, ""] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** Two values are the same number (12.5, "12.50" and "12.500" are); false when either is not a number. */
export function sameNumber(a: unknown, b: unknown): boolean {
  const x = exactDecimal(a);
  const y = exactDecimal(b);
  return x !== undefined && y !== undefined && compareDecimal(x, y) === 0;
}
