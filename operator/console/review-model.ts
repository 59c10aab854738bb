// Everything the console's Review tab shows for one proposal, as plain data: the agent's request,
// the evidence it read, the row as it is NOW (read through the read path), the diff
// before → proposed → now, the compiled guards evaluated against that row, the planned write, the
// deadline and why the proposal can no longer go ahead. The rules come from the build
// (compiled-capability.ts), never from the ledger's copy. Read only: nothing is written anywhere.

import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { appExecutorNote } from "../../compiler/emit/manifest.ts";
import { sameValue } from "../../runtime/calls/policy.ts";
import { canonicalJson } from "../../runtime/ledger/hash.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { Decision, EvidenceBundle, StoredProposal } from "../../runtime/ledger/records.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { compiledProposal } from "../apply/compiled-capability.ts";
import { proposalHistory } from "../review/history.ts";
import { evaluateGuards } from "./guards.ts";
import { liveSources, readLiveRow, type LiveRead, type LiveSources } from "./live-row.ts";
import type { DiffColumn, OutcomeModel, ReviewModel } from "./model.ts";
import { outcomeFor } from "./outcome-model.ts";
import { currentDeadline } from "../../runtime/ledger/review-rules.ts";

export interface ReviewDeps {
  ledger: Ledger;
  /**
   * The contract compiled up to plan (compileCapabilities): the rules the model checks against.
   * Null when the console runs without the contract: then no guard is evaluated and no live row read.
   */
  plan: BuildPlan | null;
  /** Where the sources' read URL variables are looked up. */
  env: NodeJS.ProcessEnv;
  now: () => Date;
  /** Read connections to reuse across models (the console keeps one set open); default: opened and closed per call. */
  sources?: LiveSources;
}

/** The tenant's earlier reads of the same object shown beside the proposal's own evidence. */
export const EARLIER_EVIDENCE_LIMIT = 5;
/** How many of a capability's newest bundles are searched for earlier reads of the object. */
const EVIDENCE_SCAN = 200;

/** The review model, or undefined when the ledger has no such proposal (in that tenant, when one is given). */
export async function buildReviewModel(deps: ReviewDeps, proposalId: string, tenant?: string): Promise<ReviewModel | undefined> {
  const { ledger, plan } = deps;
  const found = await ledger.proposals.get(proposalId, tenant);
  if (!found) return undefined;
  const history = await proposalHistory(ledger, proposalId);
  if (!history) return undefined;
  const proposal = history.proposal;
  const capability = plan ? compiledProposal(plan, proposal.capability) : undefined;

  let read: LiveRead;
  if (!plan) read = unavailable(NO_CONTRACT);
  else {
    const sources = deps.sources ?? liveSources(plan, deps.env);
    try {
      read = await liveRead(sources, capability, proposal, deps.now);
    } finally {
      if (!deps.sources) await sources.close();
    }
  }
  const row = read.row;

  const visible = capability?.visibleColumns ?? Object.keys(proposal.before);
  const columns = [...visible, ...Object.keys(proposal.patch).filter((c) => !visible.includes(c))];
  const diff: DiffColumn[] = columns.map((column) => {
    const patched = Object.hasOwn(proposal.patch, column);
    const before = proposal.before[column] ?? null;
    const now = row ? (row[column] ?? null) : undefined;
    return {
      column,
      before,
      proposed: patched ? proposal.patch[column] : before,
      ...(row ? { now } : {}),
      changedSinceProposal: row !== null && !sameCell(now, before),
      patched,
    };
  });
  const stale = read.live.status === "missing" || diff.some((d) => d.changedSinceProposal && visible.includes(d.column));

  const guards = capability
    ? evaluateGuards({ capability, proposal, row, live: read.live.status, matched: read.matched, receipts: history.receipts })
    : [];
  const requiredRole = capability ? (capability.proposal!.approval.requiredRole ?? null) : (proposal.approval.requiredRole ?? null);
  const deadline = deadlineOf(proposal, history.decisions);

  return {
    proposal,
    request: { capability: proposal.capability, args: proposal.args, tenantId: proposal.tenantId, principal: proposal.principal, createdAt: proposal.createdAt },
    evidence: await evidenceFor(ledger, plan, proposal),
    live: read.live,
    diff,
    stale,
    guards,
    plannedWrite: plan ? plannedWrite(capability, proposal) : { executor: proposal.executor, statement: null, note: NO_CONTRACT },
    requiredRole,
    deadline,
    decisions: history.decisions,
    receipts: history.receipts,
    events: history.events,
    blockedBecause: blockedBecause(proposal, plan ? capability : null, history.decisions, deadline, deps.now()),
  };
}

const NO_CONTRACT = "The console was started without the contract (--config), so the build's rules, the planned write and the live row are not shown.";

function unavailable(message: string): LiveRead {
  return { live: { status: "unavailable", message }, row: null, matched: null };
}

async function liveRead(sources: LiveSources, capability: CapabilityPlan | undefined, proposal: StoredProposal, now: () => Date): Promise<LiveRead> {
  if (!capability) return unavailable(`The build has no proposal capability ${proposal.capability}, so its row cannot be read.`);
  // The statement binds the proposal's tenant and arguments: only a record the ledger keys vouch for steers a read.
  if (!proposal.verification.verified) return unavailable("The live row is not read for a proposal whose record does not verify against the ledger keys.");
  return readLiveRow(sources, capability, proposal, now);
}

