// Renders one capability's module: typed Args and Row, the SQL constant, the parameter
// order and the policy, so a reviewer sees in one file everything the tool can do.

import type { ArgPlan, BuildPlan, CapabilityPlan, ParamSource, ProposalPlan } from "../plan/capability-plan.ts";
import { tsTypeForArg } from "../plan/ts-types.ts";
import { codeLiteral, propertyAccess, propertyKey } from "./code-literal.ts";
import { generatedHeader } from "./header.ts";
import { renderTemplate } from "./templates.ts";
import { blockComment, commentJson, commentText } from "./comment-text.ts";
import { writeSection } from "./write-section.ts";

export function paramSourceLabel(p: ParamSource): string {
  if (p.from === "arg") return `arg:${p.name}`;
  if (p.from === "context") return `context:${p.name}`;
  return "fixed";
}

function paramExpression(p: ParamSource): string {
  if (p.from === "arg") return propertyAccess("args", p.name);
  if (p.from === "context") return p.name === "tenant_id" ? "ctx.tenantId" : "ctx.principal";
  return codeLiteral(p.value);
}

export function renderCapabilityModule(build: BuildPlan, cap: CapabilityPlan): string {
  const p = cap.proposal;
  const tableLabel = [cap.target.schema, cap.target.table].filter((n): n is string => n !== undefined).map(commentText).join(".");
  const write = p?.write ? writeSection(cap, p.write, sqlLiteral) : undefined;
  return renderTemplate("capability.ts.hbs", {
    header: generatedHeader(build),
    runtimeImports: [p ? "defineProposal" : "defineRead", ...(write ? ["defineSqlUpdate"] : [])].join(", "),
    write,
    appExecutor: p && !p.write ? { name: commentJson(p.executor.name), type: p.executor.type } : undefined,
    name: cap.name,
    kind: cap.kind,
    source: commentText(cap.source),
    engine: cap.engine,
    table: tableLabel,
    isProposal: Boolean(p),
    executorName: p && commentJson(p.executor.name),
    executorType: p?.executor.type,
    defineFn: p ? "defineProposal" : "defineRead",
    args: cap.args.map((a) => ({
      name: a.name,
      required: a.required,
      description: a.description === undefined ? undefined : blockComment(a.description),
      tsType: tsTypeForArg(a.type, a.enum, a.exactNumber?.format !== undefined),
    })),
    rowDoc: p
      ? "The current row as the proposal reads it (visible columns plus those the diff and guards need)."
      : cap.single
        ? "The row the model receives in `data`."
        : "One row of the list the model receives in `data.rows`.",
    columns: cap.columns.map((c) => ({ key: propertyKey(c.name), dataType: blockComment(c.dataType), tsType: c.tsType })),
    sqlLiteral: sqlLiteral(cap.statement.text),
    nameLiteral: JSON.stringify(cap.name),
    descriptionLiteral: JSON.stringify(cap.description),
    sourceLiteral: JSON.stringify(cap.source),
    engineLiteral: JSON.stringify(cap.engine),
    targetLiteral: codeLiteral(cap.target, "  "),
    statementNameLiteral: JSON.stringify(cap.statement.name),
    paramOrderComment: cap.statement.params.map((s, i) => `#${i + 1} ${paramSourceLabel(s)}`).join(", "),
    paramsExpression: cap.statement.params.map(paramExpression).join(", "),
    paramSourcesLiteral: codeLiteral(cap.statement.params.map(paramSourceLabel), "  "),
    columnsLiteral: codeLiteral(cap.columns.map((c) => c.name), "  "),
    patchLines: p?.patch.map((entry) => patchLine(entry, cap.args)),
    idArgLiteral: p && JSON.stringify(p.idArg),
    allowedColumnsLiteral: p && codeLiteral(p.allowedColumns, "  "),
    visibleColumnsLiteral: p && codeLiteral(cap.visibleColumns, "  "),
    numericBoundsLiteral: p && codeLiteral(p.numericBounds, "  "),
    transitionGuardsLiteral: p && codeLiteral(p.transitionGuards, "  "),
    conflictColumnLiteral: p?.conflictColumn && JSON.stringify(p.conflictColumn),
    approvalLiteral: p && codeLiteral(p.approval, "  "),
    executorLiteral: p && codeLiteral(p.executor, "  "),
    planHashLiteral: JSON.stringify(cap.planHash),
    single: cap.single,
    maxRows: cap.maxRows,
    evidenceLiteral: JSON.stringify(cap.evidence),
    inputSchemaLiteral: codeLiteral(cap.inputSchema, "  "),
  });
}

/** One patch entry; a column an optional argument feeds is in the patch only when the argument is given. */
function patchLine(entry: ProposalPlan["patch"][number], args: readonly ArgPlan[]): string {
  const key = propertyKey(entry.column);
  if ("fixed" in entry.value) return `${key}: ${codeLiteral(entry.value.fixed)},`;
  const { arg } = entry.value;
  const value = propertyAccess("args", arg);
  return args.some((a) => a.name === arg && a.required) ? `${key}: ${value},` : `...(${value} !== undefined ? { ${key}: ${value} } : {}),`;
}

/**
 * SQL reads best unescaped: a template literal for Postgres, single quotes for MySQL's backticks.
 * Text holding a line terminator is escaped JSON instead: a single-quoted string cannot hold one,
 * and a template literal turns CR and CRLF into LF, which would change the statement.
 */
function sqlLiteral(text: string): string {
  if (/[\r\n\u2028\u2029]/.test(text)) return JSON.stringify(text);
  if (!text.includes("`") && !text.includes("${") && !text.includes("\\")) return `\`${text}\``;
  if (!text.includes("'") && !text.includes("\\")) return `'${text}'`;
  return JSON.stringify(text);
}
