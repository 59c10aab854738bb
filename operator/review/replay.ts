// Replay: the story of one proposal in the order it happened, from the trusted context the
// server bound to the receipts the executor returned. Built only from what the ledger
// captured (the source database is not read again), and the ledger holds no secrets.

import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { markdownCode, markdownCodeBlock, markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalName, terminalSafe, terminalSafeJson } from "../../runtime/text/terminal-safe.ts";
import type { Decision, EstablishedBy, EvidenceBundle, LedgerEvent, ProposalState, StoredProposal, StoredReceipt, WritebackJob } from "../../runtime/ledger/records.ts";
import { diffObject, proposalDiff, type DiffRow } from "./diff.ts";
import { approvalRequirement, establishedText, showValue, targetLabel } from "./format.ts";
import type { ProposalHistory } from "./history.ts";
import { mutationLabel } from "../../runtime/executors/receipts.ts";

export const REPLAY_FORMAT = "synapsor.replay.v1";

/** Keys are in story order, so the JSON reads top to bottom like the Markdown. */
export interface Replay {
  format: typeof REPLAY_FORMAT;
  proposalId: string;
  state: ProposalState;
  /** True only when the proposal, its state and its decision all verify against the ledger keys. */
  verified: boolean;
  trustedContext: { tenantId: string; principal: string; source: string; capability: string };
  evidence: { bundleId: string; bundle: EvidenceBundle | null };
  proposal: {
    id: string;
    createdAt: string;
    hash: string;
    /** False when the stored change set no longer hashes to `hash` (the row was altered). */
    hashVerified: boolean;
    /** The keyed MAC check of the proposal record and its state; `verified: false` means do not trust this replay. */
    verification: StoredProposal["verification"];
    target: StoredProposal["target"];
    diff: Record<string, { before: unknown; proposed: unknown }>;
    before: Record<string, unknown>;
    patch: StoredProposal["patch"];
    after: Record<string, unknown>;
    guards: StoredProposal["guards"];
    args: Record<string, unknown>;
    approvalRequired: StoredProposal["approval"];
    executor: StoredProposal["executor"];
  };
  decision: Decision | null;
  /** How the deciding reviewer was established; `selfDeclared`: their name and role were typed and checked against nothing. Null before a decision. */
  reviewer: { establishedBy: EstablishedBy; selfDeclared: boolean } | null;
  writebackJobs: WritebackJob[];
  receipts: StoredReceipt[];
  events: LedgerEvent[];
}

export function buildReplay(history: ProposalHistory): Replay {
  const p = history.proposal;
  return {
    format: REPLAY_FORMAT,
    proposalId: p.id,
    state: p.state,
    verified: p.verification.verified && history.decisions.every((d) => d.verification.verified),
    trustedContext: { tenantId: p.tenantId, principal: p.principal, source: p.source, capability: p.capability },
    evidence: { bundleId: p.evidenceId, bundle: history.evidence },
    proposal: {
      id: p.id,
      createdAt: p.createdAt,
      hash: p.hash,
      hashVerified: changeSetHash(p) === p.hash,
      verification: p.verification,
      target: p.target,
      diff: diffObject(proposalDiff(p)),
      before: p.before,
      patch: p.patch,
      after: p.after,
      guards: p.guards,
      args: p.args,
      approvalRequired: p.approval,
      executor: p.executor,
    },
    decision: history.decisions[0] ?? null,
    reviewer: reviewerOf(history.decisions[0]),
    writebackJobs: history.jobs,
    receipts: history.receipts,
    events: history.events,
  };
}

/**
 * Markdown for a ticket or an incident review; also what `replay show` prints. Every value is
 * rendered once to display text (showValue, terminalName: visible escapes, as the terminal shows
 * them) and placed with runtime/text/markdown-safe.ts: in prose and table cells every inline
 * Markdown character is backslash-escaped, code spans and fences are longer than any backtick run
 * inside. So a value can neither drive a terminal nor create a link, HTML, an entity, emphasis, a
 * cell or a line of its own; each line is guarded again on the way out.
 */
