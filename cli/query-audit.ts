// `synapsor-runner query-audit list|show|export`: the audit row every tool call's query left in
// the ledger (source, table, statement fingerprint, parameters with trusted values by name, row
// count, duration, outcome), failures included.

import { Option, type Command } from "commander";
import { loadQueryAudit } from "../operator/ledger/documents.ts";
import { formatQueryAudit, formatQueryAuditList } from "../operator/ledger/format.ts";
import { queryAuditMarkdown } from "../operator/ledger/markdown.ts";
import { queryAuditItem } from "../operator/ledger/records-json.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { storeLocation, withLedger } from "../operator/review/store.ts";
import { CliError, printJson } from "./program.ts";
import { echoed } from "../runtime/text/echo.ts";
import { registerShowAndExport } from "./ledger-record.ts";

type ListFlags = SearchFlags & { evidence?: string; outcome?: "ok" | "error"; trace?: string };

/** A W3C trace-id as --trace takes it: 32 hex digits, not all zero (stored lowercase). */
const TRACE_ID = /^[0-9a-f]{32}$/;

export function register(program: Command): void {
  const group = program.command("query-audit").description("Query audit: one row per tool call's query (failures included), with its fingerprint and redacted parameters");

  withSearchOptions(group.command("list").description("List query audit rows, newest first"), "audit rows")
    .option("--evidence <id>", "only the read that wrote this evidence bundle (ev_…)")
    .addOption(new Option("--outcome <outcome>", "only successful or only failed queries").choices(["ok", "error"]))
    .option("--trace <trace-id>", "only the calls of this distributed trace: the 32 hex digits of a W3C trace-id (the second field of a traceparent)")
    .option("--json", "print a JSON array of { id, capability, tenant_id, principal, source, table, statement_fingerprint, outcome, error_code, row_count, duration_ms, redacted_params, evidence_id, traceparent, created_at }")
    .action((flags: ListFlags) =>
      withLedger(storeLocation(flags), async (ledger) => {
        const filter = readFilterFrom(flags);
        if (flags.evidence !== undefined) filter.evidenceId = flags.evidence;
        if (flags.outcome !== undefined) filter.outcome = flags.outcome;
        if (flags.trace !== undefined) filter.traceId = traceIdFrom(flags.trace);
        const items = (await ledger.reads.listQueryAudit(filter)).map(queryAuditItem);
        if (flags.json) printJson(items);
        else process.stdout.write(formatQueryAuditList(items));
      }, flags));

  registerShowAndExport(group, {
    group: "query-audit",
    noun: "query audit row",
    idHelp: "query audit id (qa_…)",
    showDescription: "Show one query audit row",
    jsonFormat: "synapsor.query-audit.v1",
    load: loadQueryAudit,
    format: formatQueryAudit,
    markdown: queryAuditMarkdown,
    exportLabel: (id, doc) => `query audit ${id} (${doc.outcome})`,
  });
}

/** The trace-id to look for: hex in either case is accepted and stored traceparents are lowercase; anything else is refused. */
function traceIdFrom(text: string): string {
  const id = text.toLowerCase();
  if (!TRACE_ID.test(id) || /^0+$/.test(id)) {
    throw new CliError(`--trace takes a W3C trace-id: 32 hex digits, not all zero (the second field of 00-<trace-id>-<parent-id>-<flags>), not ${JSON.stringify(echoed(text, 80))}.`);
  }
  return id;
}
