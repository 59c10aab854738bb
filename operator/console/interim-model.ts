// The review and outcome models built from the ledger alone: what the console shows until the
// real builders (review-model.ts, outcome-model.ts: the live row read through the reader, each
// guard evaluated now) land. Kept in this one file so the integrator swaps these two functions
// and nothing else. The live row is reported unavailable and every guard unknown: the console
// never claims a check it did not make.

import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { EvidenceBundle, ProposalState, StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import { FINAL_STATES } from "../../runtime/ledger/review-rules.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { compiledProposal } from "../apply/compiled-capability.ts";
import { proposalDiff } from "../review/diff.ts";
import { proposalHistory } from "../review/history.ts";
import { mutationLabel } from "../../runtime/executors/receipts.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import type { GuardCheck, OutcomeModel, ReviewModel, TimelineStep } from "./model.ts";
import { COMMENT_EVENT, type ConsoleModels } from "./model-source.ts";


export function interimModels(ledger: Ledger, plan: BuildPlan | null): ConsoleModels {
  return {
    review: (id) => interimReviewModel(ledger, id, plan),
    outcome: (id) => interimOutcomeModel(ledger, id),
  };
}

export async function interimReviewModel(ledger: Ledger, proposalId: string, plan: BuildPlan | null): Promise<ReviewModel | undefined> {
  const history = await proposalHistory(ledger, proposalId);
  if (!history) return undefined;
  const p = history.proposal;
  return {
    proposal: p,
    request: { capability: p.capability, args: p.args, tenantId: p.tenantId, principal: p.principal, createdAt: p.createdAt },
    evidence: [...(await earlierReads(ledger, p)), ...(history.evidence ? [history.evidence] : [])],
    live: { status: "unavailable", message: "The live row is not read yet in this version of the console; the diff shows the row as the agent saw it." },
    diff: proposalDiff(p).map((row) => ({ ...row, changedSinceProposal: false, patched: row.column in p.patch })),
    stale: false,
    guards: guardsOf(p, plan),
    plannedWrite: plannedWrite(p, plan),
    requiredRole: p.approval.requiredRole ?? null,
    deadline: null,
    decisions: history.decisions,
    receipts: history.receipts,
    events: history.events,
    blockedBecause: blockedBecause(p),
  };
}

/** How many of the agent's earlier reads of the same row the review page lists. */
const EARLIER_READS = 5;

/** The tenant's reads of the proposal's row before it was proposed, oldest first (the proposal's own read is linked separately). */
async function earlierReads(ledger: Ledger, p: StoredProposal): Promise<EvidenceBundle[]> {
  const table = tableLabel(p.target.schema, p.target.table);
  const reads = await ledger.reads.listEvidence({ tenantId: p.tenantId, limit: 500 });
  return reads
    .filter((e) => e.id !== p.evidenceId && (e.table === table || e.table === p.target.table) && e.objectIds.includes(p.target.primaryKey.value) && e.createdAt <= p.createdAt)
    .slice(0, EARLIER_READS)
    .reverse();
}

function guardsOf(p: StoredProposal, plan: BuildPlan | null): GuardCheck[] {
  // Unknown, not holds: without the live row there is nothing to check; the detail says what apply will require.
  const unknown = (id: string, label: string, what: string): GuardCheck => ({ id, label, status: "unknown", detail: what });
  const guards: GuardCheck[] = [
    unknown("tenant_scope", "Tenant scope", `The row must belong to tenant ${p.guards.tenant.value} (${p.guards.tenant.column}).`),
    unknown("primary_key", "One row by primary key", `Only the row ${p.target.primaryKey.column} = ${p.target.primaryKey.value} is written.`),
    unknown("allowed_columns", "Allowed columns", `Only ${Object.keys(p.patch).join(", ")} may change.`),
  ];
  const bounds = plan ? compiledProposal(plan, p.capability)?.proposal?.numericBounds ?? {} : {};
  for (const [column, b] of Object.entries(bounds)) {
    guards.push(unknown(`bounds:${column}`, `Bounds of ${column}`, `${column} must stay within ${b.minimum ?? "−∞"}…${b.maximum ?? "∞"}.`));
  }
  for (const t of p.guards.transitions ?? []) {
    guards.push(unknown(`transition:${t.column}`, `Status transition of ${t.column}`, `${t.column} must be one of ${t.from.join(", ")} to move to ${t.to.join(", ")}.`));
  }
  for (const pre of p.guards.preconditions ?? []) {
    guards.push(unknown(`precondition:${pre.column}`, `Precondition on ${pre.column}`, `${pre.column} must still be one of ${pre.oneOf.join(", ")}.`));
  }
  if (p.guards.conflict) {
    guards.push(unknown("conflict_column", "Unchanged since proposal", `${p.guards.conflict.column} must still be ${String(p.guards.conflict.expected)}.`));
  }
  guards.push(unknown("single_row", "Exactly one row", "The UPDATE must change exactly one row, or nothing is written."));
  return guards;
}

function plannedWrite(p: StoredProposal, plan: BuildPlan | null): ReviewModel["plannedWrite"] {
  if (p.executor.type !== "sql_update") {
    return { executor: p.executor, statement: null, note: `The app's ${p.executor.type.replace("_", " ")} ${p.executor.name} performs this write; the runner sends it the approved change set.` };
  }
  const write = plan ? compiledProposal(plan, p.capability)?.proposal?.write : undefined;
  if (!write) {
    return { executor: p.executor, statement: null, note: "The planned UPDATE is shown when the console is started with a config that compiles (pass --config and a schema)." };
  }
  return { executor: p.executor, statement: write.statements.update.text, note: "Exactly as the build planned it; apply binds the approved values into it and writes nothing else." };
}

function blockedBecause(p: StoredProposal): string | null {
  if (!p.verification.verified) return p.verification.message ?? "The proposal record does not verify against the ledger keys.";
  if (p.state === "review_required") return null;
  if (p.state === "approved" || p.state === "failed") return null;
  if (FINAL_STATES.has(p.state)) return STATE_WORDS[p.state];
  return null;
}

const STATE_WORDS: Record<ProposalState, string> = {
  review_required: "Waiting for a reviewer.",
  approved: "Approved; waiting to be applied from the CLI.",
  rejected: "Rejected: it can never be applied.",
  applied: "Applied: the change is in place and is never written again.",
  already_applied: "Already applied: the change was in place before this run.",
  conflict: "Conflict: the row changed after the proposal, so nothing was written. Have the agent read it again and propose anew.",
  failed: "The last apply failed; it may be retried from the CLI.",
  expired: "Expired: it can never be applied. Propose the change again.",
};

export async function interimOutcomeModel(ledger: Ledger, proposalId: string): Promise<OutcomeModel | undefined> {
  const history = await proposalHistory(ledger, proposalId);
  if (!history) return undefined;
  const p = history.proposal;
  const receipt = history.receipts.at(-1) ?? null;
  const steps: TimelineStep[] = [];
  for (const e of [...(await earlierReads(ledger, p)), ...(history.evidence ? [history.evidence] : [])]) {
    steps.push({ kind: "read", at: e.createdAt, actor: e.principal, role: null, summary: `Read ${e.rows.length} row${e.rows.length === 1 ? "" : "s"} of ${e.table} with ${e.capability}.`, ref: e.id });
  }
  steps.push({ kind: "propose", at: p.createdAt, actor: p.principal, role: null, summary: `Proposed ${Object.keys(p.patch).join(", ")} on ${tableLabel(p.target.schema, p.target.table)} ${p.target.primaryKey.value} with ${p.capability}.`, ref: p.hash });
  for (const d of history.decisions) {
    steps.push({ kind: "decide", at: d.createdAt, actor: d.actor, role: d.role, summary: d.decision === "approved" ? "Approved." : `Rejected: ${d.reason ?? ""}`, ref: d.id });
  }
  for (const e of history.events.filter((x) => x.type === COMMENT_EVENT)) {
    steps.push({ kind: "event", at: e.createdAt, actor: typeof e.detail.actor === "string" ? e.detail.actor : null, role: null, summary: `Commented: ${String(e.detail.text ?? "")}`, ref: null });
  }
  for (const j of history.jobs) {
    steps.push({ kind: "job", at: j.createdAt, actor: "synapsor-runner apply", role: null, summary: `Sent the approved change set to ${p.executor.name} (${p.executor.type}).`, ref: j.id });
  }
  for (const r of history.receipts) {
    steps.push({ kind: "receipt", at: r.createdAt, actor: r.executor.name, role: null, summary: receiptWords(r, p), ref: r.id });
  }
  for (const e of history.events.filter((x) => x.type === "proposal_expired")) {
    steps.push({ kind: "event", at: e.createdAt, actor: null, role: null, summary: `Expired (${String(e.detail.reason ?? "no reason recorded")}).`, ref: null });
  }
  steps.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { proposalId: p.id, state: p.state, receiptSummary: receipt ? receiptWords(receipt, p) : null, receipt, timeline: steps };
}

/** A receipt as one sentence a reviewer reads without knowing the receipt format. */
export function receiptWords(r: StoredReceipt, p: StoredProposal): string {
  const x = r.receipt;
  const table = tableLabel(p.target.schema, p.target.table);
  const versions = x.previous_version !== null && x.previous_version !== undefined ? `; version ${String(x.previous_version)} → ${String(x.new_version)}` : "";
  switch (x.status) {
    case "applied":
      return `Applied: ${x.rows_affected} row${x.rows_affected === 1 ? "" : "s"} changed in ${table}${versions}. Source database changed: ${mutationLabel(x.source_database_mutated)}.`;
    case "already_applied":
      return `Already applied: this change was written before, so nothing was written again. Source database changed: ${mutationLabel(x.source_database_mutated)}.`;
    case "conflict":
      return `Conflict: the row no longer matched the proposal, so nothing was written${x.safe_error_code ? ` (${x.safe_error_code})` : ""}.`;
    default:
      return `Failed${x.safe_error_code ? ` (${x.safe_error_code})` : ""}: ${x.message}. Source database changed: ${mutationLabel(x.source_database_mutated)}.`;
  }
}
