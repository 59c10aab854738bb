// `tools preview`: the two sides of the boundary, side by side. What the model sees is the
// exact tool descriptor the compiled server lists; what it never sees is everything the
// server holds back: SQL, trusted bindings, hidden columns and which env vars hold secrets.

import { describeTool, isProposalTool, type AliasMode } from "../../runtime/capability-host.ts";
import type { ToolDescriptor } from "../../runtime/mcp/host.ts";
import { ENVELOPE_FIELDS } from "../../runtime/envelope-schema.ts";
import type { Contract } from "../../compiler/config/contract.ts";
import type { SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import type { BuildPlan, CapabilityPlan, ParamSource } from "../../compiler/plan/capability-plan.ts";
import { capabilityFromPlan } from "./plan-capability.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { terminalName, terminalSafe, terminalValue } from "../../runtime/text/terminal-safe.ts";

/** Generic tools an agent-facing database server often has; a compiled server has none of them. */
export const NEVER_EXPOSED_TOOL_NAMES = [
  "execute_sql",
  "raw_sql",
  "query_database",
  "approve_proposal",
  "reject_proposal",
  "apply_proposal",
  "commit",
] as const;

export type BoundParameter =
  | { position: number; from: "argument"; name: string }
  /** Whether the optional argument `name` was given: left out, its filter does not apply. */
  | { position: number; from: "argument_given"; name: string }
  | { position: number; from: "trusted_context"; name: "tenant_id" | "principal"; env: string }
  | { position: number; from: "fixed"; value: string | number | boolean | null };

export interface HiddenCapabilityFacts {
  tool: string;
  capability: string;
  engine: string;
  table: string;
  sql: string;
  sql_sha256: string;
  parameters: BoundParameter[];
  /** Columns of the target table in the schema that the model never receives. */
  hidden_columns: string[];
}

/** Where a tool's successful result carries columns, and which (the model receives them in results). */
export interface ResultColumns {
  tool: string;
  field: "data" | "data.rows" | "proposal.diff";
  columns: string[];
}

export interface ToolsPreview {
  alias_mode: AliasMode;
  tools: ToolDescriptor[];
  /** One per tool, in the same order. */
  results: ResultColumns[];
  never_exposed: {
    capabilities: HiddenCapabilityFacts[];
    /** Names only: the values are read by the server at start-up and never shown to the model. */
    credential_env_vars: Array<{ name: string; purpose: string }>;
    trusted_context: { tenant_id_env: string; principal_env: string; note: string };
    absent_tools: string[];
  };
}

export function buildToolsPreview(input: { contract: Contract; plan: BuildPlan; snapshot: SchemaSnapshot; aliasMode: AliasMode }): ToolsPreview {
  const { plan, aliasMode } = input;
  const tools = plan.capabilities.map((c) => describeTool(capabilityFromPlan(c), aliasMode));
  const toolNames = new Set(tools.map((t) => t.name));
  return {
    alias_mode: aliasMode,
    tools,
    results: plan.capabilities.map((c, i) => resultColumns(c, tools[i]!.name)),
    never_exposed: {
      capabilities: plan.capabilities.map((c, i) => hiddenFacts(c, tools[i]!.name, plan, input.snapshot)),
      credential_env_vars: credentialEnvVars(input.contract),
      trusted_context: {
        tenant_id_env: plan.trustedContext.tenantIdEnv,
        principal_env: plan.trustedContext.principalEnv,
        note: "The tenant and principal come from the server's environment; no tool takes them as an argument.",
      },
      absent_tools: NEVER_EXPOSED_TOOL_NAMES.filter((name) => !toolNames.has(name)),
    },
  };
}

/** Read from the plan's typed result (manifest.json's result_schema): the row's columns or the diff's. */
function resultColumns(cap: CapabilityPlan, tool: string): ResultColumns {
  const props = (schema: unknown) => Object.keys(((schema as { properties?: object } | undefined)?.properties ?? {}) as object);
  const result = cap.resultSchema as { properties?: Record<string, { items?: unknown; properties?: object }> };
  if (cap.proposal) return { tool, field: "proposal.diff", columns: props(result.properties?.diff) };
  if (cap.single) return { tool, field: "data", columns: props(result) };
  return { tool, field: "data.rows", columns: props(result.properties?.rows?.items) };
}

function hiddenFacts(cap: CapabilityPlan, tool: string, plan: BuildPlan, snapshot: SchemaSnapshot): HiddenCapabilityFacts {
  const table = findTable(snapshot, cap.target.schema, cap.target.table);
  const visible = new Set(cap.visibleColumns);
  return {
    tool,
    capability: cap.name,
    engine: cap.engine,
    table: tableLabel(cap.target.schema, cap.target.table),
    sql: cap.statement.text,
    sql_sha256: cap.statement.sha256,
    parameters: cap.statement.params.map((p, i) => boundParameter(p, i + 1, plan)),
    hidden_columns: (table?.columns ?? []).map((c) => c.name).filter((name) => !visible.has(name)),
  };
}

/** Same rule as the resolve stage: without a schema (MySQL), the table name alone decides. */
function findTable(snapshot: SchemaSnapshot, schema: string | undefined, name: string): TableInfo | undefined {
  return snapshot.tables.find((t) => t.name === name && (schema === undefined || t.schema === schema));
}

function boundParameter(p: ParamSource, position: number, plan: BuildPlan): BoundParameter {
  if (p.from === "arg") return { position, from: "argument", name: p.name };
  if (p.from === "arg_given") return { position, from: "argument_given", name: p.name };
  if (p.from === "fixed") return { position, from: "fixed", value: p.value };
  const env = p.name === "tenant_id" ? plan.trustedContext.tenantIdEnv : plan.trustedContext.principalEnv;
  return { position, from: "trusted_context", name: p.name, env };
}

function credentialEnvVars(contract: Contract): Array<{ name: string; purpose: string }> {
  const vars: Array<{ name: string; purpose: string }> = [];
  for (const [name, source] of Object.entries(contract.sources)) {
    vars.push({ name: source.read_url_env, purpose: `read URL of source '${name}'` });
    if (source.write_url_env) vars.push({ name: source.write_url_env, purpose: `write URL of source '${name}' (used only when a reviewed proposal is applied, never by a tool)` });
  }
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "http_handler") {
      vars.push({ name: executor.url_env, purpose: `URL of handler executor '${name}'` });
      if (executor.auth) vars.push({ name: executor.auth.token_env, purpose: `bearer token of handler executor '${name}'` });
      if (executor.signing_secret_env) vars.push({ name: executor.signing_secret_env, purpose: `signing secret of handler executor '${name}'` });
    } else if (executor.type === "command_handler") {
      vars.push({ name: executor.command_env, purpose: `command of executor '${name}'` });
    }
  }
  return vars;
}

