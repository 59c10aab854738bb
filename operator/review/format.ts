// Plain-text rendering of ledger records for the review commands. JSON output prints the
// records themselves; these functions are only for people reading a terminal. Ledger text is
// untrusted: each value is rendered once by showValue / terminalValue / terminalName (visible
// escapes, a typed backslash doubled, so different values never read alike), and every cell
// and line they return has passed through the terminalSafe guard.

import { terminalName, terminalSafe, terminalValue } from "../../runtime/text/terminal-safe.ts";
import type { Decision, EstablishedBy, LedgerEvent, ProposalGuards, StoredProposal, StoredReceipt, Verification } from "../../runtime/ledger/records.ts";
import type { DiffRow } from "./diff.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { mutationLabel } from "../../runtime/executors/receipts.ts";

/**
 * One value as display text: a string as it is (terminalValue: unsafe characters and backslashes
 * escaped), anything else as its JSON (already unambiguous; C1, bidi and invisible characters
 * escaped). Note a string and a number with the same digits read alike; `--json` tells them apart.
 */
export function showValue(value: unknown): string {
  if (value === undefined) return "—";
  if (typeof value === "string") return terminalValue(value);
  return terminalSafe(JSON.stringify(value) ?? String(value));
}

/** Lines for the terminal: each entry is one line, so a value's own newline is escaped, never a line break. */
export function textLines(lines: readonly string[]): string {
  return lines.map(terminalSafe).join("\n") + "\n";
}

/** Left-aligned columns; the header row is followed by a rule. Every cell is escaped, so a value cannot break its row. */
export function table(header: string[], cells: string[][], indent = "  "): string {
  const rows = cells.map((r) => r.map(terminalSafe));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (row: string[]) => indent + row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n") + "\n";
}

export function targetLabel(target: StoredProposal["target"]): string {
  const table = tableLabel(target.schema, target.table);
  return terminalSafe(`${table} ${terminalName(target.primaryKey.column)}=${showValue(target.primaryKey.value)}`);
}

export function formatProposalList(proposals: StoredProposal[]): string {
  if (proposals.length === 0) return "No proposals match.\n";
  const list = table(
    ["ID", "STATE", "CAPABILITY", "TENANT", "TARGET", "CREATED", "DEADLINE", "SEAL"],
    proposals.map((p) => [p.id, p.state, p.capability, showValue(p.tenantId), targetLabel(p.target), p.createdAt, deadlineLabel(p), p.verification.verified ? "ok" : "NOT VERIFIED"]),
    "",
  );
  const unverified = proposals.filter((p) => !p.verification.verified).length;
  return unverified === 0
    ? list
    : list + `\n${unverified} of these do not verify against the ledger keys; \`proposals show ID\` says why. Do not trust them.\n`;
}

/** One line on whether a record is exactly what synapsor-runner wrote. */
export function formatVerification(v: Verification): string {
  return terminalSafe(v.verified ? `verified (keyed MAC, key ${v.keyId})` : `NOT VERIFIED: ${v.message}`);
}

export function formatDiff(rows: DiffRow[]): string {
  return table(["COLUMN", "BEFORE", "PROPOSED"], rows.map((r) => [terminalName(r.column), showValue(r.before), showValue(r.proposed)]));
}

export function formatGuards(guards: ProposalGuards): string {
  const lines = [`  tenant: ${terminalName(guards.tenant.column)} = ${showValue(guards.tenant.value)}`];
  lines.push(guards.conflict
    ? `  version: ${terminalName(guards.conflict.column)} must still be ${showValue(guards.conflict.expected)}`
    : "  version: none (no conflict column)");
  for (const t of guards.transitions ?? []) {
    lines.push(`  transition: ${terminalName(t.column)} from ${t.from.map(showValue).join(" | ")} to ${t.to.map(showValue).join(" | ")}`);
  }
  for (const p of guards.preconditions ?? []) {
    lines.push(`  precondition: ${terminalName(p.column)} is ${p.oneOf.map(showValue).join(" | ")} (read only)`);
  }
  return textLines(lines);
}

