// Turns Ajv's schema errors into diagnostics a person can act on: one clear message per
// problem, located by JSON pointer, with the typo suggestion where one is close.

import type { ErrorObject } from "ajv";
import type { Diagnostic } from "../diagnostics.ts";
import { didYouMean, quoteList } from "./suggest.ts";

export const SCHEMA_CODES = [
  "UNKNOWN_PROPERTY",
  "MISSING_PROPERTY",
  "WRONG_TYPE",
  "INVALID_VALUE",
  "INVALID_ENV_NAME",
  "OUT_OF_RANGE",
  "EMPTY_VALUE",
  "DUPLICATE_ITEM",
  "EXCLUSIVE_PROPERTIES",
  "SCHEMA_VIOLATION",
] as const;

/** Properties that exist only on proposal capabilities; helps explain an "unknown property" on a read. */
const PROPOSAL_ONLY = new Set([
  "patch",
  "allowed_columns",
  "numeric_bounds",
  "transition_guards",
  "conflict_guard",
  "approval",
  "executor",
]);

type SchemaNode = {
  properties?: Record<string, { title?: string; description?: string }>;
  required?: string[];
  pattern?: string;
  maxProperties?: number;
  title?: string;
};

export const ENV_NAME_PATTERN = "^[A-Z_][A-Z0-9_]*$";

