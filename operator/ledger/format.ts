// The ledger commands' terminal output: evidence bundles, query audit rows and the activity
// timeline. Every value comes from the ledger file and is untrusted: each is rendered once by
// showValue / terminalName, and every cell and line passes the terminalSafe guard in table() and
// textLines() (operator/review/format.ts), so a stored value can neither drive the terminal nor
// break its row or line.

import { terminalName } from "../../runtime/text/terminal-safe.ts";
import { showValue, table, textLines } from "../review/format.ts";
import type { ActivityEntry } from "./activity.ts";
import type { EvidenceDocument, EvidenceItem, QueryAuditItem } from "./records-json.ts";

/** A list read can return many objects; a list cell shows the first few. */
const OBJECTS_SHOWN = 3;

export function objectsCell(ids: readonly string[]): string {
  if (ids.length === 0) return "-";
  const shown = ids.slice(0, OBJECTS_SHOWN).map(showValue).join(", ");
  return ids.length > OBJECTS_SHOWN ? `${shown} +${ids.length - OBJECTS_SHOWN} more` : shown;
}

export function formatEvidenceList(items: readonly EvidenceItem[]): string {
  if (items.length === 0) return "No evidence bundles match.\n";
  return table(
    ["ID", "CAPABILITY", "TENANT", "TABLE", "OBJECTS", "ROWS", "CREATED"],
    items.map((e) => [showValue(e.id), showValue(e.capability), showValue(e.tenant_id), showValue(e.table), objectsCell(e.object_ids), String(e.row_count), showValue(e.created_at)]),
    "",
  );
}

export function formatEvidence(doc: EvidenceDocument): string {
  const audit = doc.query_audit;
  const lines = [
    `Evidence ${showValue(doc.id)}: ${doc.row_count} row${doc.row_count === 1 ? "" : "s"} read by ${showValue(doc.capability)}`,
    `  tenant: ${showValue(doc.tenant_id)}`,
    `  principal: ${showValue(doc.principal)}`,
    `  source: ${audit ? showValue(audit.source) : "-"}`,
    `  table: ${showValue(doc.table)}`,
    `  objects: ${doc.object_ids.length === 0 ? "-" : doc.object_ids.map(showValue).join(", ")}`,
    `  arguments: ${showValue(doc.args)}`,
    `  query audit: ${showValue(doc.query_audit_id)}${audit ? ` (statement ${showValue(audit.statement_fingerprint)}, ${audit.duration_ms} ms${audit.traceparent === null ? "" : `, trace ${showValue(audit.traceparent)}`})` : ""}`,
    `  proposals made on it: ${doc.proposal_ids.length === 0 ? "none" : doc.proposal_ids.map(showValue).join(", ")}`,
    `  recorded: ${showValue(doc.created_at)}`,
  ];
  if (doc.rows.length === 0) lines.push("", "The read returned no rows.");
  doc.rows.forEach((row, i) => {
    lines.push("", `Row ${i + 1}:`);
    for (const [column, value] of Object.entries(row)) lines.push(`  ${terminalName(column)}: ${showValue(value)}`);
  });
  return textLines(lines);
}

export function formatQueryAuditList(items: readonly QueryAuditItem[]): string {
  if (items.length === 0) return "No query audit rows match.\n";
  return table(
    ["ID", "OUTCOME", "CAPABILITY", "TENANT", "SOURCE", "TABLE", "ROWS", "EVIDENCE", "CREATED"],
    items.map((q) => [
      showValue(q.id),
      q.outcome === "ok" ? "ok" : `error ${showValue(q.error_code ?? "")}`,
      showValue(q.capability),
      showValue(q.tenant_id),
      showValue(q.source),
      showValue(q.table),
      String(q.row_count),
      q.evidence_id === null ? "-" : showValue(q.evidence_id),
      showValue(q.created_at),
    ]),
    "",
  );
}

export function formatQueryAudit(q: QueryAuditItem): string {
  return textLines([
    `Query audit ${showValue(q.id)}: ${q.outcome === "ok" ? "ok" : `error ${showValue(q.error_code ?? "")}`}`,
    `  capability: ${showValue(q.capability)}`,
    `  tenant: ${showValue(q.tenant_id)}`,
    `  principal: ${showValue(q.principal)}`,
    `  source: ${showValue(q.source)}`,
    `  table: ${showValue(q.table)}`,
    `  statement fingerprint: ${showValue(q.statement_fingerprint)}`,
    `  parameters (trusted values by name): ${showValue(q.redacted_params)}`,
    `  rows: ${q.row_count}; duration: ${q.duration_ms} ms`,
    `  evidence: ${q.evidence_id === null ? "none" : showValue(q.evidence_id)}`,
    `  trace: ${q.traceparent === null ? "none" : showValue(q.traceparent)}`,
    `  recorded: ${showValue(q.created_at)}`,
  ]);
}

export function formatActivity(entries: readonly ActivityEntry[]): string {
  if (entries.length === 0) return "No activity matches.\n";
  return table(
    ["TIME", "KIND", "ID", "TENANT", "CAPABILITY", "WHAT"],
    entries.map((e) => [
      showValue(e.created_at),
      e.kind,
      showValue(e.id),
      e.tenant_id === null ? "-" : showValue(e.tenant_id),
      e.capability === null ? "-" : showValue(e.capability),
      e.summary,
    ]),
    "",
  );
}
