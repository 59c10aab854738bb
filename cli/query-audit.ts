// `synapsor-runner query-audit list|show|export`: the audit row every tool call's query left in
// the ledger (source, table, statement fingerprint, parameters with trusted values by name, row
// count, duration, outcome), failures included.

import { Option, type Command } from "commander";
import { loadQueryAudit } from "../operator/ledger/documents.ts";
import { formatQueryAudit, formatQueryAuditList } from "../operator/ledger/format.ts";
import { queryAuditMarkdown } from "../operator/ledger/markdown.ts";
import { queryAuditItem } from "../operator/ledger/records-json.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { storeOrConfig, withLedger } from "../operator/review/store.ts";
import { printJson } from "./program.ts";
import { registerShowAndExport } from "./ledger-record.ts";

type ListFlags = SearchFlags & { evidence?: string; outcome?: "ok" | "error" };

export function register(program: Command): void {
  const group = program.command("query-audit").description("Query audit: one row per tool call's query (failures included), with its fingerprint and redacted parameters");

  withSearchOptions(group.command("list").description("List query audit rows, newest first"), "audit rows")
    .option("--evidence <id>", "only the read that wrote this evidence bundle (ev_…)")
    .addOption(new Option("--outcome <outcome>", "only successful or only failed queries").choices(["ok", "error"]))
    .option("--json", "print a JSON array of { id, capability, tenant_id, principal, source, table, statement_fingerprint, outcome, error_code, row_count, duration_ms, redacted_params, evidence_id, created_at }")
    .action((flags: ListFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const filter = readFilterFrom(flags);
        if (flags.evidence !== undefined) filter.evidenceId = flags.evidence;
        if (flags.outcome !== undefined) filter.outcome = flags.outcome;
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
