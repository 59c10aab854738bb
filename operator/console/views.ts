// The console's models turned into view data for the templates: labels, links, counts and
// values wrapped for display. Plain strings here are still raw; render.ts escapes all of them.

import type { LedgerEvent, ProposalState, StoredProposal } from "../../runtime/ledger/records.ts";
import { isProposalTool } from "../../runtime/capability-host.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { mutationLabel } from "../../runtime/executors/receipts.ts";
import type { ToolsPreview } from "../preview/tools-preview.ts";
import type { OutcomeModel, ReviewModel } from "./model.ts";
import type { ConsoleIdentity } from "./identity.ts";
import { COMMENT_EVENT } from "./model-source.ts";
import { shown } from "./render.ts";
import { establishedText } from "../review/format.ts";

export const STATE_LABELS: Record<ProposalState, string> = {
  review_required: "Review required",
  approved: "Approved",
  rejected: "Rejected",
  applied: "Applied",
  already_applied: "Already applied",
  conflict: "Conflict",
  failed: "Failed",
  expired: "Expired",
};

/** The inbox's tabs, in triage order (already_applied is counted with applied). */
const INBOX_STATES = ["review_required", "approved", "rejected", "applied", "conflict", "failed", "expired"] as const satisfies readonly ProposalState[];

export const AGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
export type Age = keyof typeof AGES;

export interface InboxFilters {
  state: ProposalState | "all";
  tenant: string;
  capability: string;
  object: string;
  age: Age | "";
}

export interface Chrome {
  identity: ConsoleIdentity;
  csrf: string;
  section: "inbox" | "capabilities";
}

function chromeView(title: string, chrome: Chrome) {
  return {
    title,
    signedInAs: chrome.identity.name,
    csrf: chrome.csrf,
    inInbox: chrome.section === "inbox",
    inCapabilities: chrome.section === "capabilities",
  };
}

const stateView = (state: ProposalState) => ({ state, stateLabel: STATE_LABELS[state], stateClass: state.replace("_", "-") });

export function ago(at: string, now: number): string {
  const ms = now - Date.parse(at);
  if (!Number.isFinite(ms)) return at;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/**
 * The page of a proposal. An id is ledger text: one with a lone surrogate (an edited store) has no
 * URL form, so its link is made from the well-formed string and leads to "not found", never a crash.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function proposalPath(id: string): string {
  return `/proposals/${encodeURIComponent(id.replace(LONE_SURROGATE, "\uFFFD"))}`;
}

/** A ledger time for people: "2026-05-16 09:30:00 UTC"; the exact ISO value stays in the element's datetime. */
export function when(at: string) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(at);
  return { iso: at, shown: m ? `${m[1]} ${m[2]} UTC` : at };
}

const inboxState = (s: ProposalState) => (s === "already_applied" ? "applied" : s);

function inboxHref(f: InboxFilters, state: InboxFilters["state"]): string {
  const q = new URLSearchParams();
  q.set("state", state);
  for (const key of ["tenant", "capability", "object", "age"] as const) if (f[key]) q.set(key, f[key]);
  return `/?${q.toString()}`;
}

/** `all`: the proposals matching the filters in every state; the tab narrows to one state. */
export function inboxView(all: StoredProposal[], filters: InboxFilters, capabilities: string[], chrome: Chrome, now: number) {
  const counts = new Map<string, number>();
  for (const p of all) counts.set(inboxState(p.state), (counts.get(inboxState(p.state)) ?? 0) + 1);
  const shownRows = filters.state === "all" ? all : all.filter((p) => inboxState(p.state) === filters.state);
  return {
    ...chromeView("Inbox", chrome),
    tabs: [
      ...INBOX_STATES.map((s) => ({ label: STATE_LABELS[s], count: counts.get(s) ?? 0, href: inboxHref(filters, s), current: filters.state === s, stateClass: s.replace("_", "-") })),
      { label: "All", count: all.length, href: inboxHref(filters, "all"), current: filters.state === "all", stateClass: "all" },
    ],
    filters: { ...filters },
    capabilityOptions: capabilities.map((c) => ({ value: c, selected: c === filters.capability })),
    ageOptions: [
      { value: "", label: "Any age", selected: filters.age === "" },
      { value: "1h", label: "Last hour", selected: filters.age === "1h" },
      { value: "24h", label: "Last 24 hours", selected: filters.age === "24h" },
      { value: "7d", label: "Last 7 days", selected: filters.age === "7d" },
      { value: "30d", label: "Last 30 days", selected: filters.age === "30d" },
    ],
    filtered: Boolean(filters.tenant || filters.capability || filters.object || filters.age),
    currentLabel: filters.state === "all" ? "All proposals" : STATE_LABELS[filters.state],
    rows: shownRows.map((p) => ({
      id: p.id,
      href: proposalPath(p.id),
      capability: p.capability,
      target: `${tableLabel(p.target.schema, p.target.table)} · ${p.target.primaryKey.value}`,
      change: Object.keys(p.patch).join(", "),
      tenant: p.tenantId,
      principal: p.principal,
      age: ago(p.createdAt, now),
      createdAt: p.createdAt,
      ...stateView(p.state),
    })),
  };
}

