// Row ↔ record mapping and state rules for the review side of the SQLite ledger
// (decisions, writeback jobs, receipts), kept apart from the read hot path in sqlite.ts.

import type { Receipt, ReceiptStatus } from "../executors/protocol.ts";
import type { Decision, ProposalState, StoredReceipt, WritebackJob } from "./ledger.ts";

type Row = Record<string, unknown>;

/** States a proposal can only reach after a person approved it: jobs and receipts belong to these. */
export const APPROVED_STATES: ReadonlySet<ProposalState> = new Set(["approved", "applied", "already_applied", "conflict", "failed"]);

/** States a receipt moves on; a later receipt for an applied or conflicted proposal is kept but changes nothing. */
export const RECEIPT_MOVES_FROM: ReadonlySet<ProposalState> = new Set(["approved", "failed"]);

export const RECEIPT_EVENTS: Record<ReceiptStatus, string> = {
  applied: "writeback_applied",
  already_applied: "writeback_already_applied",
  conflict: "writeback_conflict",
  failed: "writeback_failed",
};

export function toDecision(row: Row): Decision {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    decision: row.decision as Decision["decision"],
    actor: row.actor as string,
    role: (row.role as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    proposalHash: row.proposal_hash as string,
    createdAt: row.created_at as string,
  };
}

export function toJob(row: Row): WritebackJob {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    request: JSON.parse(row.request as string) as Record<string, unknown>,
    createdAt: row.created_at as string,
  };
}

export function toReceipt(row: Row): StoredReceipt {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    jobId: row.job_id as string,
    tenantId: row.tenant_id as string,
    executor: JSON.parse(row.executor as string) as StoredReceipt["executor"],
    receipt: JSON.parse(row.receipt as string) as Receipt,
    createdAt: row.created_at as string,
  };
}
