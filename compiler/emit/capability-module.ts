// Renders one capability's module: typed Args and Row, the SQL constant, the parameter
// order and the policy, so a reviewer sees in one file everything the tool can do.
// Every value handed to the template is encoded here (code-literal.ts, comment-text.ts).

import type { ArgPlan, BuildPlan, CapabilityPlan, ParamSource, ProposalPlan } from "../plan/capability-plan.ts";
import { code, codeLiteral, hasInvisible, joinCode, propertyAccess, propertyKey, stringLiteral, typeMemberKey, type Code } from "./code-literal.ts";
import { generatedHeader } from "./header.ts";
import { renderTemplate } from "./templates.ts";
import { blockComment, comment, commentJson, commentText, commentToken, joinComment, type CommentText } from "./comment-text.ts";
import { argTypeCode, columnTypeCode } from "./ts-type-code.ts";
import { writeSection } from "./write-section.ts";
import { toolOutputSchema } from "../plan/output-schema.ts";
import { dialectFor } from "../../runtime/dialect/index.ts";

export function paramSourceLabel(p: ParamSource): string {
  if (p.from === "arg") return `arg:${p.name}`;
  if (p.from === "arg_given") return `arg_given:${p.name}`;
  if (p.from === "context") return `context:${p.name}`;
  return "fixed";
}

function paramComment(p: ParamSource): CommentText {
  if (p.from === "arg") return p.optional ? comment`arg:${commentText(p.name)} (optional, null when left out)` : comment`arg:${commentText(p.name)}`;
  if (p.from === "arg_given") return comment`whether arg:${commentText(p.name)} is given`;
  if (p.from === "context") return comment`context:${commentText(p.name)}`;
  return comment`fixed`;
}

function paramExpression(p: ParamSource, engine: CapabilityPlan["engine"]): Code {
  if (p.from === "arg") return p.optional ? code`${propertyAccess("args", p.name)} ?? null` : propertyAccess("args", p.name);
  if (p.from === "arg_given") {
    const given = code`${propertyAccess("args", p.name)} !== undefined`;
    return dialectFor(engine).givenFlag === "one_zero" ? code`(${given} ? 1 : 0)` : given;
  }
  if (p.from === "context") return (p.name === "tenant_id" ? "ctx.tenantId" : "ctx.principal") as Code;
  return codeLiteral(p.value);
}

export function renderCapabilityModule(build: BuildPlan, cap: CapabilityPlan): string {
  const p = cap.proposal;
  const tableLabel = joinComment([cap.target.schema, cap.target.table].filter((n): n is string => n !== undefined).map(commentText), ".");
  const write = p?.write ? writeSection(cap, p.write, sqlLiteral) : undefined;
  const defineFn = (p ? "defineProposal" : "defineRead") as Code;
  return renderTemplate("capability.ts.hbs", {
    header: generatedHeader(build),
    runtimeImports: joinCode([defineFn, ...(write ? ["defineSqlUpdate" as Code] : [])], ", "),
    write,
    appExecutor: p && !p.write ? { name: commentJson(p.executor.name), type: commentText(p.executor.type) } : undefined,
    nameComment: commentToken(cap.name),
    validatorImport: stringLiteral(`../validators/${cap.name}.mjs`),
    kind: commentText(cap.kind),
    source: commentText(cap.source),
    engineComment: commentText(cap.engine),
    engineKey: propertyKey(cap.engine),
    engineAccess: propertyAccess("SQL", cap.engine),
    table: tableLabel,
    isProposal: Boolean(p),
    executorName: p && commentJson(p.executor.name),
    executorType: p && commentText(p.executor.type),
    defineFn,
    args: cap.args.map((a) => ({
      key: typeMemberKey(a.name),
      required: a.required,
      description: a.description === undefined ? undefined : blockComment(a.description),
      tsType: argTypeCode(a),
    })),
    rowDoc: (p
      ? "The current row as the proposal reads it (visible columns plus those the diff and guards need)."
      : cap.single
        ? "The row the model receives in `data`."
        : "One row of the list the model receives in `data.rows`.") as CommentText,
    columns: cap.columns.map((c) => ({ key: typeMemberKey(c.name), dataType: blockComment(c.dataType), tsType: columnTypeCode(c.tsType) })),
    sqlLiteral: sqlLiteral(cap.statement.text),
    nameLiteral: stringLiteral(cap.name),
    descriptionLiteral: stringLiteral(cap.description),
    sourceLiteral: stringLiteral(cap.source),
    engineLiteral: stringLiteral(cap.engine),
    targetLiteral: codeLiteral(cap.target, "  "),
    statementNameLiteral: stringLiteral(cap.statement.name),
    paramOrderComment: joinComment(cap.statement.params.map((s, i) => comment`#${i + 1} ${paramComment(s)}`), ", "),
    paramsExpression: joinCode(cap.statement.params.map((s) => paramExpression(s, cap.engine)), ", "),
    paramSourcesLiteral: codeLiteral(cap.statement.params.map(paramSourceLabel), "  "),
    columnsLiteral: codeLiteral(cap.columns.map((c) => c.name), "  "),
    patchLines: p?.patch.map((entry) => patchLine(entry, cap.args)),
    idArgLiteral: p && stringLiteral(p.idArg),
    allowedColumnsLiteral: p && codeLiteral(p.allowedColumns, "  "),
    visibleColumnsLiteral: p && codeLiteral(cap.visibleColumns, "  "),
    numericBoundsLiteral: p && codeLiteral(p.numericBounds, "  "),
    transitionGuardsLiteral: p && codeLiteral(p.transitionGuards, "  "),
    preconditionsLiteral: p?.preconditions ? codeLiteral(p.preconditions, "  ") : undefined,
    conflictColumnLiteral: p?.conflictColumn !== undefined ? stringLiteral(p.conflictColumn) : undefined,
    approvalLiteral: p && codeLiteral(p.approval, "  "),
    executorLiteral: p && codeLiteral(p.executor, "  "),
    planHashLiteral: stringLiteral(cap.planHash),
    single: cap.single,
    maxRows: codeLiteral(cap.maxRows),
    evidenceLiteral: stringLiteral(cap.evidence),
    inputSchemaLiteral: codeLiteral(cap.inputSchema, "  "),
    outputSchemaLiteral: codeLiteral(toolOutputSchema(cap.kind, cap.resultSchema), "  "),
  });
}

/** One patch entry; a column an optional argument feeds is in the patch only when the argument is given. */
function patchLine(entry: ProposalPlan["patch"][number], args: readonly ArgPlan[]): Code {
  const key = propertyKey(entry.column);
  if ("fixed" in entry.value) return code`${key}: ${codeLiteral(entry.value.fixed)},`;
  const { arg } = entry.value;
  const value = propertyAccess("args", arg);
  return args.some((a) => a.name === arg && a.required) ? code`${key}: ${value},` : code`...(${value} !== undefined ? { ${key}: ${value} } : {}),`;
}

/**
 * SQL reads best unescaped: a template literal for Postgres, single quotes for MySQL's backticks.
 * Text holding a line terminator or anything invisible is an escaped string literal instead: a
 * single-quoted string cannot hold a line break, a template literal turns CR and CRLF into LF
 * (which would change the statement), and a reviewer must see every character of the SQL.
 */
function sqlLiteral(text: string): Code {
  if (hasInvisible(text)) return stringLiteral(text);
  if (!text.includes("`") && !text.includes("${") && !text.includes("\\")) return `\`${text}\`` as Code;
  if (!text.includes("'") && !text.includes("\\")) return `'${text}'` as Code;
  return stringLiteral(text);
}
