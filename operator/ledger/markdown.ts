// Markdown exports of an evidence bundle and a query audit row, for a ticket or an incident
// review. As in the replay export (operator/review/replay.ts): every value is rendered once to
// display text (showValue, terminalName) and placed with runtime/text/markdown-safe.ts, so a
// stored value can create no link, HTML, entity, emphasis, table cell or line of its own, and no
// raw control or bidi character reaches the file.

import { markdownCode, markdownText } from "../../runtime/text/markdown-safe.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { showValue } from "../review/format.ts";
import { markdownRows } from "../review/replay.ts";
import type { EvidenceDocument, QueryAuditItem } from "./records-json.ts";

const text = (value: unknown) => markdownText(showValue(value));
const code = (value: unknown) => markdownCode(showValue(value));

export function evidenceMarkdown(doc: EvidenceDocument): string {
  const out = [
    `# Evidence bundle ${text(doc.id)}`,
    "",
    "Rows a read returned, exactly as the model received them, captured in the local ledger (the source database was not read again).",
    "",
    `- Capability: ${code(doc.capability)}`,
    `- Tenant: ${code(doc.tenant_id)}`,
    `- Principal: ${code(doc.principal)}`,
    `- Table: ${code(doc.table)}`,
    `- Objects: ${doc.object_ids.length === 0 ? "none" : doc.object_ids.map(code).join(", ")}`,
    `- Arguments: ${code(doc.args)}`,
    `- Recorded: ${text(doc.created_at)}`,
    `- Proposals made on it: ${doc.proposal_ids.length === 0 ? "none" : doc.proposal_ids.map(code).join(", ")}`,
    "",
    `## Rows (${doc.row_count})`,
    "",
    ...markdownRows(doc.rows),
    "",
    "## Query audit",
    "",
    ...(doc.query_audit ? auditLines(doc.query_audit) : [`Query audit ${code(doc.query_audit_id)} is not in this store.`]),
    "",
  ];
  // Each entry is one line: a newline inside a value is escaped, never a line break.
  return out.map(terminalSafe).join("\n");
}

export function queryAuditMarkdown(q: QueryAuditItem): string {
  const out = [`# Query audit ${text(q.id)}`, "", ...auditLines(q), ""];
  return out.map(terminalSafe).join("\n");
}

function auditLines(q: QueryAuditItem): string[] {
  return [
    `- Id: ${code(q.id)}`,
    `- Outcome: **${text(q.outcome)}**${q.error_code ? ` (${code(q.error_code)})` : ""}`,
    `- Capability: ${code(q.capability)}`,
    `- Tenant: ${code(q.tenant_id)}`,
    `- Principal: ${code(q.principal)}`,
    `- Source: ${code(q.source)}`,
    `- Table: ${code(q.table)}`,
    `- Statement fingerprint: ${code(q.statement_fingerprint)}`,
    `- Parameters (trusted values by name): ${code(q.redacted_params)}`,
    `- Rows: ${text(q.row_count)}; duration ${text(q.duration_ms)} ms`,
    `- Evidence: ${q.evidence_id === null ? "none" : code(q.evidence_id)}`,
    `- Trace (W3C traceparent): ${q.traceparent === null ? "none" : code(q.traceparent)}`,
    `- Recorded: ${text(q.created_at)}`,
  ];
}
