// The audit's vocabulary: one tool of a tools/list result as the rules read it, a finding, and a
// rule. A rule has one id and one severity, so docs/audit.md's table is the whole contract.

export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}

/** One tool as tools/list describes it; everything but the name may be missing or malformed. */
export interface AuditedTool {
  name: string;
  title?: unknown;
  description?: unknown;
  inputSchema?: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}

/** The whole list, plus its size as a client receives it (compact JSON of `{ tools }`). */
export interface AuditedList {
  tools: readonly AuditedTool[];
  bytes: number;
}

/** The `tool` of a finding about the list as a whole rather than one tool. */
export const WHOLE_LIST = "(tools/list)";

export interface Finding {
  tool: string;
  severity: Severity;
  rule: string;
  why: string;
}

export interface AuditRule {
  id: string;
  severity: Severity;
  /** What the rule looks for and why it matters, for docs/audit.md and --help. */
  summary: string;
  /** One sentence per hit; the tool's name is taken from the hit. */
  check(list: AuditedList): Array<{ tool: string; why: string }>;
}
