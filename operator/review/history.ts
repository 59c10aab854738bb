// Everything the ledger knows about one proposal, gathered in one place for `proposals show`
// and replay. Read only: assembling a history never writes to the store.

import type { Ledger } from "../../runtime/ledger/ports.ts";
import type {
  Decision,
  EvidenceBundle,
  LedgerEvent,
  StoredProposal,
  StoredReceipt,
  WritebackJob,
} from "../../runtime/ledger/records.ts";

/** Far more than any one proposal produces; the ledger's own cap. */
const ALL = 10_000;

export interface ProposalHistory {
  proposal: StoredProposal;
  evidence: EvidenceBundle | null;
  decisions: Decision[];
  jobs: WritebackJob[];
  /** Oldest first. */
  receipts: StoredReceipt[];
  /** Oldest first. */
  events: LedgerEvent[];
}

export async function proposalHistory(ledger: Ledger, proposalId: string): Promise<ProposalHistory | undefined> {
  const proposal = await ledger.proposals.get(proposalId);
  if (!proposal) return undefined;
  const [evidence, events, receipts, decisions] = await Promise.all([
    ledger.reads.getEvidence(proposal.evidenceId, proposal.tenantId),
    ledger.events.list({ proposalId, afterId: 0, limit: ALL }),
    ledger.writeback.listReceipts({ proposalId, limit: ALL }),
    ledger.proposals.decisions(proposalId),
  ]);
  receipts.reverse();
  // Jobs are found through their creation events and the receipts that name them.
  const jobIds = new Set<string>();
  for (const e of events) if (e.type === "writeback_job_created" && typeof e.detail.jobId === "string") jobIds.add(e.detail.jobId);
  for (const r of receipts) jobIds.add(r.jobId);
  const jobs = (await Promise.all([...jobIds].map((id) => ledger.writeback.getJob(id))))
    .filter((j): j is WritebackJob => j !== undefined && j.proposalId === proposalId)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  return { proposal, evidence: evidence ?? null, decisions, jobs, receipts, events };
}
