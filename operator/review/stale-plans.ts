// Proposals stranded by an upgrade or a config edit: each records the plan hash its capability
// compiled to when it was proposed, and apply refuses one whose capability now compiles to
// another plan. Expiring them retires them openly (a final state, an event, a line in replay)
// instead of leaving them to be refused one apply at a time.

import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { LIST_LIMIT, type Ledger } from "../../runtime/ledger/ports.ts";
import type { ProposalState, StoredProposal } from "../../runtime/ledger/records.ts";
import { EXPIRABLE_STATES, expiryRefusal } from "../../runtime/ledger/review-rules.ts";


export type StaleReason = "plan_changed" | "capability_removed" | "no_plan_hash";

export interface StaleProposal {
  id: string;
  capability: string;
  state: ProposalState;
  reason: StaleReason;
  recordedPlanHash: string | null;
  currentPlanHash: string | null;
}

export const STALE_REASON_TEXT: Record<StaleReason, string> = {
  plan_changed: "the capability now compiles to a different plan",
  capability_removed: "the capability is no longer in the config",
  no_plan_hash: "it was proposed before plans were hashed",
};

export function staleAgainst(proposal: StoredProposal, plan: BuildPlan): StaleProposal | undefined {
  const current = plan.capabilities.find((c) => c.name === proposal.capability && c.kind === "proposal");
  const currentPlanHash = current?.planHash ?? null;
  const reason: StaleReason | undefined = !current
    ? "capability_removed"
    : proposal.planHash === null
      ? "no_plan_hash"
      : proposal.planHash !== current.planHash
        ? "plan_changed"
        : undefined;
  if (!reason) return undefined;
  return { id: proposal.id, capability: proposal.capability, state: proposal.state, reason, recordedPlanHash: proposal.planHash, currentPlanHash };
}

export interface ExpiryReport {
  expired: StaleProposal[];
  /** Open proposals whose plan still matches. */
  current: number;
  /** Stale proposals another process moved on (decided, applied) before they could expire. */
  skipped: { id: string; message: string }[];
}

/** Expires (or with dryRun only lists) every open proposal whose plan no longer matches `plan`. */
export async function expireStalePlans(ledger: Ledger, plan: BuildPlan, options: { dryRun: boolean; config: string }): Promise<ExpiryReport> {
  const open: StoredProposal[] = [];
  for (const state of EXPIRABLE_STATES) open.push(...(await ledger.proposals.list({ state, limit: LIST_LIMIT })));
  const report: ExpiryReport = { expired: [], current: 0, skipped: [] };
  for (const proposal of open) {
    const stale = staleAgainst(proposal, plan);
    if (!stale) {
      report.current++;
      continue;
    }
    if (options.dryRun) {
      // The same rule the real run meets, so a dry run lists exactly what a real run would expire.
      const refusal = expiryRefusal(proposal, proposal.id, (await ledger.writeback.listJobs(proposal.id)).length);
      if (refusal) report.skipped.push({ id: stale.id, message: refusal.message });
      else report.expired.push(stale);
      continue;
    }
    const outcome = await ledger.proposals.expire(stale.id, {
      reason: "stale_plan",
      why: stale.reason,
      recordedPlanHash: stale.recordedPlanHash,
      currentPlanHash: stale.currentPlanHash,
      config: options.config,
    });
    if (outcome.ok) report.expired.push(stale);
    else report.skipped.push({ id: stale.id, message: outcome.refusal.message });
  }
  return report;
}