export function approvalRequirement(approval: StoredProposal["approval"]): string {
  const role = approval.requiredRole;
  const who = approval.reviewers === "declared"
    ? role ? `a declared reviewer holding the role ${showValue(role)}` : "a declared reviewer"
    : role ? `a person with the role ${showValue(role)} (self-declared: no reviewers are declared, so roles are not checked)` : "a person (no specific role; no reviewers are declared)";
  const deadlines = [
    approval.expiresAt !== undefined ? `a decision by ${showValue(approval.expiresAt)} (expires_after ${showValue(approval.expiresAfter)})` : undefined,
    approval.validFor !== undefined ? `an approval valid for ${showValue(approval.validFor)}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return deadlines.length === 0 ? who : `${who}; ${deadlines.join("; ")}`;
}

/** How a reviewer was established, in words for a person (CLI, replay, console). */
export const ESTABLISHED_TEXT: Record<EstablishedBy, string> = {
  self_declared: "self-declared: the name and role were typed by the reviewer and checked against no declaration",
  os_user: "established as a declared reviewer by the operating-system user",
  credential: "established as a declared reviewer by their credential",
  console_link: "established as a declared reviewer by their review-console sign-in link",
  verified_token: "established by a token the configured identity provider verified",
};

/** A decision's established-by, where decisions stored before it was recorded were all self-declared. */
export function establishedText(established: Decision["establishedBy"]): string {
  if (established === null) return `${ESTABLISHED_TEXT.self_declared} (recorded before this was kept)`;
  // Ledger text: a value this build does not know is shown as it is (its seal says whether to trust it).
  return Object.hasOwn(ESTABLISHED_TEXT, established) ? ESTABLISHED_TEXT[established] : `established by ${showValue(established)}`;
}

/** The deadline column of a listing: when a pending proposal expires, or until when its approval may be applied. */
export function deadlineLabel(proposal: StoredProposal): string {
  if (proposal.state !== "review_required") return "-";
  return proposal.approval.expiresAt === undefined ? "none" : `expires ${showValue(proposal.approval.expiresAt)}`;
}

export function formatDecision(decision: Decision): string {
  const lines = [
    `Decision ${decision.id}: proposal ${decision.proposalId} ${decision.decision}`,
    `  by ${showValue(decision.actor)}${decision.role ? ` (role ${showValue(decision.role)})` : ""} at ${decision.createdAt}`,
    `  reviewer: ${establishedText(decision.establishedBy)}`,
    `  bound to proposal hash ${decision.proposalHash}`,
    `  seal: ${formatVerification(decision.verification)}`,
  ];
  if (decision.reason) lines.push(`  reason: ${showValue(decision.reason)}`);
  return textLines(lines);
}

export function formatReceiptList(receipts: StoredReceipt[]): string {
  if (receipts.length === 0) return "No receipts match.\n";
  return table(
    ["ID", "STATUS", "PROPOSAL", "TENANT", "EXECUTOR", "ROWS", "CODE", "CREATED"],
    receipts.map((r) => [
      r.id,
      r.receipt.status,
      r.proposalId,
      showValue(r.tenantId),
      `${r.executor.name} (${r.executor.type})`,
      String(r.receipt.rows_affected),
      r.receipt.safe_error_code ?? "-",
      r.createdAt,
    ]),
    "",
  );
}

export function formatReceipt(r: StoredReceipt): string {
  const x = r.receipt;
  const lines = [
    `Receipt ${r.id}: ${x.status}`,
    `  proposal: ${r.proposalId} (tenant ${showValue(r.tenantId)})`,
    `  job: ${r.jobId}`,
    `  executor: ${r.executor.name} (${r.executor.type})`,
    `  rows affected: ${x.rows_affected}; source database changed: ${mutationLabel(x.source_database_mutated)}`,
    `  version: ${showValue(x.previous_version)} -> ${showValue(x.new_version)}`,
  ];
  if (x.safe_error_code) lines.push(`  code: ${x.safe_error_code}`);
  lines.push(`  message: ${showValue(x.message)}`, `  recorded: ${r.createdAt}`);
  for (const effect of x.details.effects) lines.push(`  effect: ${showValue(effect)}`);
  // The handler reported more than a receipt keeps (receipts.md): what is shown is not all it did.
  if (x.details.truncated) lines.push("  (effects truncated)");
  return textLines(lines);
}

/** One line per event: time, id, type, proposal, then the detail's fields. */
export function formatEvent(event: LedgerEvent): string {
  const details = Object.entries(event.detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${showValue(v)}`)
    .join(" ");
  const refs = [event.proposalId, event.tenantId ? `tenant=${showValue(event.tenantId)}` : undefined].filter(Boolean).join(" ");
  return textLines([`${event.createdAt} #${event.id} ${event.type}${refs ? ` ${refs}` : ""}${details ? ` ${details}` : ""}`]);
}