export function replayMarkdown(replay: Replay): string {
  const p = replay.proposal;
  const text = (value: unknown) => markdownText(showValue(value));
  const code = (value: unknown) => markdownCode(showValue(value));
  const name = (column: string) => markdownCode(terminalName(column));
  const out: string[] = [];
  out.push(`# Replay of proposal ${text(replay.proposalId)}`, "", `Current state: **${text(replay.state)}**`, "");
  if (!replay.verified) {
    out.push("> **NOT VERIFIED.** Some of these records do not match their keyed MAC (or predate keyed MACs): they may have been",
      "> changed outside synapsor-runner. Do not rely on this replay; sections 3 and 4 say which record and why.", "");
  }

  out.push("## 1. Trusted context", "");
  out.push("Bound by the server from its configuration, never taken from the model.", "");
  out.push(`- Tenant: ${code(replay.trustedContext.tenantId)}`);
  out.push(`- Principal: ${code(replay.trustedContext.principal)}`);
  out.push(`- Source: ${code(replay.trustedContext.source)}`);
  out.push(`- Capability: ${code(replay.trustedContext.capability)}`, "");

  out.push("## 2. Evidence", "");
  const bundle = replay.evidence.bundle;
  if (!bundle) {
    out.push(`Evidence bundle ${code(replay.evidence.bundleId)} is not in this store (pruned, or another tenant's).`, "");
  } else {
    out.push(`Bundle ${code(bundle.id)} (query audit ${code(bundle.queryAuditId)}), read by ${code(bundle.capability)} from ${code(bundle.table)} at ${text(bundle.createdAt)}.`);
    out.push(`Arguments: ${code(bundle.args)}`, "");
    out.push(...markdownRows(bundle.rows), "");
  }

  out.push("## 3. Proposal", "");
  out.push(`Proposed at ${text(p.createdAt)} on ${markdownText(targetLabel(p.target))}.`);
  out.push(`Hash ${code(p.hash)} ${p.hashVerified ? "(matches the stored change set)" : "(**does not match the stored change set: the row was altered**)"}.`);
  out.push(p.verification.verified ? `Sealed with key ${code(p.verification.keyId)}: verified.` : `**Not verified:** ${text(p.verification.message)}`, "");
  out.push(...markdownTable(["Column", "Before", "Proposed"], diffRows(p.diff).map((r) => [terminalName(r.column), showValue(r.before), showValue(r.proposed)])), "");
  out.push("Guards checked at apply time:", "");
  out.push(`- tenant: ${name(p.guards.tenant.column)} = ${code(p.guards.tenant.value)}`);
  out.push(p.guards.conflict
    ? `- version: ${name(p.guards.conflict.column)} must still be ${code(p.guards.conflict.expected)}`
    : "- version: none");
  for (const t of p.guards.transitions ?? []) {
    out.push(`- transition: ${name(t.column)} from ${t.from.map(code).join(", ")} to ${t.to.map(code).join(", ")}`);
  }
  for (const pre of p.guards.preconditions ?? []) {
    out.push(`- precondition: ${name(pre.column)} is ${pre.oneOf.map(code).join(", ")} (read only)`);
  }
  out.push("", `Approval required from ${markdownText(approvalRequirement(p.approvalRequired))}; executor ${code(p.executor.name)} (${text(p.executor.type)}).`, "");

  out.push("## 4. Decision", "");
  const d = replay.decision;
  const expiry = replay.events.find((e) => e.type === "proposal_expired");
  if (!d) out.push(expiry ? "No decision was taken." : "No decision yet: the proposal is waiting for review.");
  else {
    out.push(`**${text(d.decision)}** by ${code(d.actor)}${d.role ? ` (role ${code(d.role)})` : ""} at ${text(d.createdAt)}, bound to hash ${code(d.proposalHash)}.`);
    // Said plainly, in bold, when nobody checked who the reviewer was or which role they hold.
    out.push(replay.reviewer?.selfDeclared ? `**Reviewer and role were self-declared:** ${text(establishedText(d.establishedBy))}.` : `Reviewer: ${text(establishedText(d.establishedBy))}.`);
    out.push(d.verification.verified ? `Sealed with key ${code(d.verification.keyId)}: verified.` : `**Not verified:** ${text(d.verification.message)}`);
    if (d.reason) out.push(`Reason: ${text(d.reason)}`);
  }
  if (expiry) out.push(`Expired at ${text(expiry.createdAt)} (${text(expiryReasonText(expiry.detail))}): it can never be applied.`);
  out.push("");

  out.push("## 5. Writeback job", "");
  if (replay.writebackJobs.length === 0) out.push("No writeback job was created.", "");
  for (const job of replay.writebackJobs) {
    out.push(`Job ${code(job.id)} created at ${text(job.createdAt)}, idempotency key ${code(String(job.request.idempotency_key ?? ""))}:`, "");
    out.push(...markdownCodeBlock("json", terminalSafeJson(JSON.stringify(job.request, null, 2))), "");
  }

  out.push("## 6. Receipts", "");
  if (replay.receipts.length === 0) out.push("No receipt: nothing was applied.", "");
  for (const r of replay.receipts) {
    const x = r.receipt;
    out.push(`- ${code(r.id)} at ${text(r.createdAt)}: **${text(x.status)}** by ${code(r.executor.name)} (${text(r.executor.type)}); ` +
      `rows affected ${text(x.rows_affected)}; source database changed: ${text(mutationLabel(x.source_database_mutated))}; ` +
      `version ${text(x.previous_version)} → ${text(x.new_version)}${x.safe_error_code ? `; code ${code(x.safe_error_code)}` : ""}. ${text(x.message)}` +
      (x.details.truncated ? " (effects truncated)" : ""));
  }
  if (replay.receipts.length > 0) out.push("");

  out.push("## 7. Events", "");
  out.push(...markdownTable(["#", "Time", "Event", "Detail"], replay.events.map((e) => [String(e.id), showValue(e.createdAt), showValue(e.type), compactDetail(e.detail)])), "");
  // Each entry of `out` is one line: a newline inside a value is escaped, never a line break.
  return out.map(terminalSafe).join("\n");
}

