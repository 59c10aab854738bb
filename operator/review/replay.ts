// Replay: the story of one proposal in the order it happened, from the trusted context the
// server bound to the receipts the executor returned. Built only from what the ledger
// captured (the source database is not read again), and the ledger holds no secrets.

import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import type { Decision, EvidenceBundle, LedgerEvent, ProposalState, StoredProposal, StoredReceipt, WritebackJob } from "../../runtime/ledger/records.ts";
import { diffObject, proposalDiff, type DiffRow } from "./diff.ts";
import { approvalRequirement, showValue, targetLabel } from "./format.ts";
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
    writebackJobs: history.jobs,
    receipts: history.receipts,
    events: history.events,
  };
}

/**
 * Markdown for a ticket or an incident review; also what `replay show` prints. Every line is
 * control- and bidi-safe (terminalSafe), so a ledger value can neither drive a terminal nor start a
 * line of its own (a heading, a fake section); table cells also escape `|` and `\`. Other Markdown
 * in values (backticks, emphasis, links, HTML) is not escaped yet.
 */
export function replayMarkdown(replay: Replay): string {
  const p = replay.proposal;
  const out: string[] = [];
  out.push(`# Replay of proposal ${replay.proposalId}`, "", `Current state: **${replay.state}**`, "");
  if (!replay.verified) {
    out.push("> **NOT VERIFIED.** Some of these records do not match their keyed MAC (or predate keyed MACs): they may have been",
      "> changed outside synapsor-runner. Do not rely on this replay; sections 3 and 4 say which record and why.", "");
  }

  out.push("## 1. Trusted context", "");
  out.push("Bound by the server from its configuration, never taken from the model.", "");
  out.push(`- Tenant: \`${replay.trustedContext.tenantId}\``);
  out.push(`- Principal: \`${replay.trustedContext.principal}\``);
  out.push(`- Source: \`${replay.trustedContext.source}\``);
  out.push(`- Capability: \`${replay.trustedContext.capability}\``, "");

  out.push("## 2. Evidence", "");
  const bundle = replay.evidence.bundle;
  if (!bundle) {
    out.push(`Evidence bundle \`${replay.evidence.bundleId}\` is not in this store (pruned, or another tenant's).`, "");
  } else {
    out.push(`Bundle \`${bundle.id}\` (query audit \`${bundle.queryAuditId}\`), read by \`${bundle.capability}\` from \`${bundle.table}\` at ${bundle.createdAt}.`);
    out.push(`Arguments: \`${JSON.stringify(bundle.args)}\``, "");
    out.push(...markdownRows(bundle.rows), "");
  }

  out.push("## 3. Proposal", "");
  out.push(`Proposed at ${p.createdAt} on ${targetLabel(p.target)}.`);
  out.push(`Hash \`${p.hash}\` ${p.hashVerified ? "(matches the stored change set)" : "(**does not match the stored change set: the row was altered**)"}.`);
  out.push(p.verification.verified ? `Sealed with key \`${p.verification.keyId}\`: verified.` : `**Not verified:** ${p.verification.message}`, "");
  out.push(...markdownTable(["Column", "Before", "Proposed"], diffRows(p.diff).map((r) => [r.column, showValue(r.before), showValue(r.proposed)])), "");
  out.push("Guards checked at apply time:", "");
  out.push(`- tenant: \`${p.guards.tenant.column}\` = \`${p.guards.tenant.value}\``);
  out.push(p.guards.conflict
    ? `- version: \`${p.guards.conflict.column}\` must still be \`${showValue(p.guards.conflict.expected)}\``
    : "- version: none");
  for (const t of p.guards.transitions ?? []) {
    out.push(`- transition: \`${t.column}\` from ${t.from.map((v) => `\`${showValue(v)}\``).join(", ")} to ${t.to.map((v) => `\`${showValue(v)}\``).join(", ")}`);
  }
  out.push("", `Approval required from ${approvalRequirement(p.approvalRequired)}; executor \`${p.executor.name}\` (${p.executor.type}).`, "");

  out.push("## 4. Decision", "");
  const d = replay.decision;
  const expiry = replay.events.find((e) => e.type === "proposal_expired");
  if (!d) out.push(expiry ? "No decision was taken." : "No decision yet: the proposal is waiting for review.");
  else {
    out.push(`**${d.decision}** by \`${d.actor}\`${d.role ? ` (role \`${d.role}\`)` : ""} at ${d.createdAt}, bound to hash \`${d.proposalHash}\`.`);
    out.push(d.verification.verified ? `Sealed with key \`${d.verification.keyId}\`: verified.` : `**Not verified:** ${d.verification.message}`);
    if (d.reason) out.push(`Reason: ${d.reason}`);
  }
  if (expiry) out.push(`Expired at ${expiry.createdAt} (${showValue(expiry.detail.reason)}): it can never be applied.`);
  out.push("");

  out.push("## 5. Writeback job", "");
  if (replay.writebackJobs.length === 0) out.push("No writeback job was created.", "");
  for (const job of replay.writebackJobs) {
    out.push(`Job \`${job.id}\` created at ${job.createdAt}, idempotency key \`${String(job.request.idempotency_key ?? "")}\`:`, "");
    out.push("```json", ...JSON.stringify(job.request, null, 2).split("\n"), "```", "");
  }

  out.push("## 6. Receipts", "");
  if (replay.receipts.length === 0) out.push("No receipt: nothing was applied.", "");
  for (const r of replay.receipts) {
    const x = r.receipt;
    out.push(`- \`${r.id}\` at ${r.createdAt}: **${x.status}** by \`${r.executor.name}\` (${r.executor.type}); ` +
      `rows affected ${x.rows_affected}; source database changed: ${mutationLabel(x.source_database_mutated)}; ` +
      `version ${showValue(x.previous_version)} → ${showValue(x.new_version)}${x.safe_error_code ? `; code \`${x.safe_error_code}\`` : ""}. ${x.message}`);
  }
  if (replay.receipts.length > 0) out.push("");

  out.push("## 7. Events", "");
  out.push(...markdownTable(["#", "Time", "Event", "Detail"], replay.events.map((e) => [String(e.id), e.createdAt, e.type, compactDetail(e.detail)])), "");
  // Each entry of `out` is one line: a newline inside a value is escaped, never a line break.
  return out.map(terminalSafe).join("\n");
}

function diffRows(diff: Replay["proposal"]["diff"]): DiffRow[] {
  return Object.entries(diff).map(([column, v]) => ({ column, before: v.before, proposed: v.proposed }));
}

function compactDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}=${showValue(v)}`).join(", ");
}

function markdownRows(rows: Record<string, unknown>[]): string[] {
  if (rows.length === 0) return ["The read returned no rows."];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return markdownTable(columns, rows.map((r) => columns.map((c) => showValue(r[c]))));
}

function markdownTable(header: string[], rows: string[][]): string[] {
  const cell = (text: string) => terminalSafe(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
  return [
    `| ${header.map(cell).join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ];
}
