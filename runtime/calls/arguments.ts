// Argument checks before any database call: the compiled schema validator, then the
// characters no database column can store. Messages name the argument, never echo its value.

import type { ArgsValidator, JsonSchema } from "../capability.ts";
import { fail, type Outcome } from "../errors.ts";

export function checkArguments(
  validate: ArgsValidator,
  inputSchema: JsonSchema,
  raw: unknown,
): Outcome<Record<string, unknown>> {
  const args = raw === undefined || raw === null ? {} : raw;
  if (!validate(args)) return fail("INVALID_ARGUMENT", explain(validate, inputSchema));
  for (const [name, value] of Object.entries(args as Record<string, unknown>)) {
    if (typeof value === "string" && value.includes("\u0000")) {
      return fail("INVALID_ARGUMENT", `Argument '${name}' contains a NUL character, which the database cannot store.`);
    }
  }
  return { ok: true, value: args as Record<string, unknown> };
}

function explain(validate: ArgsValidator, inputSchema: JsonSchema): string {
  const e = validate.errors?.[0];
  if (!e) return "The arguments do not match this tool's input schema.";
  const name = e.instancePath.split("/").filter(Boolean).join(".") || "arguments";
  const p = e.params;
  switch (e.keyword) {
    case "required":
      return `Missing required argument '${String(p.missingProperty)}'.`;
    case "additionalProperties": {
      const known = Object.keys((inputSchema.properties as Record<string, unknown> | undefined) ?? {});
      return `Unknown argument '${String(p.additionalProperty)}'; this tool accepts only: ${known.join(", ") || "no arguments"}.`;
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
