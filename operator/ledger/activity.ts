// `activity search`: one newest-first timeline of what the ledger holds about a tenant, an object,
// a table … : the reads (each with its query audit and, usually, its evidence bundle), the
// proposals, the decisions taken on them, their receipts and the other lifecycle events. Read
// only, and built from the ledger alone (the source database is not read).

import type { Ledger } from "../../runtime/ledger/ports.ts";
import { LIST_LIMIT } from "../../runtime/ledger/ports.ts";
import type { LedgerEvent, ProposalFilter, ReadFilter, StoredProposal } from "../../runtime/ledger/records.ts";
import { DECISION_EVENTS, RECEIPT_EVENTS } from "../../runtime/ledger/review-rules.ts";
import { showValue, targetLabel } from "../review/format.ts";

export type ActivityKind = "read" | "proposal" | "decision" | "receipt" | "event";

/** One line of the timeline; `summary` is display text (each value already rendered by showValue). */
export interface ActivityEntry {
  kind: ActivityKind;
  /** ev_… for a read with evidence (qa_… without), wrp_…, apr_…, rcp_…, or the event's number. */
  id: string;
  created_at: string;
  tenant_id: string | null;
  capability: string | null;
  proposal_id: string | null;
  evidence_id: string | null;
  query_audit_id: string | null;
  /** Reads: ok or error; proposals: their state; decisions: approved or rejected; receipts: their status; events: their type. */
  status: string;
  /** False when a proposal or decision does not verify against the ledger keys; null where nothing is sealed. */
  verified: boolean | null;
  summary: string;
}

/**
 * Events that repeat a record the timeline already shows (the proposal, its decision, its
 * receipt) are left out; the rest (writeback_job_created, proposal_expired,
 * writeback_late_receipt, …) are what only the event log knows.
 */
const SHOWN_AS_RECORDS: ReadonlySet<string> = new Set(["proposal_created", ...Object.values(DECISION_EVENTS), ...Object.values(RECEIPT_EVENTS)]);

/** Same instant: the order things happen in, so the reversed timeline still reads as a story. */
const STORY_ORDER: Record<ActivityKind, number> = { read: 0, proposal: 1, decision: 2, event: 3, receipt: 4 };

/**
 * The timeline for `filter`, newest first, at most `filter.limit` entries. Proposals are matched
 * on everything but the time range (a proposal made before --since can have a decision after it),
 * then every entry is kept or dropped on its own time. At most LIST_LIMIT proposals are scanned.
 */
export async function searchActivity(ledger: Ledger, filter: ReadFilter): Promise<ActivityEntry[]> {
  const limit = filter.limit ?? 50;
  const inRange = (at: string) => (filter.since === undefined || at >= filter.since) && (filter.until === undefined || at <= filter.until);
  const { since: _since, limit: _limit, evidenceId: _evidence, outcome: _outcome, ...matching } = filter;
  const proposalFilter: ProposalFilter = { ...matching, limit: LIST_LIMIT };

  const [reads, proposals] = await Promise.all([ledger.reads.listQueryAudit(filter), ledger.proposals.list(proposalFilter)]);
  const entries: ActivityEntry[] = reads.map((q) => ({
    kind: "read",
    id: q.evidenceId ?? q.id,
    created_at: q.createdAt,
    tenant_id: q.tenantId,
    capability: q.capability,
    proposal_id: null,
    evidence_id: q.evidenceId,
    query_audit_id: q.id,
    status: q.outcome,
    verified: null,
    summary: q.outcome === "ok"
      ? `read ${q.rowCount} row${q.rowCount === 1 ? "" : "s"} from ${showValue(q.table)} (${showValue(q.source)})`
      : `failed with ${showValue(q.errorCode ?? "")}`,
  }));
  for (const p of proposals) entries.push(...(await proposalActivity(ledger, p)).filter((e) => inRange(e.created_at)));

  entries.sort((a, b) => (a.created_at === b.created_at ? STORY_ORDER[b.kind] - STORY_ORDER[a.kind] : a.created_at < b.created_at ? 1 : -1));
  return entries.slice(0, limit);
}

async function proposalActivity(ledger: Ledger, p: StoredProposal): Promise<ActivityEntry[]> {
  const [decisions, receipts, events] = await Promise.all([
    ledger.proposals.decisions(p.id),
    ledger.writeback.listReceipts({ proposalId: p.id, limit: LIST_LIMIT }),
    ledger.events.list({ proposalId: p.id, afterId: 0, limit: LIST_LIMIT }),
  ]);
  const about = { tenant_id: p.tenantId, capability: p.capability, proposal_id: p.id, evidence_id: p.evidenceId, query_audit_id: null };
  const entries: ActivityEntry[] = [{
    kind: "proposal",
    id: p.id,
    created_at: p.createdAt,
    ...about,
    status: p.state,
    verified: p.verification.verified,
    summary: `proposed a change to ${targetLabel(p.target)}, now ${showValue(p.state)}${p.verification.verified ? "" : " (NOT VERIFIED)"}`,
  }];
  for (const d of decisions) {
    entries.push({
      kind: "decision",
      id: d.id,
      created_at: d.createdAt,
      ...about,
      status: d.decision,
      verified: d.verification.verified,
      summary: `${d.decision} by ${showValue(d.actor)}${d.role ? ` (role ${showValue(d.role)})` : ""}${d.reason ? `: ${showValue(d.reason)}` : ""}` +
        (d.verification.verified ? "" : " (NOT VERIFIED)"),
    });
  }
  for (const r of receipts) {
    const x = r.receipt;
    entries.push({
      kind: "receipt",
      id: r.id,
      created_at: r.createdAt,
      ...about,
      status: x.status,
      verified: null,
      summary: `${x.status} by ${showValue(r.executor.name)}, ${x.rows_affected} row${x.rows_affected === 1 ? "" : "s"} affected` +
        (x.safe_error_code ? ` (${showValue(x.safe_error_code)})` : ""),
    });
  }
  for (const e of events.filter((event) => !SHOWN_AS_RECORDS.has(event.type))) entries.push(eventEntry(e, p));
  return entries;
}

function eventEntry(e: LedgerEvent, p: StoredProposal): ActivityEntry {
  const detail = Object.entries(e.detail).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${showValue(k)}=${showValue(v)}`);
  return {
    kind: "event",
    id: String(e.id),
    created_at: e.createdAt,
    tenant_id: e.tenantId ?? p.tenantId,
    capability: p.capability,
    proposal_id: p.id,
    evidence_id: null,
    query_audit_id: null,
    status: e.type,
    verified: null,
    summary: `${showValue(e.type)}${detail.length ? ` ${detail.join(" ")}` : ""}`,
  };
}
