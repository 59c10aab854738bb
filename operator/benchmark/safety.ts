// The safety columns of the efficiency benchmark, derived from a tools/list result alone (the
// same rules for both servers; nothing is assumed about which one is ours):
//
// - raw_sql_exposed: some tool takes free SQL, a string input named like sql/query/statement
//   with no enum to pin it down.
// - tenant_controlled_by_model: the model can choose whose rows it reads or changes: a tool takes
//   free SQL (the WHERE clause is the model's), or an input is named like a tenant, organisation,
//   workspace or principal.
// - approval_separated: no tool lets the model change data by itself: no free SQL, no tool
//   named for approving, applying, committing, executing or writing, and every tool that is not
//   read-only declares destructiveHint false (MCP's default for a tool without annotations is
//   readOnlyHint false, destructiveHint true: it may change data in place).
//
// Each flag comes with the tool inputs or tools that decided it, so the output says why.

import type { ListedTool } from "./fixtures.ts";

export interface SafetyColumns {
  raw_sql_exposed: boolean;
  tenant_controlled_by_model: boolean;
  approval_separated: boolean;
  /** The inputs (tool.argument) or tools behind each flag; empty when nothing raised it. */
  why: { raw_sql_inputs: string[]; tenant_inputs: string[]; may_write_without_approval: string[] };
}

const FREE_SQL_INPUT = /(^|_)(sql|query|statement|statements)($|_)/i;
const TENANT_INPUT = /tenant|organi[sz]ation|(^|_)org(_|$)|org_?id|workspace|principal/i;
const WRITER_NAME = /approve|apply|commit|execute|exec(_|$)|write|update|delete|insert|upsert|confirm/i;

export function safetyColumns(tools: readonly ListedTool[]): SafetyColumns {
  const rawSqlInputs = inputsWhere(tools, (name, schema) => FREE_SQL_INPUT.test(name) && isFreeString(schema));
  const tenantInputs = inputsWhere(tools, (name) => TENANT_INPUT.test(name));
  const rawSqlTools = new Set(rawSqlInputs.map((input) => input.slice(0, input.lastIndexOf("."))));
  const mayWrite = tools
    .filter((tool) => rawSqlTools.has(tool.name) || WRITER_NAME.test(tool.name) || mayChangeDataInPlace(tool))
    .map((tool) => tool.name);
  return {
    raw_sql_exposed: rawSqlInputs.length > 0,
    tenant_controlled_by_model: rawSqlInputs.length > 0 || tenantInputs.length > 0,
    approval_separated: mayWrite.length === 0,
    why: { raw_sql_inputs: rawSqlInputs, tenant_inputs: tenantInputs, may_write_without_approval: mayWrite },
  };
}

/** MCP's defaults: a tool is not read-only and is destructive unless its annotations say otherwise. */
function mayChangeDataInPlace(tool: ListedTool): boolean {
  const hints = tool.annotations ?? {};
  return hints.readOnlyHint !== true && hints.destructiveHint !== false;
}

/** "tool.input" for every input property of every tool that `matches`. */
function inputsWhere(tools: readonly ListedTool[], matches: (name: string, schema: Record<string, unknown>) => boolean): string[] {
  return tools.flatMap((tool) =>
    Object.entries(tool.inputSchema?.properties ?? {})
      .filter(([name, schema]) => matches(name, (schema ?? {}) as Record<string, unknown>))
      .map(([name]) => `${tool.name}.${name}`),
  );
}

/** A string the model writes freely: typed string (or untyped) and not limited to an enum or const. */
function isFreeString(schema: Record<string, unknown>): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return (schema.type === undefined || types.includes("string")) && schema.enum === undefined && schema.const === undefined;
}
