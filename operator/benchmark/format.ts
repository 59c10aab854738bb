// The efficiency report as a table for a person. Fixture text (the task, tool names, the steps
// outside MCP) is escaped for the terminal; the numbers and labels are our own.

import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import type { EfficiencyReport } from "./mcp-efficiency.ts";
import type { PathFigures } from "./measure.ts";

const ROWS: Array<[label: string, value: (f: PathFigures) => string]> = [
  ["tools in tools/list", (f) => String(f.tool_count)],
  ["tools/list bytes", (f) => String(f.tools_list_bytes)],
  ["tokens, total", (f) => String(f.tokens)],
  ["  tools/list", (f) => String(f.tokens_tools_list)],
  ["  calls and results", (f) => String(f.tokens_calls)],
  ["model calls", (f) => String(f.calls)],
  ["prompt tokens over all turns", (f) => String(f.prompt_tokens_all_turns)],
  ["raw SQL exposed", (f) => yesNo(f.raw_sql_exposed)],
  ["tenant controlled by the model", (f) => yesNo(f.tenant_controlled_by_model)],
  ["approval separated", (f) => yesNo(f.approval_separated)],
];

export function formatEfficiencyReport(report: EfficiencyReport): string {
  const header = ["", "semantic (compiled example)", "raw SQL (generic server)"];
  const rows = [header, ...ROWS.map(([label, value]) => [label, value(report.semantic), value(report.raw_sql)])];
  const widths = header.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  const table = rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join("  ").trimEnd());
  const path = (f: PathFigures) => f.tools_called.map((t) => terminalSafe(t)).join(" -> ");
  const outside = report.semantic.steps_outside_mcp.concat(report.raw_sql.steps_outside_mcp);
  return [
    `MCP efficiency on examples/support-billing: ${terminalSafe(report.task)}`,
    "",
    ...table,
    "",
    `Semantic calls: ${path(report.semantic)}`,
    `Raw SQL calls:  ${path(report.raw_sql)}`,
    ...outside.map((step) => `Outside MCP (not counted): ${terminalSafe(step)}`),
    `Tokens: ${tokenizerName(report)}. "tokens, total" counts the tools/list JSON once plus each call and its result;`,
    `"prompt tokens over all turns" counts what an agent loop sends: the tool list and the conversation so far with each of the calls + 1 model requests.`,
    "Not a billing count: other models' tokenizers split text differently. Method and limits: docs/mcp-efficiency.md",
    "",
  ].join("\n");
}

function tokenizerName(report: EfficiencyReport): string {
  const t = report.tokenizer;
  return `${t.package} ${t.version}, encoding ${t.encoding}`;
}

function yesNo(value: boolean): string {
  return value ? "yes" : "no";
}
