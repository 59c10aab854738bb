// The MCP boundary, read off the tool list the compiled server would publish (the same
// describeTool the server uses): every tool is a scoped read or a proposal; none runs SQL text,
// approves, applies or commits; no tool takes the tenant or another trust scope as an argument.

import { namesTrustScope } from "../../compiler/config/rules/arguments.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { describeTool } from "../../runtime/capability-host.ts";
import { terminalName } from "../../runtime/text/terminal-safe.ts";
import { NEVER_EXPOSED_TOOL_NAMES } from "../preview/tools-preview.ts";
import { capabilityFromPlan } from "../preview/plan-capability.ts";
import { failed, passed, type DoctorCheck } from "./check.ts";

/** Verbs of authority the model never holds, as the first word of a tool's action. */
const AUTHORITY_VERB = /^(approve|reject|apply|commit|execute|exec|run_sql|raw_sql|sql)(_|$)/;
/** Argument names that would carry SQL text. */
const SQL_ARGUMENT = /^(sql|raw_sql|query_sql|statement|sql_text|where|where_clause)$/;

export function checkBoundary(plan: BuildPlan): DoctorCheck {
  const problems: string[] = [];
  for (const c of plan.capabilities) {
    const tool = describeTool(capabilityFromPlan(c), "canonical");
    const action = tool.name.slice(tool.name.lastIndexOf(".") + 1);
    if (c.kind !== "read" && c.kind !== "proposal") problems.push(`${terminalName(tool.name)} is neither a read nor a proposal`);
    if ((NEVER_EXPOSED_TOOL_NAMES as readonly string[]).includes(tool.name) || AUTHORITY_VERB.test(action)) {
      problems.push(`${terminalName(tool.name)} is named like an approval, apply, commit or raw SQL tool`);
    }
    const properties = Object.keys(((tool.inputSchema as { properties?: Record<string, unknown> }).properties ?? {}));
    for (const arg of properties) {
      if (namesTrustScope(arg) || arg === c.target.tenantKey) problems.push(`${terminalName(tool.name)} takes ${terminalName(arg)}, a trust scope, as an argument`);
      if (SQL_ARGUMENT.test(arg)) problems.push(`${terminalName(tool.name)} takes ${terminalName(arg)}, which reads as SQL text`);
    }
  }
  if (problems.length > 0) {
    return failed("mcp.boundary", "boundary", `The compiled tool list crosses the boundary: ${problems.join("; ")}.`, "Rename the capability or argument: the model may read and propose, never approve, apply, commit, run SQL or choose its tenant.");
  }
  const reads = plan.capabilities.filter((c) => c.kind === "read").length;
  const proposals = plan.capabilities.length - reads;
  return passed(
    "mcp.boundary",
    "boundary",
    `${plan.capabilities.length} tools (${reads} ${reads === 1 ? "read" : "reads"}, ${proposals} ${proposals === 1 ? "proposal" : "proposals"}); no raw SQL, approval, apply or commit tool, and no tenant argument.`,
  );
}
