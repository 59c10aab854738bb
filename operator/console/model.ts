// What the review console shows, as plain data: the server renders it to HTML (render/), the
// model builders (review-model.ts, outcome-model.ts) fill it from the ledger, the compiled plan
// and the live row. Values are the stored or live values as they are; escaping is the
// renderer's job, once, at the edge.

import type { Decision, EvidenceBundle, LedgerEvent, ProposalState, StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";

/** One guard of the compiled capability, evaluated against the live row at review time. */
export interface GuardCheck {
  /** Stable id: tenant_scope, allowed_columns, bounds:<column>, transition:<column>, precondition:<column>, conflict_column, idempotency_key, primary_key, single_row. */
  id: string;
  /** Short human label, e.g. "Tenant scope". */
  label: string;
  /** holds: true now; fails: false now (apply would refuse or conflict); unknown: could not be evaluated (live row unavailable). */
  status: "holds" | "fails" | "unknown";
  /** One sentence saying what was checked and what was found, e.g. "fee_cents 0 is within 0…5000 (0% of the range used)". */
  detail: string;
}

/** One column of the diff: before (at proposal) → proposed → now (live, at review time). */
export interface DiffColumn {
  column: string;
  before: unknown;
  proposed: unknown;
  /** The live value; undefined when there is no live row (missing, or not read). */
  now?: unknown;
  /** True when now differs from before (the row changed since the proposal). */
  changedSinceProposal: boolean;
  /** True for the columns the proposal patches. */
  patched: boolean;
}

export type LiveRow =
  | { status: "read"; row: Record<string, unknown>; readAt: string }
  /** The row is gone, or no longer in the proposal's tenant. */
  | { status: "missing"; readAt: string }
  /** The source could not be read (no read URL in the environment, database down...): a safe message, never driver text. */
  | { status: "unavailable"; message: string };

export interface ReviewModel {
  proposal: StoredProposal;
  /** The agent's request: capability, arguments, trusted tenant and principal, time. */
  request: { capability: string; args: Record<string, unknown>; tenantId: string; principal: string; createdAt: string };
  /** The evidence rows the agent read before proposing (the linked bundle and the tenant's earlier reads of the same object). */
  evidence: EvidenceBundle[];
  live: LiveRow;
  diff: DiffColumn[];
  /** True when any visible column of the live row differs from the before-row, or the row is missing: the approval would go stale. */
  stale: boolean;
  guards: GuardCheck[];
  /** The planned UPDATE exactly as the build fixed it (sql_update), or a sentence naming the handler executor. */
  plannedWrite: { executor: StoredProposal["executor"]; statement: string | null; note: string };
  /** The role approval requires (null: any reviewer). */
  requiredRole: string | null;
  /** When a pending proposal expires, or an approval stops being valid; null when no TTL is configured. */
  deadline: { kind: "review" | "approval"; at: string } | null;
  decisions: Decision[];
  receipts: StoredReceipt[];
  events: LedgerEvent[];
  /** Why the proposal can no longer be approved or applied, in plain words; null when it can. */
  blockedBecause: string | null;
}

export interface TimelineStep {
  kind: "read" | "propose" | "decide" | "job" | "receipt" | "event";
  at: string;
  actor: string | null;
  role: string | null;
  /** One line in plain words. */
  summary: string;
  /** Hash or id that binds this step (evidence id, proposal hash, approval id, job id, receipt id). */
  ref: string | null;
}

export interface OutcomeModel {
  proposalId: string;
  state: ProposalState;
  /** The receipt in plain words, e.g. "Applied: 1 row changed in public.invoices; version 7 → 8." Null before any receipt. */
  receiptSummary: string | null;
  receipt: StoredReceipt | null;
  timeline: TimelineStep[];
}
