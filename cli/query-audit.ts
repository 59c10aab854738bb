// `synapsor-runner query-audit list|show|export`: the audit row every tool call's query left in
// the ledger (source, table, statement fingerprint, parameters with trusted values by name, row
// count, duration, outcome), failures included.

import { Option, type Command } from "commander";
import { loadQueryAudit } from "../operator/ledger/documents.ts";
import { exportDocument, type ExportFlags } from "../operator/ledger/export.ts";
import { formatQueryAudit, formatQueryAuditList } from "../operator/ledger/format.ts";
import { queryAuditMarkdown } from "../operator/ledger/markdown.ts";
import { queryAuditItem } from "../operator/ledger/records-json.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { STORE_OR_CONFIG, storeOrConfig, withKeyOptions, withLedger, type KeyFlags } from "../operator/review/store.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { CliError, printJson } from "./program.ts";

type ShowFlags = KeyFlags & { store?: string; json?: boolean };
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

  withKeyOptions(group
    .command("show")
    .description("Show one query audit row")
    .argument("<id>", "query audit id (qa_…)")
    .option("--store <file>", STORE_OR_CONFIG)
    .option("--json", "print the row as JSON (format synapsor.query-audit.v1)"))
    .action((id: string, flags: ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        if (flags.json) printJson(doc);
        else process.stdout.write(formatQueryAudit(doc));
      }, flags));

  withKeyOptions(group
    .command("export")
    .description("Write one query audit row to a file, as JSON or Markdown (never replaces a file without --force)")
    .argument("<id>", "query audit id (qa_…)")
    .option("--store <file>", STORE_OR_CONFIG)
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it")
    .option("--force", "replace --output if it exists")
    .option("--json", "print { ok, id, format, output } as JSON"))
    .action((id: string, flags: ExportFlags & ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        exportDocument(flags, doc, queryAuditMarkdown, `query audit ${id} (${doc.outcome})`);
      }, flags));
}

async function load(ledger: Ledger, id: string, flags: ShowFlags) {
  const doc = await loadQueryAudit(ledger, id);
  if (!doc) {
    throw new CliError(`No query audit row ${id} in this store. List them with: synapsor-runner query-audit list --store ${flags.store ?? "<file>"}`);
  }
  return doc;
}
