// `proposals show` and the approval prompt as text for a terminal: the record, its diff, guards,
// evidence and history. Every value is rendered once by format.ts (showValue, terminalName) and
// every line guarded, so neither the model nor the database can choose what a reviewer reads.

import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { currentDeadline } from "../../runtime/ledger/review-rules.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { terminalName, terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { proposalDiff } from "./diff.ts";
import {
  approvalRequirement,
  formatDecision,
  formatDiff,
  formatEvent,
  formatGuards,
  formatReceiptList,
  formatVerification,
  showValue,
  targetLabel,
} from "./format.ts";
import type { ProposalHistory } from "./history.ts";

export function formatProposalDetail(history: ProposalHistory): string {
  const { proposal: p, evidence } = history;
  // Single lines are guarded one by one (a value's newline cannot start a line); blocks come guarded from format.ts.
  const out: string[] = [];
  out.push(...[
    `Proposal ${showValue(p.id)}: ${showValue(p.state)}${p.verification.verified ? "" : "   [NOT VERIFIED: do not trust this record]"}`,
    `  capability: ${showValue(p.capability)}`,
    `  tenant: ${showValue(p.tenantId)}   principal: ${showValue(p.principal)}   source: ${showValue(p.source)}`,
    `  target: ${targetLabel(p.target)}`,
    `  created: ${showValue(p.createdAt)}`,
    `  hash: ${showValue(p.hash)}${changeSetHash(p) === p.hash ? "" : "  (DOES NOT MATCH the stored change set: altered)"}`,
    `  seal: ${formatVerification(p.verification)}`,
    `  approval: ${approvalRequirement(p.approval)}; executor ${showValue(p.executor.name)} (${showValue(p.executor.type)})`,
    deadlineLine(p, history.decisions),
  ].map(terminalSafe), "");
  out.push("Change:", formatDiff(proposalDiff(p)));
  out.push("Guards (checked again at apply time):", formatGuards(p.guards));
  out.push(terminalSafe(`Evidence ${showValue(p.evidenceId)}:`));
  if (!evidence) out.push("  not in this store", "");
  else {
    const columns = [...new Set(evidence.rows.flatMap((r) => Object.keys(r)))];
    out.push(terminalSafe(`  read by ${showValue(evidence.capability)} from ${showValue(evidence.table)} at ${showValue(evidence.createdAt)} (query audit ${showValue(evidence.queryAuditId)})`));
    for (const row of evidence.rows) out.push(terminalSafe(`  ${columns.map((c) => `${terminalName(c)}=${showValue(row[c])}`).join("  ")}`));
    out.push("");
  }
  out.push("Decision:");
  out.push(history.decisions.length === 0 ? "  none yet\n" : history.decisions.map(formatDecision).join("").replace(/^/gm, "  "));
  out.push("Receipts:");
  out.push(history.receipts.length === 0 ? "  none\n" : formatReceiptList(history.receipts).replace(/^/gm, "  "));
  out.push("History:");
  out.push(history.events.map((e) => `  ${formatEvent(e)}`).join(""));
  return out.join("\n");
}

/** What a person is shown right above the approve/reject question. */
export function formatDecisionPrompt(proposal: StoredProposal): string {
  const head = terminalSafe(`Proposal ${showValue(proposal.id)} (${showValue(proposal.capability)}) on ${targetLabel(proposal.target)}, tenant ${showValue(proposal.tenantId)}:`);
  return `${head}\n${formatDiff(proposalDiff(proposal))}`;
}

/** The deadline that matters now, in words: the review deadline while pending, the approval window once approved. */
function deadlineLine(p: StoredProposal, decisions: ProposalHistory["decisions"]): string {
  const deadline = currentDeadline(p, decisions.filter((d) => d.decision === "approved").at(-1));
  if (!deadline) return "  deadline: none";
  const passed = Number.isNaN(Date.parse(deadline.at)) || Date.parse(deadline.at) <= Date.now();
  const what = deadline.kind === "review" ? "decide by" : "apply by (approval window)";
  return `  deadline: ${what} ${showValue(deadline.at)}${passed ? " (PASSED: it expires when next touched)" : ""}`;
}
