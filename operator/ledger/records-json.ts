// The ledger's read records as the ledger commands print them with --json and export them:
// snake_case keys, the same for every record kind, so scripts can pipe `evidence list --json`
// and `query-audit list --json` into jq without a per-command mapping.

import type { EvidenceBundle, QueryAuditRecord } from "../../runtime/ledger/records.ts";

export const EVIDENCE_FORMAT = "synapsor.evidence.v1";
export const QUERY_AUDIT_FORMAT = "synapsor.query-audit.v1";

/** One evidence bundle in a list: what it is about, without its rows. */
export interface EvidenceItem {
  id: string;
  capability: string;
  tenant_id: string;
  principal: string;
  /** Only when the read's caller had roles verified from an http_jwt roles claim. */
  roles?: string[];
  table: string;
  /** The first object the read returned (its primary-key value), or null when it returned none. */
  object_id: string | null;
  object_ids: string[];
  query_audit_id: string;
  row_count: number;
  created_at: string;
}

export interface QueryAuditItem {
  id: string;
  capability: string;
  tenant_id: string;
  principal: string;
  source: string;
  table: string;
  statement_fingerprint: string;
  outcome: "ok" | "error";
  error_code: string | null;
  row_count: number;
  duration_ms: number;
  redacted_params: unknown[];
  evidence_id: string | null;
  /** The caller's W3C traceparent (validated when recorded), or null. */
  traceparent: string | null;
  created_at: string;
}

/** One evidence bundle in full: its rows and arguments, the audit row of the same read, and the proposals made on it. */
export interface EvidenceDocument extends EvidenceItem {
  format: typeof EVIDENCE_FORMAT;
  args: Record<string, unknown>;
  rows: Record<string, unknown>[];
  query_audit: QueryAuditItem | null;
  proposal_ids: string[];
}

export interface QueryAuditDocument extends QueryAuditItem {
  format: typeof QUERY_AUDIT_FORMAT;
}

export function evidenceItem(e: EvidenceBundle): EvidenceItem {
  return {
    id: e.id,
    capability: e.capability,
    tenant_id: e.tenantId,
    principal: e.principal,
    ...(e.roles !== undefined ? { roles: e.roles } : {}),
    table: e.table,
    object_id: e.objectIds[0] ?? null,
    object_ids: e.objectIds,
    query_audit_id: e.queryAuditId,
    row_count: e.rows.length,
    created_at: e.createdAt,
  };
}

export function queryAuditItem(q: QueryAuditRecord): QueryAuditItem {
  return {
    id: q.id,
    capability: q.capability,
    tenant_id: q.tenantId,
    principal: q.principal,
    source: q.source,
    table: q.table,
    statement_fingerprint: q.statementFingerprint,
    outcome: q.outcome,
    error_code: q.errorCode ?? null,
    row_count: q.rowCount,
    duration_ms: q.durationMs,
    redacted_params: q.redactedParams,
    evidence_id: q.evidenceId,
    traceparent: q.traceparent,
    created_at: q.createdAt,
  };
}

export function evidenceDocument(e: EvidenceBundle, audit: QueryAuditRecord | undefined, proposalIds: string[]): EvidenceDocument {
  return {
    format: EVIDENCE_FORMAT,
    ...evidenceItem(e),
    args: e.args,
    rows: e.rows,
    query_audit: audit ? queryAuditItem(audit) : null,
    proposal_ids: proposalIds,
  };
}

export function queryAuditDocument(q: QueryAuditRecord): QueryAuditDocument {
  return { format: QUERY_AUDIT_FORMAT, ...queryAuditItem(q) };
}
