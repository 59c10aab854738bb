// The console's export buttons: the review and the outcome of a proposal as JSON (the model
// itself, for tools) and as Markdown (for a ticket or an incident review). Every value is
// untrusted (ledger, live row, handler text): JSON keeps it as data with the characters a screen
// would act on written as \uXXXX escapes (the same JSON value); Markdown renders it once to display
// text (showValue, terminalName) and places it with runtime/text/markdown-safe.ts, so it can
// neither drive a terminal nor create a link, HTML, emphasis, a table cell or a line of its own.

import { markdownCode, markdownCodeBlock, markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalName, terminalSafe, terminalSafeJson } from "../../runtime/text/terminal-safe.ts";
import { showValue, targetLabel } from "../review/format.ts";
import { markdownTable } from "../review/replay.ts";
import type { OutcomeModel, ReviewModel } from "./model.ts";

export type ExportFormat = "json" | "markdown";

export function exportReview(model: ReviewModel, format: ExportFormat): string {
  return format === "json" ? safeJson(model) : reviewMarkdown(model);
}

export function exportOutcome(model: OutcomeModel, format: ExportFormat): string {
  return format === "json" ? safeJson(model) : outcomeMarkdown(model);
}

function safeJson(value: unknown): string {
  return terminalSafeJson(JSON.stringify(value, null, 2)) + "\n";
}

const text = (value: unknown) => markdownText(showValue(value));
const code = (value: unknown) => markdownCode(showValue(value));
const name = (column: string) => markdownCode(terminalName(column));

export function reviewMarkdown(model: ReviewModel): string {
  const p = model.proposal;
  const out: string[] = [];
  out.push(`# Review of proposal ${text(p.id)}`, "", `State: **${text(p.state)}**`, "");
  if (model.blockedBecause) out.push(`> **Blocked:** ${text(model.blockedBecause)}`, "");

  out.push("## Request", "");
  out.push(`- Capability: ${code(model.request.capability)}`);
  out.push(`- Tenant: ${code(model.request.tenantId)}`);
  out.push(`- Principal: ${code(model.request.principal)}`);
  out.push(`- Proposed at: ${text(model.request.createdAt)}`);
  out.push(`- Target: ${markdownText(targetLabel(p.target))}`);
  out.push(`- Arguments: ${code(model.request.args)}`, "");

  out.push("## Evidence", "");
  if (model.evidence.length === 0) out.push("No evidence bundle of this proposal is in the store.");
  for (const [i, e] of model.evidence.entries()) {
    out.push(`- ${i === 0 && e.id === p.evidenceId ? "Linked" : "Earlier"} bundle ${code(e.id)}: ${code(e.capability)} read ${text(e.table)} at ${text(e.createdAt)} (${text(e.rows.length)} row${e.rows.length === 1 ? "" : "s"}).`);
  }
  out.push("");

  out.push("## Before → proposed → now", "");
  if (model.live.status === "read") out.push(`Live row read at ${text(model.live.readAt)}${model.stale ? "; **the row changed since the proposal (stale)**" : "; unchanged since the proposal"}.`);
  else if (model.live.status === "missing") out.push(`**The row is gone or no longer in the tenant** (checked at ${text(model.live.readAt)}).`);
  else out.push(`Live row unavailable: ${text(model.live.message)}`);
  out.push("");
  out.push(...markdownTable(
    ["Column", "Before", "Proposed", "Now", "Changed since proposal"],
    model.diff.map((d) => [terminalName(d.column) + (d.patched ? " (patched)" : ""), showValue(d.before), showValue(d.proposed), showValue(d.now), d.changedSinceProposal ? "yes" : "no"]),
  ), "");

  out.push("## Guards, evaluated now", "");
  if (model.guards.length === 0) out.push("No guard could be evaluated: the build has no such capability.");
  else out.push(...markdownTable(["Guard", "Status", "Detail"], model.guards.map((g) => [g.label, g.status, g.detail])));
  out.push("");

  out.push("## Planned write", "");
  out.push(`Executor ${code(model.plannedWrite.executor.name)} (${text(model.plannedWrite.executor.type)}). ${text(model.plannedWrite.note)}`, "");
  if (model.plannedWrite.statement !== null) out.push(...markdownCodeBlock("sql", model.plannedWrite.statement), "");

  out.push("## Approval", "");
  out.push(model.requiredRole ? `Requires a person with the role ${code(model.requiredRole)}.` : "Any reviewer may approve (no role required).");
  if (model.deadline) out.push(`${model.deadline.kind === "review" ? "Review deadline" : "Approval valid until"}: ${text(model.deadline.at)}.`);
  for (const d of model.decisions) {
    out.push(`- **${text(d.decision)}** by ${code(d.actor)}${d.role ? ` (role ${code(d.role)})` : ""} at ${text(d.createdAt)}, bound to hash ${code(d.proposalHash)}${d.reason ? `; reason: ${text(d.reason)}` : ""}`);
  }
  out.push("");
  return finish(out);
}

export function outcomeMarkdown(model: OutcomeModel): string {
  const out: string[] = [];
  out.push(`# Outcome of proposal ${text(model.proposalId)}`, "", `State: **${text(model.state)}**`, "");
  out.push(model.receiptSummary ? `Receipt ${code(model.receipt?.id)}: ${text(model.receiptSummary)}` : "No receipt: nothing was applied.", "");
  out.push("## Timeline", "");
  out.push(...markdownTable(
    ["Time", "Step", "Actor", "Role", "What happened", "Bound by"],
    model.timeline.map((s) => [showValue(s.at), s.kind, showValue(s.actor ?? "—"), showValue(s.role ?? "—"), showValue(s.summary), showValue(s.ref ?? "—")]),
  ), "");
  return finish(out);
}

/** Each entry is one line: a newline inside a value is escaped, never a line break. */
function finish(lines: string[]): string {
  return lines.map(terminalSafe).join("\n");
}
