// Typed starting points for app-owned executors: one TypeScript file per http_handler or
// command_handler executor, wiring every capability that uses it into the handler helper,
// with the job's patch and the locked row typed from the schema the build resolved.
// Every value handed to the template is encoded here (compiler/emit/code-literal.ts, comment-text.ts).

import type { Contract, ExecutorConfig } from "../../compiler/config/contract.ts";
import { code, codeLiteral, identifier, stringLiteral, typeMemberKey } from "../../compiler/emit/code-literal.ts";
import { blockComment, comment, commentToken, commentJson, commentText } from "../../compiler/emit/comment-text.ts";
import { renderTemplate } from "../../compiler/emit/templates.ts";
import { columnTypeCode } from "../../compiler/emit/ts-type-code.ts";
import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { pythonStubFile, renderPythonStub } from "./python-stub.ts";

/** The languages `handler stub --language` writes; TypeScript is the default. */
export const STUB_LANGUAGES = ["typescript", "python"] as const;
export type StubLanguage = (typeof STUB_LANGUAGES)[number];

export interface HandlerStub {
  /** File name inside the output directory. */
  file: string;
  executor: string;
  capabilities: string[];
  text: string;
}

/** The import the generated file uses; the package exports it as ./handler. */
export const HANDLER_IMPORT = "synapsor-runner/handler";

export function buildHandlerStubs(contract: Contract, plan: BuildPlan, language: StubLanguage = "typescript"): HandlerStub[] {
  const stubs: HandlerStub[] = [];
  const taken = new Set<string>();
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type !== "http_handler" && executor.type !== "command_handler") continue;
    const caps = plan.capabilities.filter((c) => c.proposal?.executor.name === name);
    if (caps.length === 0) continue;
    const file = uniqueStubFile(name, taken, language);
    const text = language === "python" ? renderPythonStub(name, executor, caps, plan) : renderStub(name, executor, caps, plan);
    stubs.push({ file, executor: name, capabilities: caps.map((c) => c.name), text });
  }
  return stubs;
}

/** A file name made of safe characters; executors whose names map to the same one (`x.y`, `x_y`) get `-2`, `-3`, never a silent overwrite. */
function uniqueStubFile(executorName: string, taken: Set<string>, language: StubLanguage): string {
  const stem = executorName.replace(/[^A-Za-z0-9_-]/g, "_");
  const name = (n: number) => (language === "python" ? pythonStubFile(executorName, n) : n > 1 ? `${stem}-${n}.handler.ts` : `${stem}.handler.ts`);
  let file = name(1);
  for (let n = 2; taken.has(file); n++) file = name(n);
  taken.add(file);
  return file;
}

function renderStub(executorName: string, executor: ExecutorConfig, caps: CapabilityPlan[], plan: BuildPlan): string {
  const first = caps[0]!;
  const source = plan.sources[first.source]!;
  const capabilities = caps.map((cap) => {
    const typeName = pascal(cap.name);
    const proposal = cap.proposal!;
    const column = (name: string) => cap.columns.find((c) => c.name === name);
    const table = {
      ...(cap.target.schema ? { schema: cap.target.schema } : {}),
      name: cap.target.table,
      primaryKey: cap.target.primaryKey,
      tenantKey: cap.target.tenantKey,
      ...(proposal.conflictColumn ? { versionColumn: proposal.conflictColumn } : {}),
    };
    return {
      name: commentToken(cap.name),
      nameLiteral: stringLiteral(cap.name),
      typeName: identifier(typeName),
      functionName: identifier(`apply${typeName}`),
      tableComment: commentJson(cap.target.table),
      tableDoc: blockComment(cap.target.table),
      tableNameLiteral: stringLiteral(cap.target.table),
      tableLiteral: codeLiteral(table, "      "),
      patch: proposal.patch.map((p) => {
        // A column an optional argument feeds is absent from the patch when the model left it out.
        const arg = "arg" in p.value ? p.value.arg : undefined;
        const optional = arg !== undefined && !cap.args.some((a) => a.name === arg && a.required);
        return {
          key: optional ? code`${typeMemberKey(p.column)}?` : typeMemberKey(p.column),
          tsType: "fixed" in p.value ? codeLiteral(p.value.fixed) : columnTypeCode(column(p.column)?.tsType ?? "unknown"),
          origin:
            "fixed" in p.value
              ? comment`fixed in the config`
              : optional
                ? comment`from the argument ${commentText(p.value.arg)} (absent when it was left out: leave the column as it is)`
                : comment`from the argument ${commentText(p.value.arg)}`,
        };
      }),
      row: cap.columns.map((c) => ({ key: typeMemberKey(c.name), tsType: columnTypeCode(c.tsType), dataType: blockComment(c.dataType) })),
    };
  });
  return renderTemplate("handler-stub.ts.hbs", {
    header: comment`// Generated by synapsor-runner ${commentToken(plan.runnerVersion)} \`handler stub\` from ${commentToken(plan.config.file)} (sha256:${commentToken(plan.config.sha256)}), executor ${commentJson(executorName)}.`,
    command: executor.type === "command_handler",
    // Handlebars runs in strict mode: absent values are false, never undefined.
    tokenEnv: executor.type === "http_handler" ? stringLiteral(executor.auth?.token_env ?? "SYNAPSOR_HANDLER_TOKEN") : false,
    signingSecretEnv: executor.type === "http_handler" && executor.signing_secret_env ? stringLiteral(executor.signing_secret_env) : false,
    engine: stringLiteral(source.engine),
    urlEnv: stringLiteral(source.writeUrlEnv ?? "APP_DATABASE_URL"),
    importFrom: stringLiteral(HANDLER_IMPORT),
    capabilities,
  });
}

/** `billing.propose_credit` → `BillingProposeCredit`: letters and digits only, so it is always an identifier. */
function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
