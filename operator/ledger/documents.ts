// One evidence bundle or query audit row with what it links to, as `show` and `export` present it.

import type { Ledger } from "../../runtime/ledger/ports.ts";
import { LIST_LIMIT } from "../../runtime/ledger/ports.ts";
import { evidenceDocument, queryAuditDocument, type EvidenceDocument, type QueryAuditDocument } from "./records-json.ts";

/** The bundle, the audit row of the same read, and the proposals made on it (newest first); undefined when there is no such bundle. */
export async function loadEvidence(ledger: Ledger, id: string): Promise<EvidenceDocument | undefined> {
  const bundle = await ledger.reads.getEvidence(id);
  if (!bundle) return undefined;
  const [audit, proposals] = await Promise.all([
    ledger.reads.getQueryAudit(bundle.queryAuditId, bundle.tenantId),
    ledger.proposals.list({ evidenceId: bundle.id, tenantId: bundle.tenantId, limit: LIST_LIMIT }),
  ]);
  return evidenceDocument(bundle, audit, proposals.map((p) => p.id));
}

export async function loadQueryAudit(ledger: Ledger, id: string): Promise<QueryAuditDocument | undefined> {
  const audit = await ledger.reads.getQueryAudit(id);
  return audit ? queryAuditDocument(audit) : undefined;
}
