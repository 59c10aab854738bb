// The audit report for people: a table for a terminal and a Markdown document for a ticket or a
// pull request. Tool names come from the audited server and are untrusted: each is rendered once
// to display text (terminalValue: escapes for control, bidi and invisible characters) and cut to
// a column's width; `why` sentences are the rules' own words around quoted names, guarded again
// on the way out. --json is the report itself (cli/audit.ts prints it with printJson).

import { markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalSafe, terminalValue } from "../../runtime/text/terminal-safe.ts";
import { WHOLE_LIST } from "./finding.ts";
import type { AuditReport } from "./registry.ts";

const TOOL_WIDTH = 34;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Display text of at most `width` code points, ending in … when cut. It is cut between grapheme
 * clusters: a cut inside an emoji sequence would leave its joiner (U+200D), which the encoder let
 * through only between two pictographs, dangling before the ….
 */
export function clipped(text: string, width: number): string {
  if (Array.from(text).length <= width) return text;
  let kept = "";
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = Array.from(segment).length;
    if (count + size > width - 1) break;
    kept += segment;
    count += size;
  }
  return kept + "…";
}

function toolShown(tool: string): string {
  return tool === WHOLE_LIST ? tool : terminalValue(tool);
}

function summaryLine(report: AuditReport): string {
  const s = report.summary;
  const counts = (["critical", "high", "medium", "low"] as const).map((k) => `${s.findings_by_severity[k]} ${k}`).join(", ");
  return `${s.tool_count} tool${s.tool_count === 1 ? "" : "s"}, ${s.tools_list_bytes} bytes of tools/list; findings: ${counts}. Verdict: ${s.verdict}.`;
}

export function formatAuditTable(report: AuditReport, source: string): string {
  const lines = [`Audit of ${terminalSafe(source)}`, summaryLine(report), ""];
  if (report.findings.length === 0) {
    lines.push("No findings: no raw SQL, no writes on the model's word, no model-chosen tenant, no secrets in descriptions.");
    return lines.join("\n") + "\n";
  }
  const rows = report.findings.map((f) => [f.severity.toUpperCase(), clipped(toolShown(f.tool), TOOL_WIDTH), f.rule, terminalSafe(f.why)] as const);
  const width = (i: number, title: string) => Math.max(title.length, ...rows.map((r) => r[i]!.length));
  const w = [width(0, "SEVERITY"), width(1, "TOOL"), width(2, "RULE")] as const;
  const line = (r: readonly string[]) => `${r[0]!.padEnd(w[0])}  ${r[1]!.padEnd(w[1])}  ${r[2]!.padEnd(w[2])}  ${r[3]}`.trimEnd();
  lines.push(line(["SEVERITY", "TOOL", "RULE", "WHY"]), ...rows.map(line));
  return lines.join("\n") + "\n";
}

export function formatAuditMarkdown(report: AuditReport, source: string): string {
  const lines = [`# MCP tool audit`, "", `Source: ${markdownText(source)}`, "", markdownText(summaryLine(report)), ""];
  if (report.findings.length === 0) {
    lines.push("No findings.");
    return lines.join("\n") + "\n";
  }
  lines.push("| Severity | Tool | Rule | Why |", "| --- | --- | --- | --- |");
  for (const f of report.findings) {
    lines.push(`| ${f.severity} | ${markdownText(clipped(toolShown(f.tool), 80))} | ${f.rule} | ${markdownText(f.why)} |`);
  }
  return lines.join("\n") + "\n";
}
