// What happened to a proposal, for the console's outcome view: the receipt in plain words and the
// timeline read → propose → decide → job → receipt (and any other event), each step with its
// actor, role, time and the hash or id that binds it. Built from the replay (replay.ts), so the
// console, `replay show` and the export tell the same story from the same records.

import { mutationLabel } from "../../runtime/executors/receipts.ts";
import type { StoredReceipt } from "../../runtime/ledger/records.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { proposalHistory, type ProposalHistory } from "../review/history.ts";
import { buildReplay, type Replay } from "../review/replay.ts";
import type { OutcomeModel, TimelineStep } from "./model.ts";

// The events the other steps already tell; every other event becomes a step of its own.
const TOLD = new Set(["proposal_created", "proposal_approved", "proposal_rejected", "writeback_job_created", "writeback_applied", "writeback_already_applied", "writeback_conflict", "writeback_failed"]);

const ORDER: Record<TimelineStep["kind"], number> = { read: 0, propose: 1, decide: 2, job: 3, receipt: 4, event: 5 };

/** The outcome of a proposal in the ledger; undefined when there is no such proposal. */
export async function outcomeFor(ledger: Ledger, proposalId: string): Promise<OutcomeModel | undefined> {
  const history = await proposalHistory(ledger, proposalId);
  return history && buildOutcomeModel(history);
}

export function buildOutcomeModel(history: ProposalHistory): OutcomeModel {
  const replay = buildReplay(history);
  const receipt = replay.receipts.at(-1) ?? null;
  return {
    proposalId: replay.proposalId,
    state: replay.state,
    receiptSummary: receipt ? receiptInWords(receipt, replay) : null,
    receipt,
    timeline: timelineOf(replay),
  };
}

/** One receipt as a sentence or two: status, rows, table, versions, whether the source changed, the safe code. */
export function receiptInWords(stored: StoredReceipt, replay: Pick<Replay, "proposal">): string {
  const r = stored.receipt;
  const table = tableLabel(replay.proposal.target.schema, replay.proposal.target.table);
  const rows = `${r.rows_affected} row${r.rows_affected === 1 ? "" : "s"}`;
  const versions = r.previous_version !== null || r.new_version !== null ? `; version ${word(r.previous_version)} → ${word(r.new_version)}` : "";
  const changed = `Source database changed: ${mutationLabel(r.source_database_mutated)}.`;
  const code = r.safe_error_code ? ` (code ${r.safe_error_code})` : "";
  switch (r.status) {
    case "applied":
      return `Applied by ${stored.executor.name}: ${rows} changed in ${table}${versions}. ${changed}`;
    case "already_applied":
      return `Already applied: this change was in place before, nothing was written again${versions}. ${changed}`;
    case "conflict":
      return `Conflict${code}: the row in ${table} changed after the proposal; no write was applied${versions}. ${changed}`;
    case "failed":
      return `Failed${code}: ${rows} changed in ${table}. ${changed} ${r.message}`;
  }
}

function timelineOf(replay: Replay): TimelineStep[] {
  const p = replay.proposal;
  const { principal } = replay.trustedContext;
  const steps: TimelineStep[] = [];
  const bundle = replay.evidence.bundle;
  if (bundle) {
    steps.push({
      kind: "read",
      at: bundle.createdAt,
      actor: bundle.principal,
      role: null,
      summary: `${bundle.capability} read ${bundle.rows.length} row${bundle.rows.length === 1 ? "" : "s"} of ${bundle.table} (${bundle.objectIds.join(", ") || "no object"}) in tenant ${bundle.tenantId}.`,
      ref: bundle.id,
    });
  }
  steps.push({
    kind: "propose",
    at: p.createdAt,
    actor: principal,
    role: null,
    summary: `Proposed ${Object.keys(p.patch).join(", ")} on ${tableLabel(p.target.schema, p.target.table)} ${p.target.primaryKey.value} in tenant ${replay.trustedContext.tenantId}, from evidence ${replay.evidence.bundleId}.`,
    ref: p.hash,
  });
  const d = replay.decision;
  if (d) {
    steps.push({
      kind: "decide",
      at: d.createdAt,
      actor: d.actor,
      role: d.role,
      summary: `${d.decision === "approved" ? "Approved" : "Rejected"} by ${d.actor}${d.role ? ` (role ${d.role})` : ""} outside MCP, bound to proposal hash ${d.proposalHash}${d.reason ? `; reason: ${d.reason}` : ""}.`,
      ref: d.id,
    });
  }
  for (const job of replay.writebackJobs) {
    // Apply issues the job; who ran apply is not recorded, the approval it carries is.
    const approval = job.request.approval as { actor?: unknown } | undefined;
    const carries = typeof approval?.actor === "string" ? `, carrying the approval of ${approval.actor}` : "";
    steps.push({
      kind: "job",
      at: job.createdAt,
      actor: null,
      role: null,
      summary: `Writeback job sent to ${p.executor.name} (${p.executor.type}) with idempotency key ${String(job.request.idempotency_key ?? "none")}${carries}.`,
      ref: job.id,
    });
  }
  for (const r of replay.receipts) {
    steps.push({ kind: "receipt", at: r.createdAt, actor: r.executor.name, role: null, summary: receiptInWords(r, replay), ref: r.id });
  }
  for (const e of replay.events) {
    if (TOLD.has(e.type)) continue;
    const actor = typeof e.detail.actor === "string" ? e.detail.actor : null;
    const role = typeof e.detail.role === "string" ? e.detail.role : null;
    // A reason (expiry, refusal) or a reviewer's comment text says what the event was about.
    const said = typeof e.detail.reason === "string" ? e.detail.reason : typeof e.detail.text === "string" ? e.detail.text : undefined;
    const reason = said === undefined ? "" : `: ${said}`;
    steps.push({ kind: "event", at: e.createdAt, actor, role, summary: `${e.type.replace(/_/g, " ")}${reason}.`, ref: `event ${e.id}` });
  }
  // Stable: steps at the same instant keep the story's order.
  return steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => (a.step.at < b.step.at ? -1 : a.step.at > b.step.at ? 1 : ORDER[a.step.kind] - ORDER[b.step.kind] || a.index - b.index))
    .map(({ step }) => step);
}

function word(value: unknown): string {
  return value === null || value === undefined ? "none" : typeof value === "string" ? value : JSON.stringify(value);
}
