// Python source text for the generated Python handler stub: every value from a config or a
// schema becomes a literal here (never raw text in code), with nothing invisible in it — the
// terminal escaper's unsafe class (runtime/text/terminal-safe.ts) is written as \uXXXX or
// \UXXXXXXXX, so a reviewer sees exactly what Python reads.

import { UNSAFE_CLASS } from "../../runtime/text/terminal-safe.ts";

declare const PY_CODE: unique symbol;
/** Python source text that is safe where code goes: a literal, or code this generator wrote. */
export type PyCode = string & { readonly [PY_CODE]: true };

const UNSAFE_ONE = new RegExp(`^${UNSAFE_CLASS}$`, "u");
const PY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeCodePoint(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c === "\\") return "\\\\";
  if (c === '"') return '\\"';
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  if (!UNSAFE_ONE.test(c)) return c;
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** Any string as a double-quoted Python literal with nothing invisible in it (lone surrogates as \uXXXX, as Python reads them). */
export function pyString(text: string): PyCode {
  let out = '"';
  for (const c of text) out += escapeCodePoint(c);
  return `${out}"` as PyCode;
}

/** A JSON-like value (string, finite number, boolean, null, array, plain object) as a Python literal. */
export function pyLiteral(value: unknown): PyCode {
  if (value === null) return "None" as PyCode;
  if (typeof value === "boolean") return (value ? "True" : "False") as PyCode;
  if (typeof value === "string") return pyString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("BUG: a non-finite number has no Python literal here.");
    return JSON.stringify(value) as PyCode;
  }
  if (Array.isArray(value)) return `[${value.map(pyLiteral).join(", ")}]` as PyCode;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(", ")}}` as PyCode;
  }
  throw new Error(`BUG: ${typeof value} has no Python literal.`);
}

/** An identifier the generator derived (letters, digits and `_` only); anything else is a generator bug. */
export function pyIdentifier(name: string): PyCode {
  if (!PY_IDENTIFIER.test(name)) throw new Error(`BUG: ${JSON.stringify(name)} is not a Python identifier.`);
  return name as PyCode;
}
