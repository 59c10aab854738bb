// What the wizard proposes before the person changes anything. Pure functions of the inspected
// table, so the suggestions are the same on every run and easy to check without a terminal.

import type { ColumnInfo, TableInfo, TypeClass } from "../../../compiler/inspect/snapshot.ts";
import type { Scalar } from "../../../compiler/config/contract.ts";

/** Column names that usually hold secrets or credentials: hidden from the model unless chosen. */
const SECRET_LOOKING = /(pass(word)?|secret|token|api_?key|hash|salt|ssn|social_security|credit_card|card_number|cvv|pin_code|private_key)/i;

/** Types a model can rarely use and that bloat every row. */
const BULKY: ReadonlySet<TypeClass> = new Set(["binary"]);

export function defaultVisibleColumns(table: TableInfo): string[] {
  return table.columns.filter((c) => table.primary_key.includes(c.name) || (!SECRET_LOOKING.test(c.name) && !BULKY.has(c.type_class))).map((c) => c.name);
}

export const NUMERIC: ReadonlySet<TypeClass> = new Set(["integer", "bigint", "decimal", "number"]);

/** Columns a proposal can sensibly change: not the key, the tenant, the version guard or a generated column. */
export function patchableColumns(table: TableInfo, fixed: { primary_key: string; tenant_column: string; conflict_column?: string | undefined }): ColumnInfo[] {
  const reserved = new Set([fixed.primary_key, fixed.tenant_column, fixed.conflict_column]);
  return table.columns.filter((c) => !c.generated && !reserved.has(c.name));
}

/** A lowercase identifier segment for tool names: letters, digits and underscores, starting with a letter. */
export function nameSegment(text: string, fallback: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+/g, "_")
    .replace(/_$/, "")
    .slice(0, 24);
  return cleaned === "" ? fallback : cleaned;
}

/** A plural table name's singular, for names like `get_invoice`; only the common English endings. */
export function singular(word: string): string {
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|us|is)$/.test(word)) return word;
  if (/(ches|shes|xes|sses)$/.test(word)) return word.slice(0, -2);
  if (/s$/.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

export interface DefaultNames {
  namespace: string;
  object_name: string;
  read_tool: string;
  proposal_tool: string;
}

export function defaultNames(tableName: string, chosen: { namespace?: string | undefined; object_name?: string | undefined } = {}): DefaultNames {
  const table = nameSegment(tableName, "records");
  const namespace = chosen.namespace ?? table;
  const object = chosen.object_name ?? singular(table);
  return { namespace, object_name: object, read_tool: `${namespace}.inspect_${object}`, proposal_tool: `${namespace}.propose_${object}_update` };
}

const TOOL_NAME = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const SEGMENT = /^[a-z][a-z0-9_]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ARGUMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function toolNameProblem(text: string): string | undefined {
  if (text.length > 64) return "At most 64 characters.";
  return TOOL_NAME.test(text) ? undefined : "Use namespace.verb_object: lowercase letters, digits and underscores, one dot (e.g. billing.get_invoice).";
}

export function segmentProblem(text: string): string | undefined {
  return SEGMENT.test(text) && text.length <= 30 ? undefined : "Lowercase letters, digits and underscores, starting with a letter (at most 30).";
}

export function envNameProblem(text: string): string | undefined {
  return ENV_NAME.test(text) ? undefined : "An environment variable NAME: capital letters, digits and underscores (e.g. SYNAPSOR_TENANT_ID).";
}

export function argumentProblem(text: string): string | undefined {
  return ARGUMENT.test(text) ? undefined : "Letters, digits and underscores, not starting with a digit.";
}

/**
 * A typed answer as the column's value: numbers for numeric columns, true/false for booleans,
 * `null` only for a nullable column; otherwise the text itself.
 */
export function parseValue(column: ColumnInfo, text: string): { ok: true; value: Scalar } | { ok: false; problem: string } {
  if (text === "null") return column.nullable ? { ok: true, value: null } : { ok: false, problem: "This column is NOT NULL." };
  if (column.enum_values && !column.enum_values.includes(text)) return { ok: false, problem: "Not one of the column's enum labels." };
  if (column.type_class === "boolean") {
    if (text === "true" || text === "false") return { ok: true, value: text === "true" };
    return { ok: false, problem: "Type true or false." };
  }
  if (NUMERIC.has(column.type_class)) {
    const n = Number(text);
    if (text === "" || !Number.isFinite(n)) return { ok: false, problem: "Type a number." };
    if ((column.type_class === "integer" || column.type_class === "bigint") && !Number.isInteger(n)) return { ok: false, problem: "Type a whole number." };
    return { ok: true, value: n };
  }
  if (text === "") return { ok: false, problem: "Type a value (or null for a nullable column)." };
  if (column.max_length !== undefined && text.length > column.max_length) return { ok: false, problem: `At most ${column.max_length} characters.` };
  return { ok: true, value: text };
}

/** Comma-separated answers, each parsed as a value of the column. */
export function parseValues(column: ColumnInfo, text: string): { ok: true; values: Scalar[] } | { ok: false; problem: string } {
  const parts = text.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) return { ok: false, problem: "Type at least one value." };
  const values: Scalar[] = [];
  for (const part of parts) {
    const parsed = parseValue(column, part);
    if (!parsed.ok) return { ok: false, problem: `${JSON.stringify(part)}: ${parsed.problem}` };
    values.push(parsed.value);
  }
  return { ok: true, values };
}
