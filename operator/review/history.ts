// Everything the ledger knows about one proposal, gathered in one place for `proposals show`
// and replay. Read only: assembling a history never writes to the store.

import type {
  Decision,
  EvidenceBundle,
  Ledger,
  LedgerEvent,
  StoredProposal,
  StoredReceipt,
  WritebackJob,
} from "../../runtime/ledger/ledger.ts";

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

export function proposalHistory(ledger: Ledger, proposalId: string): ProposalHistory | undefined {
  const proposal = ledger.getProposal(proposalId);
  if (!proposal) return undefined;
  const evidence = ledger.getEvidence(proposal.evidenceId, proposal.tenantId) ?? null;
  const events = ledger.listEvents({ proposalId, afterId: 0, limit: ALL });
  const receipts = ledger.listReceipts({ proposalId, limit: ALL }).reverse();
  // Jobs are found through their creation events and the receipts that name them.
  const jobIds = new Set<string>();
  for (const e of events) if (e.type === "writeback_job_created" && typeof e.detail.jobId === "string") jobIds.add(e.detail.jobId);
  for (const r of receipts) jobIds.add(r.jobId);
  const jobs = [...jobIds]
    .map((id) => ledger.getWritebackJob(id))
    .filter((j): j is WritebackJob => j !== undefined && j.proposalId === proposalId)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  return { proposal, evidence, decisions: ledger.listDecisions(proposalId), jobs, receipts, events };
}
