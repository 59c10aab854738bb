// Every audit rule, in the order docs/audit.md lists them, and the run that applies them all.

import { severityRank, type AuditedList, type AuditRule, type Finding, type Severity } from "./finding.ts";
import { approvalTool, destructiveTool, rawSql, writeTool } from "./rules/queries-and-writes.ts";
import { modelControlledScope, unboundedResults } from "./rules/scope.ts";
import { missingAnnotations, missingInputSchema, openInputOnWriter, readOnlyClaimOnWriter, writerWithoutDestructiveHint } from "./rules/annotations.ts";
import { credentialInDescription, infrastructureInDescription } from "./rules/descriptions.ts";
import { duplicateToolName, hiddenCharacters, invalidToolName, oversizedToolList } from "./rules/surface.ts";

export const AUDIT_RULES: readonly AuditRule[] = [
  rawSql,
  credentialInDescription,
  approvalTool,
  destructiveTool,
  modelControlledScope,
  readOnlyClaimOnWriter,
  hiddenCharacters,
  writeTool,
  writerWithoutDestructiveHint,
  unboundedResults,
  infrastructureInDescription,
  missingInputSchema,
  duplicateToolName,
  oversizedToolList,
  missingAnnotations,
  openInputOnWriter,
  invalidToolName,
];

export type Verdict = "clean" | "minor" | "review" | "risky";

export interface AuditSummary {
  tool_count: number;
  tools_list_bytes: number;
  findings_by_severity: Record<Severity, number>;
  highest_severity: Severity | null;
  /** clean: no finding; minor: low only; review: medium at most; risky: high or critical. */
  verdict: Verdict;
}

export interface AuditReport {
  findings: Finding[];
  summary: AuditSummary;
}

/** All rules over the list; findings gravest first, then in the list's tool order, then by rule. */
export function audit(list: AuditedList, rules: readonly AuditRule[] = AUDIT_RULES): AuditReport {
  const order = new Map(list.tools.map((t, i) => [t.name, i] as const));
  const findings = rules
    .flatMap((rule, ruleIndex) => rule.check(list).map((hit) => ({ finding: { tool: hit.tool, severity: rule.severity, rule: rule.id, why: hit.why }, ruleIndex })))
    .sort(
      (a, b) =>
        severityRank(b.finding.severity) - severityRank(a.finding.severity) ||
        (order.get(a.finding.tool) ?? -1) - (order.get(b.finding.tool) ?? -1) ||
        a.ruleIndex - b.ruleIndex,
    )
    .map((f) => f.finding);
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const f of findings) counts[f.severity]++;
  const highest = findings[0]?.severity ?? null;
  return {
    findings,
    summary: {
      tool_count: list.tools.length,
      tools_list_bytes: list.bytes,
      findings_by_severity: counts,
      highest_severity: highest,
      verdict: highest === null ? "clean" : highest === "low" ? "minor" : highest === "medium" ? "review" : "risky",
    },
  };
}

/** Whether `--fail-on` trips: some finding at or above the threshold. */
export function failsAt(report: AuditReport, threshold: Severity | undefined): boolean {
  return threshold !== undefined && report.findings.some((f) => severityRank(f.severity) >= severityRank(threshold));
}