function diffRows(diff: Replay["proposal"]["diff"]): DiffRow[] {
  return Object.entries(diff).map(([column, v]) => ({ column, before: v.before, proposed: v.proposed }));
}

function compactDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${terminalName(k)}=${showValue(v)}`).join(", ");
}

export function markdownRows(rows: Record<string, unknown>[]): string[] {
  if (rows.length === 0) return ["The read returned no rows."];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return markdownTable(columns.map(terminalName), rows.map((r) => columns.map((c) => showValue(r[c]))));
}

/** A table of display text (already rendered by showValue or terminalName); each cell is escaped for Markdown. */
export function markdownTable(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.map(markdownText).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(markdownText).join(" | ")} |`),
  ];
}

function reviewerOf(decision: Decision | undefined): Replay["reviewer"] {
  if (!decision) return null;
  // Decisions stored before established_by was kept were all taken with a typed --actor.
  const establishedBy = decision.establishedBy ?? "self_declared";
  return { establishedBy, selfDeclared: establishedBy === "self_declared" };
}

const EXPIRY_REASONS: Record<string, string> = {
  review_deadline_passed: "its review deadline passed before anyone decided",
  approval_window_passed: "its approval window passed before it was applied",
  stale_plan: "its capability no longer compiles to the plan it was made under",
};

/** Why a proposal expired, in words; an unknown reason (the detail is ledger text) is shown as it is. */
function expiryReasonText(detail: Record<string, unknown>): string {
  const reason = detail.reason;
  const known = typeof reason === "string" && Object.hasOwn(EXPIRY_REASONS, reason) ? EXPIRY_REASONS[reason]! : undefined;
  const at = detail.reason === "review_deadline_passed" ? detail.expiresAt : detail.reason === "approval_window_passed" ? detail.validUntil : undefined;
  // The stable reason code first (what events and webhooks carry), then what it means.
  return known ? `${reason}: ${known}${typeof at === "string" ? `, ${showValue(at)}` : ""}` : showValue(reason);
}