/**
 * The preview as text for a terminal. Names, SQL and descriptions come from the config and the
 * schema (whoever can run DDL on the database chooses column names), so column names are shown by
 * terminalName, free text by terminalValue, and every line is guarded.
 */
export function formatToolsPreview(preview: ToolsPreview, configLabel: string): string {
  const out: string[] = [];
  const n = preview.tools.length;
  out.push(`Tools preview for ${configLabel}: ${n} tool${n === 1 ? "" : "s"}${preview.alias_mode === "openai" ? " (alias mode openai)" : ""}`, "");
  out.push("WHAT THE MODEL SEES", "");
  for (const [i, tool] of preview.tools.entries()) out.push(...formatTool(tool, preview.results[i]!), "");

  out.push("WHAT THE MODEL NEVER SEES", "");
  for (const c of preview.never_exposed.capabilities) {
    out.push(`${c.tool}  (${c.engine}, table ${c.table})`);
    out.push(`  SQL: ${c.sql}`);
    out.push(`  bound parameters: ${c.parameters.map(formatParameter).join("; ") || "none"}`);
    out.push(`  hidden columns of ${c.table}: ${c.hidden_columns.map(terminalName).join(", ") || "none (every column is visible)"}`, "");
  }
  const tc = preview.never_exposed.trusted_context;
  out.push(`Trusted context: tenant from $${tc.tenant_id_env}, principal from $${tc.principal_env}. ${tc.note}`);
  out.push("Credentials (env var names only; values are never printed or sent to the model):");
  for (const v of preview.never_exposed.credential_env_vars) out.push(`  ${v.name}  ${v.purpose}`);
  out.push(
    `No such tools: ${preview.never_exposed.absent_tools.join(", ")}. ` +
      "There is no raw SQL tool, and approving or applying a proposal happens outside MCP.",
  );
  return out.map(terminalSafe).join("\n") + "\n";
}