export interface ReviewExtras {
  notice: string | null;
  error: { code: string; message: string } | null;
  applyCommand: string;
  /** Values typed into the forms before a refusal, so the reviewer does not type them again. */
  typed?: { role?: string; reason?: string; comment?: string };
}

export function reviewView(m: ReviewModel, chrome: Chrome, extras: ReviewExtras, now: number) {
  const p = m.proposal;
  const approvedDecision = m.decisions.find((d) => d.decision === "approved");
  const canApply = p.state === "approved" || p.state === "failed";
  return {
    ...chromeView(`Proposal ${p.id}`, chrome),
    id: p.id,
    base: proposalPath(p.id),
    ...stateView(p.state),
    hash: p.hash,
    target: `${tableLabel(p.target.schema, p.target.table)}`,
    objectId: p.target.primaryKey.value,
    keyColumn: p.target.primaryKey.column,
    verified: p.verification.verified,
    verificationMessage: p.verification.message,
    notice: extras.notice,
    error: extras.error,
    typed: extras.typed ?? {},
    request: {
      capability: m.request.capability,
      tenantId: m.request.tenantId,
      principal: m.request.principal,
      createdAt: when(m.request.createdAt),
      age: ago(m.request.createdAt, now),
      args: Object.entries(m.request.args).map(([name, value]) => ({ name, value: shown(value) })),
    },
    evidence: m.evidence.map((e) => {
      const columns = [...new Set(e.rows.flatMap((r) => Object.keys(r)))];
      return {
        id: e.id,
        capability: e.capability,
        table: e.table,
        createdAt: when(e.createdAt),
        columns,
        rows: e.rows.map((r) => ({ cells: columns.map((c) => shown(r[c])) })),
        empty: e.rows.length === 0,
      };
    }),
    live: m.live.status === "read"
      ? { read: true, readAt: when(m.live.readAt) }
      : m.live.status === "missing"
        ? { missing: true, readAt: when(m.live.readAt), message: "The row is gone, or no longer in this tenant." }
        : { unavailable: true, message: m.live.message },
    stale: m.stale,
    diff: m.diff.map((d) => ({
      column: d.column,
      before: shown(d.before),
      proposed: shown(d.proposed),
      now: d.now === undefined ? "—" : shown(d.now),
      changed: d.changedSinceProposal,
      patched: d.patched,
    })),
    guardsUnchecked: m.guards.some((g) => g.status === "unknown") && m.live.status !== "read",
    guards: m.guards.map((g) => ({ ...g, statusLabel: g.status === "holds" ? "Holds now" : g.status === "fails" ? "Fails now" : "Not checked", [g.status]: true })),
    plannedWrite: { statement: m.plannedWrite.statement, note: m.plannedWrite.note, executor: m.plannedWrite.executor.name, executorType: m.plannedWrite.executor.type },
    requiredRole: m.requiredRole,
    deadline: m.deadline ? { ...when(m.deadline.at), label: m.deadline.kind === "review" ? "Expires unless decided by" : "Approval valid until" } : null,
    canDecide: p.state === "review_required",
    selfDeclaredRole: chrome.identity.roles === null,
    roleChoices: (chrome.identity.roles ?? []).map((value) => ({ value, selected: value === m.requiredRole })),
    decisions: m.decisions.map((d) => ({
      approved: d.decision === "approved",
      decision: d.decision === "approved" ? "Approved" : "Rejected",
      actor: d.actor,
      role: d.role,
      reason: d.reason,
      createdAt: when(d.createdAt),
      proposalHash: d.proposalHash,
      verified: d.verification.verified,
      // Said plainly on the page: a self-declared name and role were checked against nothing.
      established: establishedText(d.establishedBy),
      selfDeclared: d.establishedBy === null || d.establishedBy === "self_declared",
    })),
    comments: comments(m.events),
    approvedBy: approvedDecision?.actor ?? null,
    canApply,
    applyCommand: extras.applyCommand,
    hasOutcome: m.receipts.length > 0 || p.state !== "review_required",
    blockedBecause: m.blockedBecause,
  };
}

