// Compiles each tool's inputSchema into a standalone Ajv validator module, so the
// server validates arguments without shipping a schema compiler.

import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { NUMERIC_TEXT_FORMATS } from "../../runtime/calls/arguments.ts";
import { TEXT_FORMATS } from "../../runtime/calls/text-formats.ts";
import { escapeInvisibleInSource } from "./code-literal.ts";

// Ajv's standalone output `require`s this helper; ESM has no require, so we inline an
// equivalent that counts Unicode code points, as JSON Schema's maxLength does.
const UCS2_REQUIRE = 'require("ajv/dist/runtime/ucs2length").default';
const UCS2_INLINE = "((s) => { let n = 0; for (const _ of s) n++; return n; })";

export function compileValidator(schema: Record<string, unknown>): string {
  // strictTypes off: an integer that may be written as text keeps the author's minimum/maximum beside
  // its two alternatives (compiler/plan/arguments.ts). Formats of numbers written as text are known
  // here but checked by the runtime, which compares the text exactly (runtime/calls/arguments.ts).
  const ajv = argumentsAjv({ source: true, esm: true, lines: true });
  const validate = ajv.compile(schema);
  const code = standaloneCode.default(ajv, validate).split(UCS2_REQUIRE).join(UCS2_INLINE);
  if (code.includes("require(")) {
    throw new Error("BUG: the compiled argument validator still needs require(); extend compileValidator.");
  }
  // Ajv prints the schema (descriptions, enum values) as JSON, which leaves bidi controls and
  // other invisible characters raw; the reviewer of the validator must see them too.
  return escapeInvisibleInSource(code);
}

/** The same validator compileValidator emits, compiled in this process (apply re-checks stored arguments with it). */
export function argumentsValidator(schema: Record<string, unknown>): (data: unknown) => boolean {
  return argumentsAjv({}).compile(schema);
}

function argumentsAjv(code: { source?: boolean; esm?: boolean; lines?: boolean }): Ajv {
  const ajv = new Ajv({ code, strict: true, strictTypes: false, allErrors: false });
  // Formats are checked by the runtime (runtime/calls/arguments.ts, text-formats.ts); the pattern beside each is checked here.
  for (const format of [...Object.keys(NUMERIC_TEXT_FORMATS), ...Object.keys(TEXT_FORMATS)]) ajv.addFormat(format, true);
  return ajv;
}