export function schemaErrorsToDiagnostics(errors: readonly ErrorObject[]): Diagnostic[] {
  // A wrong type makes every other complaint about the same value noise.
  const wrongType = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== "type" && wrongType.has(error.instancePath)) continue;
    const diagnostic = toDiagnostic(error);
    if (!diagnostic) continue;
    const key = `${diagnostic.code} ${diagnostic.pointer} ${diagnostic.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diagnostic);
  }
  return out;
}

function toDiagnostic(error: ErrorObject): Diagnostic | undefined {
  const at = error.instancePath;
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const field = describeField(at);
  switch (error.keyword) {
    case "additionalProperties": {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const isReadWithProposalField =
        PROPOSAL_ONLY.has(name) && (error.data as { kind?: unknown } | undefined)?.kind === "read";
      return {
        code: "UNKNOWN_PROPERTY",
        pointer: at + escape(name),
        message: `Unknown property '${name}' in ${field}.${didYouMean(name, allowed)}`,
        fix: isReadWithProposalField
          ? `'${name}' belongs to proposal capabilities: set "kind": "proposal" or remove '${name}'.`
          : `Remove '${name}' or rename it. Allowed here: ${quoteList(allowed)}.`,
      };
    }
    case "required": {
      const name = String(params.missingProperty);
      const help = parent.properties?.[name]?.description;
      return {
        code: "MISSING_PROPERTY",
        pointer: at,
        message: `${capitalize(field)} is missing the required property '${name}'.`,
        fix: `Add "${name}"${help ? ` (${help})` : ""}.`,
      };
    }
    case "type": {
      const expected = String(params.type).split(",").join(" or ");
      return {
        code: "WRONG_TYPE",
        pointer: at,
        message: `${capitalize(field)} must be ${article(expected)} ${expected}, not ${jsonType(error.data)}.`,
        fix: `Change it to ${article(expected)} ${expected}.`,
      };
    }
    case "const": {
      const allowed = JSON.stringify(params.allowedValue);
      return {
        code: "INVALID_VALUE",
        pointer: at,
        message: `${capitalize(field)} must be ${allowed}, not ${short(error.data)}.`,
        fix: `Set it to ${allowed}.`,
      };
    }
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const hint = typeof error.data === "string" ? didYouMean(error.data, allowed) : "";
      return {
        code: "INVALID_VALUE",
        pointer: at,
        message: `${capitalize(field)} is ${short(error.data)}, which is not allowed.${hint}`,
        fix: `Use one of ${quoteList(allowed)}.`,
      };
    }
    case "pattern":
      if (parent.pattern === ENV_NAME_PATTERN) {
        // Never echo the value: a pasted connection URL or token would land in logs and CI output.
        const looksLikeSecret = typeof error.data === "string" && /[:/@]/.test(error.data);
        return {
          code: "INVALID_ENV_NAME",
          pointer: at,
          message: looksLikeSecret
            ? `${capitalize(field)} looks like a value (a URL or secret), not the name of an environment variable.`
            : `${capitalize(field)} is not a valid environment variable name.`,
          fix: looksLikeSecret
            ? "Put the value in an environment variable and write only its name here (e.g. DATABASE_URL); rotate the secret if this file was shared."
            : "Use capital letters, digits and underscores, not starting with a digit (e.g. SUPPORT_DB_READ_URL).",
        };
      }
      return {
        code: "INVALID_VALUE",
        pointer: at,
        message: `${capitalize(field)} does not have the expected format (${String(params.pattern)}).`,
        fix: "Change the value to match the format.",
      };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum": {
      const comparison = String(params.comparison);
      const word = comparison.startsWith(">") ? "at least" : "at most";
      const limit = comparison.length === 1 ? `${comparison === ">" ? "more than" : "less than"}` : word;
      return {
        code: "OUT_OF_RANGE",
        pointer: at,
        message: `${capitalize(field)} is ${short(error.data)}; it must be ${limit} ${String(params.limit)}.`,
        fix: `Use a value ${limit} ${String(params.limit)}.`,
      };
    }
    case "minLength":
      return {
        code: "EMPTY_VALUE",
        pointer: at,
        message: `${capitalize(field)} is an empty string.`,
        fix: "Fill in a value or remove the property.",
      };
    case "minItems":
      return {
        code: "EMPTY_VALUE",
        pointer: at,
        message: `${capitalize(field)} must list at least ${String(params.limit)} item${params.limit === 1 ? "" : "s"}.`,
        fix: "Add the missing entries.",
      };
    case "uniqueItems":
      return {
        code: "DUPLICATE_ITEM",
        pointer: `${at}/${String(params.i)}`,
        message: `${capitalize(field)} lists ${short((error.data as unknown[])[Number(params.i)])} twice (items ${String(params.j)} and ${String(params.i)}).`,
        fix: "Remove the repeated entry.",
      };
    case "minProperties":
    case "maxProperties":
      return propertyCountDiagnostic(at, field, parent, Number(params.limit), error.keyword);
    case "discriminator": {
      const tag = String(params.tag);
      if (params.error === "mapping") {
        const options = tag === "kind" ? ["read", "proposal"] : ["sql_update", "http_handler", "command_handler"];
        const value = String(params.tagValue);
        return {
          code: "INVALID_VALUE",
          pointer: at + escape(tag),
          message: `${capitalize(field)} has ${tag} ${short(params.tagValue)}, which is not allowed.${didYouMean(value, options)}`,
          fix: `Set "${tag}" to one of ${quoteList(options)}.`,
        };
      }
      const present = error.data !== null && typeof error.data === "object" && tag in error.data;
      return {
        code: present ? "WRONG_TYPE" : "MISSING_PROPERTY",
        pointer: present ? at + escape(tag) : at,
        message: present
          ? `${capitalize(field)} has a non-string "${tag}".`
          : `${capitalize(field)} is missing the required property '${tag}'.`,
        fix: tag === "kind" ? 'Add "kind": "read" or "kind": "proposal".' : 'Add "type": "sql_update", "http_handler" or "command_handler".',
      };
    }
    default:
      return {
        code: "SCHEMA_VIOLATION",
        pointer: at,
        message: `${capitalize(field)} ${error.message ?? "does not match the schema"}.`,
        fix: "Compare this value with schemas/synapsor.runner.schema.json.",
      };
  }
}

/** min/maxProperties mean different things: "exactly one of" objects, "at least one bound", non-empty maps. */
function propertyCountDiagnostic(
  at: string,
  field: string,
  parent: SchemaNode,
  limit: number,
  keyword: "minProperties" | "maxProperties",
): Diagnostic {
  const required = new Set(parent.required ?? []);
  const choices = Object.keys(parent.properties ?? {}).filter((p) => !required.has(p));
  if (parent.maxProperties !== undefined && choices.length > 0) {
    // Objects like {fixed} | {from_arg} are encoded as "required props + exactly one more".
    return {
      code: "EXCLUSIVE_PROPERTIES",
      pointer: at,
      message: `${capitalize(field)} ${keyword === "maxProperties" ? "sets more than one of" : "sets none of"} ${quoteList(choices)}.`,
      fix: `Set exactly one of ${quoteList(choices)}.`,
    };
  }
  if (choices.length > 0) {
    return {
      code: "EMPTY_VALUE",
      pointer: at,
      message: `${capitalize(field)} is empty.`,
      fix: `Set at least one of ${quoteList(choices)}.`,
    };
  }
  return {
    code: "EMPTY_VALUE",
    pointer: at,
    message: `${capitalize(field)} must have at least ${limit} entr${limit === 1 ? "y" : "ies"}.`,
    fix: "Add an entry or remove the property.",
  };
}

/** "capabilities/1/lookup" → "'lookup' (capabilities/1/lookup)" for messages. */
function describeField(at: string): string {
  if (at === "") return "the contract";
  const segments = at.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const last = segments[segments.length - 1]!;
  return /^\d+$/.test(last) ? `item ${last} of '${segments[segments.length - 2] ?? ""}'` : `'${last}'`;
}

function escape(name: string): string {
  return "/" + name.replace(/~/g, "~0").replace(/\//g, "~1");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "number") return Number.isInteger(value) ? `the number ${value}` : `the number ${value}`;
  return `${article(typeof value)} ${typeof value}`;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 57) + "..." : text;
}
