// A committed schema snapshot is untrusted input: anyone who can edit the repository can edit
// it, and its names and type texts reach generated code (encoded) and the build's messages.
// A snapshot must match schemas/schema-snapshot.v1.schema.json, and what JSON Schema cannot say
// is checked here: names are well-formed text without NUL, tables and columns are unique, and
// keys name columns of their table. A refusal names the field and says to re-run inspect.

import type { ErrorObject, ValidateFunction } from "ajv";
// SNAPSHOT_SCHEMA_FILE, compiled ahead of time by `npm run schemas:compile`.
import snapshotSchemaValidator from "./snapshot-schema.validator.ts";
import type { Diagnostic } from "../diagnostics.ts";
import { pointer } from "../diagnostics.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import type { SchemaSnapshot } from "./snapshot.ts";

export const SNAPSHOT_SCHEMA_FILE = "schemas/schema-snapshot.v1.schema.json";
const MAX_REPORTED = 20;

export type SnapshotCheck = { ok: true; snapshot: SchemaSnapshot } | { ok: false; diagnostic: Diagnostic };

/** Checks a parsed snapshot; `label` names the file in messages. One diagnostic lists every problem found (up to a bound). */
export function validateSnapshot(raw: unknown, label: string): SnapshotCheck {
  const validate = snapshotSchemaValidator as ValidateFunction;
  const problems = validate(raw) ? semanticProblems(raw as SchemaSnapshot) : (validate.errors ?? []).map(schemaProblem);
  if (problems.length === 0) return { ok: true, snapshot: raw as SchemaSnapshot };
  const shown = problems.slice(0, MAX_REPORTED).map((p) => `\n      at ${terminalSafe(p.at || "/")}: ${p.problem}`);
  const more = problems.length > MAX_REPORTED ? `\n      (and ${problems.length - MAX_REPORTED} more)` : "";
  return {
    ok: false,
    diagnostic: {
      code: "BAD_SCHEMA_SNAPSHOT",
      pointer: "",
      message: `Schema snapshot ${terminalSafe(label)} is not a valid synapsor schema snapshot (${SNAPSHOT_SCHEMA_FILE}):${shown.join("")}${more}`,
      fix: "The snapshot was edited or is damaged: regenerate it with `synapsor-runner inspect --from-env VAR --json --output synapsor.schema.json` and review the diff before committing.",
    },
  };
}

interface Problem {
  at: string;
  problem: string;
}

function schemaProblem(e: ErrorObject): Problem {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { at: e.instancePath, problem: `missing required field '${terminalSafe(String(params.missingProperty))}'.` };
    case "additionalProperties":
      return { at: e.instancePath, problem: `unknown field '${terminalSafe(String(params.additionalProperty))}'.` };
    case "enum":
      return { at: e.instancePath, problem: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}.` };
    case "const":
      return { at: e.instancePath, problem: `must be ${JSON.stringify(params.allowedValue)}.` };
    default:
      // Ajv's own wording for type, length and range ("must be string", "must NOT have more than 256 characters").
      return { at: e.instancePath, problem: `${e.message ?? "is invalid"}.` };
  }
}

/** Text a catalog can return: well-formed (no lone surrogate) and without NUL, which no engine allows in a name. */
function wellFormedName(text: string): boolean {
  return wellFormed(text) && !text.includes("\u0000");
}

/** No lone surrogate (String.prototype.isWellFormed, which the configured TypeScript lib does not declare yet). */
function wellFormed(text: string): boolean {
  return !/[\ud800-\udfff]/u.test(text);
}

function semanticProblems(s: SchemaSnapshot): Problem[] {
  const out: Problem[] = [];
  const name = (text: string, at: string) => {
    if (!wellFormedName(text)) out.push({ at, problem: "holds a NUL character or a lone UTF-16 surrogate, which no database name can." });
  };
  name(s.database, pointer("database"));
  const tables = new Set<string>();
  s.tables.forEach((t, ti) => {
    const at = (...rest: Array<string | number>) => pointer("tables", ti, ...rest);
    name(t.schema, at("schema"));
    name(t.name, at("name"));
    const key = JSON.stringify([t.schema, t.name]);
    if (tables.has(key)) out.push({ at: at("name"), problem: "this table is listed twice." });
    tables.add(key);
    const columns = new Set<string>();
    t.columns.forEach((c, ci) => {
      name(c.name, at("columns", ci, "name"));
      if (!wellFormed(c.data_type)) out.push({ at: at("columns", ci, "data_type"), problem: "holds a lone UTF-16 surrogate." });
      if (columns.has(c.name)) out.push({ at: at("columns", ci, "name"), problem: "this column is listed twice in its table." });
      columns.add(c.name);
    });
    t.primary_key.forEach((k, ki) => {
      if (!columns.has(k)) out.push({ at: at("primary_key", ki), problem: "names no column of this table." });
    });
    t.foreign_keys.forEach((fk, fi) =>
      fk.columns.forEach((k, ki) => {
        if (!columns.has(k)) out.push({ at: at("foreign_keys", fi, "columns", ki), problem: "names no column of this table." });
      }),
    );
  });
  return out;
}