function formatTool(tool: ToolDescriptor, result: ResultColumns): string[] {
  const kind = isProposalTool(tool) ? "proposal (review only, never writes)" : "read";
  // Only the hints that differ from the MCP defaults are sent; the line says what the others mean.
  const hints = Object.entries(tool.annotations ?? {}).filter(([key]) => key !== "title");
  const unset = tool.annotations?.readOnlyHint === true ? "destructiveHint and idempotentHint do not apply to a read-only tool" : "any other hint at its MCP default";
  const lines = [
    `${tool.name}  [${kind}]`,
    `  annotations: ${hints.map(([key, value]) => `${key}=${String(value)}`).join(" ")} (${unset})`,
    `  description: ${terminalValue(tool.description ?? "")}`,
    "  arguments:",
  ];
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((tool.inputSchema.required as string[] | undefined) ?? []);
  const names = Object.keys(properties);
  if (names.length === 0) lines.push("    (none)");
  for (const name of names) lines.push(`    ${formatArgument(name, properties[name]!, required.has(name))}`);
  if (tool.inputSchema.additionalProperties === false) lines.push("    (no other arguments are accepted)");
  // Every envelope has every field; the tool's outputSchema types `ok` and its own result.
  lines.push(`  output: the result envelope (${ENVELOPE_FIELDS.join(", ")}); ${resultShape(result)}`);
  return lines;
}

/** What this tool's envelope carries on success: the row's columns or the diff's. */
function resultShape(result: ResultColumns): string {
  const columns = result.columns.map(terminalName).join(", ");
  if (result.field === "data.rows") return `data.rows: rows of ${columns}`;
  if (result.field === "data") return `data: the row (${columns})`;
  return `proposal.diff: ${columns || "(no visible column)"}`;
}

function formatArgument(name: string, schema: Record<string, unknown>, required: boolean): string {
  // An integer that may also be written as digit text (a bigint column) has two forms.
  const forms = Array.isArray(schema.anyOf) ? (schema.anyOf as Array<Record<string, unknown>>) : [schema];
  const type = forms.map((f) => (typeof f.format === "string" ? `${String(f.type)} (${f.format})` : String(f.type ?? "any"))).join(" or ");
  const facts: string[] = [type, required ? "required" : "optional"];
  for (const key of ["minLength", "maxLength", "minimum", "maximum"] as const) {
    if (schema[key] !== undefined) facts.push(`${key} ${String(schema[key])}`);
  }
  if (Array.isArray(schema.enum)) facts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  const description = typeof schema.description === "string" ? ` — ${terminalValue(schema.description)}` : "";
  return `${terminalName(name)}: ${facts.join(", ")}${description}`;
}

function formatParameter(p: BoundParameter): string {
  if (p.from === "argument") return `#${p.position} ← argument ${p.name}`;
  if (p.from === "argument_given") return `#${p.position} ← whether argument ${p.name} is given (left out: no filter)`;
  if (p.from === "fixed") return `#${p.position} ← fixed ${JSON.stringify(p.value)}`;
  return `#${p.position} ← trusted ${p.name} from $${p.env} (not an argument)`;
}
