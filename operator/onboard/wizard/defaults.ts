// What the wizard proposes before the person changes anything. Pure functions of the inspected
// table, so the suggestions are the same on every run and easy to check without a terminal.

import type { ColumnInfo, TableInfo, TypeClass } from "../../../compiler/inspect/snapshot.ts";
import type { Scalar } from "../../../compiler/config/contract.ts";
import { MAX_CAPABILITY_NAME_LENGTH, NAME_SEGMENT } from "../../../compiler/config/rules/names.ts";
import { looksLikeSecretValue } from "../../../runtime/env-name.ts";
import { CONTRACT_ENV_NAME } from "../check-selection.ts";
import { terminalSafe } from "../../../runtime/text/terminal-safe.ts";
import { typedValue, unpatchableReason } from "../column-args.ts";
import { defaultNamespace, defaultObjectName, toolNames } from "../naming.ts";

/** Column names that usually hold secrets or credentials: hidden from the model unless chosen. */
const SECRET_LOOKING = /(pass(word)?|secret|token|api_?key|hash|salt|ssn|social_security|credit_card|card_number|cvv|pin_code|private_key)/i;

/** Types a model can rarely use and that bloat every row. */
const BULKY: ReadonlySet<TypeClass> = new Set(["binary"]);

export function defaultVisibleColumns(table: TableInfo): string[] {
  return table.columns.filter((c) => table.primary_key.includes(c.name) || (!SECRET_LOOKING.test(c.name) && !BULKY.has(c.type_class))).map((c) => c.name);
}

export const NUMERIC: ReadonlySet<TypeClass> = new Set(["integer", "bigint", "decimal", "number"]);

/** Columns a proposal can sensibly change: not the key, the tenant, the version guard, nor one init cannot map to an argument. */
export function patchableColumns(table: TableInfo, fixed: { primary_key: string; tenant_column: string; conflict_column?: string | undefined }): ColumnInfo[] {
  const reserved = new Set([fixed.primary_key, fixed.tenant_column, fixed.conflict_column]);
  return table.columns.filter((c) => !reserved.has(c.name) && unpatchableReason(c) === undefined);
}

export interface DefaultNames {
  namespace: string;
  object_name: string;
  read_tool: string;
  proposal_tool: string;
}

/** The names init would derive, from the table or from the namespace and object the person chose. */
export function defaultNames(tableName: string, chosen: { namespace?: string | undefined; object_name?: string | undefined } = {}): DefaultNames {
  const namespace = chosen.namespace ?? defaultNamespace(tableName);
  const object = chosen.object_name ?? defaultObjectName(tableName);
  return { namespace, object_name: object, read_tool: toolNames.read(namespace, object), proposal_tool: toolNames.proposal(namespace, object) };
}

const ARGUMENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function toolNameProblem(text: string): string | undefined {
  if (text.length > MAX_CAPABILITY_NAME_LENGTH) return `At most ${MAX_CAPABILITY_NAME_LENGTH} characters.`;
  const segments = text.split(".");
  return segments.length === 2 && segments.every((s) => NAME_SEGMENT.test(s)) ? undefined : "Use namespace.verb_object: lowercase letters, digits and underscores, one dot (e.g. billing.inspect_invoice).";
}

export function segmentProblem(text: string): string | undefined {
  return NAME_SEGMENT.test(text) && text.length <= 30 ? undefined : "Lowercase letters, digits and underscores, starting with a letter (at most 30).";
}

export function envNameProblem(text: string): string | undefined {
  if (looksLikeSecretValue(text)) return "That looks like a secret value; type the NAME of the variable that holds it (e.g. SYNAPSOR_HANDLER_TOKEN).";
  return CONTRACT_ENV_NAME.test(text) ? undefined : "An environment variable NAME: capital letters, digits and underscores (e.g. SYNAPSOR_TENANT_ID).";
}

export function argumentProblem(text: string): string | undefined {
  return ARGUMENT.test(text) ? undefined : "Letters, digits and underscores, not starting with a digit.";
}

/** A typed answer as the column's value (init's own typing rule); `null` is the word for SQL NULL. */
export function parseValue(column: ColumnInfo, text: string): { ok: true; value: Scalar } | { ok: false; problem: string } {
  if (text === "") return { ok: false, problem: "Type a value (or null for a nullable column)." };
  const typed = typedValue(text === "null" ? null : text, column);
  return typed.ok ? typed : { ok: false, problem: terminalSafe(typed.message) };
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