/** The proposal's own evidence first, then the tenant's earlier reads of the same object in the same namespace, newest first. */
async function evidenceFor(ledger: Ledger, plan: BuildPlan | null, proposal: StoredProposal): Promise<EvidenceBundle[]> {
  const linked = await ledger.reads.getEvidence(proposal.evidenceId, proposal.tenantId);
  const namespace = namespaceOf(proposal.capability);
  const table = tableLabel(proposal.target.schema, proposal.target.table);
  const objectId = proposal.target.primaryKey.value;
  const names = (plan?.capabilities ?? [])
    .filter((c) => namespaceOf(c.name) === namespace && tableLabel(c.target.schema, c.target.table) === table)
    .map((c) => c.name);
  if (!names.includes(proposal.capability)) names.push(proposal.capability);
  const lists = await Promise.all(names.map((capability) => ledger.reads.listEvidence({ tenantId: proposal.tenantId, capability, limit: EVIDENCE_SCAN })));
  // Read before the linked bundle: by time, and within one millisecond by id (ids sort in creation order, ids.ts).
  const cutoff = linked?.createdAt ?? proposal.createdAt;
  const before = (e: EvidenceBundle) => e.createdAt < cutoff || (e.createdAt === cutoff && (!linked || e.id < linked.id));
  const earlier = lists
    .flat()
    .filter((e) => e.id !== proposal.evidenceId && e.tenantId === proposal.tenantId && e.table === table && e.objectIds.includes(objectId) && before(e))
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1))
    .slice(0, EARLIER_EVIDENCE_LIMIT);
  return linked ? [linked, ...earlier] : earlier;
}

function namespaceOf(capability: string): string {
  const dot = capability.lastIndexOf(".");
  return dot < 0 ? "" : capability.slice(0, dot);
}

function plannedWrite(capability: CapabilityPlan | undefined, proposal: StoredProposal): ReviewModel["plannedWrite"] {
  if (!capability) {
    return { executor: proposal.executor, statement: null, note: `The build has no proposal capability ${proposal.capability}: nothing is planned, and apply refuses this proposal.` };
  }
  const p = capability.proposal!;
  if (!p.write) return { executor: p.executor, statement: null, note: appExecutorNote(p.executor) };
  return {
    executor: p.executor,
    statement: p.write.statements.update.text,
    note:
      `Apply runs this UPDATE with the writer's credentials in one transaction, binding the approved values; ` +
      `it changes exactly one row or nothing, and records a receipt in ${tableLabel(p.write.receiptsTable.schema, p.write.receiptsTable.name)}.`,
  };
}

/** The review deadline or approval window the ledger's own rules enforce (review-rules.ts), so the page and apply agree. */
export function deadlineOf(proposal: StoredProposal, decisions: readonly Decision[]): ReviewModel["deadline"] {
  return currentDeadline(proposal, decisions.find((d) => d.decision === "approved"));
}

function blockedBecause(
  proposal: StoredProposal,
  /** null: no contract to check against (the state and deadline still block). */
  capability: CapabilityPlan | undefined | null,
  decisions: readonly Decision[],
  deadline: ReviewModel["deadline"],
  now: Date,
): string | null {
  if (!proposal.verification.verified) {
    return `The proposal record does not verify against the ledger keys, so it can be neither approved nor applied: ${proposal.verification.message ?? proposal.verification.problem}`;
  }
  const decision = decisions[0];
  if (decision && !decision.verification.verified) {
    return `The ${decision.decision === "approved" ? "approval" : "rejection"} on record does not verify against the ledger keys, so apply refuses it: ${decision.verification.message ?? decision.verification.problem}`;
  }
  switch (proposal.state) {
    case "rejected":
      return `It was rejected${decision ? ` by ${decision.actor}${decision.reason ? `: ${decision.reason}` : ""}` : ""}; a rejection is final.`;
    case "expired":
      return "It expired before it was applied; the agent must propose again.";
    case "applied":
    case "already_applied":
      return "It has been applied; it is never applied twice.";
    case "conflict":
      return "Apply found the row changed since the proposal and wrote nothing; a conflict is final, the agent must propose again from the current row.";
  }
  if (capability === null) return deadlinePassed(deadline, now);
  if (!capability) return `The build has no proposal capability ${proposal.capability}; apply refuses a proposal the build does not cover.`;
  if (proposal.planHash !== capability.planHash) {
    return `${capability.name} changed since the proposal was made (its compiled plan differs), so apply refuses it; the agent must propose again.`;
  }
  return deadlinePassed(deadline, now);
}

function deadlinePassed(deadline: ReviewModel["deadline"], now: Date): string | null {
  if (!deadline || Date.parse(deadline.at) > now.getTime()) return null;
  return deadline.kind === "review"
    ? `Its review deadline passed at ${deadline.at}; approving it now expires it instead.`
    : `Its approval stopped being valid at ${deadline.at}; apply would refuse and expire it.`;
}

/** Cells compare as the runtime compares them (numbers and text by their text); objects by canonical JSON. */
function sameCell(a: unknown, b: unknown): boolean {
  if ((typeof a === "object" && a !== null) || (typeof b === "object" && b !== null)) return canonicalJson(a ?? null) === canonicalJson(b ?? null);
  return sameValue(a, b);
}

/**
 * The console's two model builders over one set of read connections: review(id) and outcome(id),
 * each undefined for an unknown proposal; close() ends the connections.
 */
export function consoleModels(deps: Omit<ReviewDeps, "sources">): {
  review(proposalId: string, tenant?: string): Promise<ReviewModel | undefined>;
  outcome(proposalId: string): Promise<OutcomeModel | undefined>;
  close(): Promise<void>;
} {
  const sources = deps.plan ? liveSources(deps.plan, deps.env) : undefined;
  return {
    review: (id, tenant) => buildReviewModel({ ...deps, ...(sources ? { sources } : {}) }, id, tenant),
    outcome: (id) => outcomeFor(deps.ledger, id),
    close: async () => sources?.close(),
  };
}