function comments(events: LedgerEvent[]) {
  return events.filter((e) => e.type === COMMENT_EVENT).map((e) => ({ actor: String(e.detail.actor ?? ""), text: String(e.detail.text ?? ""), createdAt: when(e.createdAt) }));
}

const STEP_LABELS = { read: "Read", propose: "Proposed", decide: "Decided", job: "Writeback job", receipt: "Receipt", event: "Event" } as const;

export function outcomeView(o: OutcomeModel, p: StoredProposal, chrome: Chrome) {
  const r = o.receipt?.receipt;
  return {
    ...chromeView(`Outcome of ${o.proposalId}`, chrome),
    id: o.proposalId,
    base: proposalPath(o.proposalId),
    ...stateView(o.state),
    target: `${tableLabel(p.target.schema, p.target.table)} · ${p.target.primaryKey.value}`,
    receiptSummary: o.receiptSummary,
    receipt: r
      ? {
          id: o.receipt!.id,
          status: r.status,
          rowsAffected: r.rows_affected,
          mutated: mutationLabel(r.source_database_mutated),
          previousVersion: shown(r.previous_version),
          newVersion: shown(r.new_version),
          code: r.safe_error_code,
          message: r.message,
          executor: `${o.receipt!.executor.name} (${o.receipt!.executor.type})`,
          createdAt: when(o.receipt!.createdAt),
          applied: r.status === "applied" || r.status === "already_applied",
        }
      : null,
    timeline: o.timeline.map((s) => ({ ...s, at: when(s.at), kindLabel: STEP_LABELS[s.kind], [s.kind]: true })),
  };
}

export function capabilitiesView(preview: ToolsPreview | null, problem: string | null, chrome: Chrome) {
  if (!preview) return { ...chromeView("Capabilities", { ...chrome, section: "capabilities" }), problem };
  return {
    ...chromeView("Capabilities", { ...chrome, section: "capabilities" }),
    tools: preview.tools.map((tool, i) => {
      const hidden = preview.never_exposed.capabilities[i]!;
      const schema = tool.inputSchema as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      const isProposal = isProposalTool(tool);
      return {
        name: tool.name,
        kind: isProposal ? "proposal" : "read",
        isProposal,
        description: tool.description,
        args: Object.entries(schema.properties ?? {}).map(([name, s]) => ({
          name,
          type: String(s.type ?? ""),
          required: (schema.required ?? []).includes(name),
          description: typeof s.description === "string" ? s.description : "",
          limits: limits(s),
        })),
        table: hidden.table,
        engine: hidden.engine,
        sql: hidden.sql,
        parameters: hidden.parameters.map((b) =>
          b.from === "trusted_context" ? `$${b.position} ← trusted ${b.name} (from $${b.env})`
          : b.from === "fixed" ? `$${b.position} ← fixed ${JSON.stringify(b.value)}`
          : b.from === "argument_given" ? `$${b.position} ← whether ${b.name} was given`
          : `$${b.position} ← argument ${b.name}`),
        hiddenColumns: hidden.hidden_columns,
      };
    }),
    credentials: preview.never_exposed.credential_env_vars,
    trusted: preview.never_exposed.trusted_context,
    absentTools: preview.never_exposed.absent_tools,
  };
}

function limits(s: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof s.maxLength === "number") parts.push(`at most ${s.maxLength} characters`);
  if (typeof s.minimum === "number") parts.push(`≥ ${s.minimum}`);
  if (typeof s.maximum === "number") parts.push(`≤ ${s.maximum}`);
  if (Array.isArray(s.enum)) parts.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  return parts.join(", ");
}

export function errorView(status: number, title: string, message: string, chrome: Chrome | null) {
  return { status, heading: title, message, signedIn: chrome !== null, ...(chrome ? chromeView(title, chrome) : { title }) };
}
