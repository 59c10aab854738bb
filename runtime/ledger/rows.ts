// Stored row ↔ ledger record mapping, shared by the SQLite and Postgres ledgers (same column names,
// JSON columns as text). JSON columns are parsed here and nowhere else.

import type { Receipt } from "../executors/protocol.ts";
import type { EvidenceBundle, InternalErrorRecord, LedgerEvent, ProposalState, QueryAuditRecord, StoredReceipt } from "./records.ts";
import type { DecisionRecord, JobRecord, ProposalRecord } from "./review-storage.ts";
import type { ChainedEvent } from "./event-chain.ts";

type Row = Record<string, unknown>;

function json<T>(value: unknown): T {
  return JSON.parse(value as string) as T;
}

export function toProposalRecord(row: Row): ProposalRecord {
  return {
    id: row.id as string,
    hash: row.hash as string,
    state: row.state as ProposalState,
    capability: row.capability as string,
    tenantId: row.tenant_id as string,
    principal: row.principal as string,
    ...(row.roles !== null && row.roles !== undefined ? { roles: json<string[]>(row.roles) } : {}),
    source: row.source as string,
    target: json(row.target),
    before: json(row.before_row),
    patch: json(row.patch),
    after: json(row.after_row),
    guards: json(row.guards),
    args: json(row.args),
    evidenceId: row.evidence_id as string,
    approval: json(row.approval),
    executor: json(row.executor),
    planHash: (row.plan_hash as string | null) ?? null,
    createdAt: row.created_at as string,
    targetTable: row.target_table as string,
    objectId: row.object_id as string,
    updatedAt: row.updated_at as string,
    keyId: (row.key_id as string | null) ?? null,
    mac: (row.mac as string | null) ?? null,
    stateKeyId: (row.state_key_id as string | null) ?? null,
    stateMac: (row.state_mac as string | null) ?? null,
  };
}

export function toDecisionRecord(row: Row): DecisionRecord {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    tenantId: row.tenant_id as string,
    decision: row.decision as DecisionRecord["decision"],
    actor: row.actor as string,
    role: (row.role as string | null) ?? null,
    reason: (row.reason as string | null) ?? null,
    // Sealed with the decision (seal.ts): an edited value fails verification, whatever it says.
    establishedBy: (row.established_by as DecisionRecord["establishedBy"] | undefined) ?? null,
    proposalHash: row.proposal_hash as string,
    proposalMac: (row.proposal_mac as string | null) ?? null,
    beforeHash: (row.before_hash as string | null) ?? null,
    createdAt: row.created_at as string,
    keyId: (row.key_id as string | null) ?? null,
    mac: (row.mac as string | null) ?? null,
  };
}

export function toJobRecord(row: Row): JobRecord {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    tenantId: row.tenant_id as string,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    request: json(row.request),
    createdAt: row.created_at as string,
  };
}

export function toReceipt(row: Row): StoredReceipt {
  return {
    id: row.id as string,
    proposalId: row.proposal_id as string,
    jobId: row.job_id as string,
    tenantId: row.tenant_id as string,
    executor: json(row.executor),
    receipt: json<Receipt>(row.receipt),
    createdAt: row.created_at as string,
  };
}

export function toEvidence(row: Row): EvidenceBundle {
  return {
    id: row.id as string,
    capability: row.capability as string,
    tenantId: row.tenant_id as string,
    principal: row.principal as string,
    ...(row.roles !== null && row.roles !== undefined ? { roles: json<string[]>(row.roles) } : {}),
    table: row.table_name as string,
    objectIds: json(row.object_ids),
    args: json(row.args),
    rows: json(row.rows),
    queryAuditId: row.query_audit_id as string,
    createdAt: row.created_at as string,
  };
}

// A failure recorded before the tenant or source was known has NULL columns; the record type wants strings.
export function toQueryAudit(row: Row): QueryAuditRecord {
  const record: QueryAuditRecord = {
    id: row.id as string,
    capability: row.capability as string,
    tenantId: (row.tenant_id as string | null) ?? "",
    principal: (row.principal as string | null) ?? "",
    source: (row.source as string | null) ?? "",
    table: (row.table_name as string | null) ?? "",
    statementFingerprint: (row.statement_fingerprint as string | null) ?? "",
    rowCount: row.row_count as number,
    durationMs: row.duration_ms as number,
    redactedParams: json(row.redacted_params),
    outcome: row.outcome as "ok" | "error",
    evidenceId: (row.evidence_id as string | null) ?? null,
    traceparent: (row.traceparent as string | null | undefined) ?? null,
    createdAt: row.created_at as string,
  };
  if (row.error_code !== null) record.errorCode = row.error_code as string;
  return record;
}

export function toInternalError(row: Row): InternalErrorRecord {
  return {
    id: row.id as number,
    code: row.code as string,
    queryAuditId: row.query_audit_id as string,
    capability: row.capability as string | null,
    tenantId: row.tenant_id as string | null,
    principal: row.principal as string | null,
    source: row.source as string | null,
    table: row.table_name as string | null,
    detail: row.detail as string,
    createdAt: row.created_at as string,
  };
}

export function toEvent(row: Row): LedgerEvent {
  const event: LedgerEvent = {
    id: row.id as number,
    type: row.type as string,
    detail: json(row.detail),
    createdAt: row.created_at as string,
  };
  if (row.proposal_id !== null) event.proposalId = row.proposal_id as string;
  if (row.tenant_id !== null) event.tenantId = row.tenant_id as string;
  return event;
}

/** An event row as the chain check reads it: `detail` stays the exact stored text. */
export function toChainedEvent(row: Row): ChainedEvent {
  return {
    id: Number(row.id),
    type: row.type as string,
    proposalId: (row.proposal_id as string | null) ?? null,
    tenantId: (row.tenant_id as string | null) ?? null,
    detail: row.detail as string,
    createdAt: row.created_at as string,
    prevHash: (row.prev_hash as string | null) ?? null,
    hash: (row.hash as string | null) ?? null,
  };
}
