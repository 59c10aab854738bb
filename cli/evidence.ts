// `synapsor-runner evidence list|show|export`: the evidence bundles reads left in the ledger (the
// rows a tool returned to the model), searched and exported without reading the source again.

import { Option, type Command } from "commander";
import { loadEvidence } from "../operator/ledger/documents.ts";
import { formatEvidence, formatEvidenceList } from "../operator/ledger/format.ts";
import { evidenceMarkdown } from "../operator/ledger/markdown.ts";
import { evidenceItem } from "../operator/ledger/records-json.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { exportDocument, type ExportFlags } from "../operator/ledger/export.ts";
import { STORE_OR_CONFIG, storeOrConfig, withKeyOptions, withLedger, type KeyFlags } from "../operator/review/store.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { CliError, printJson } from "./program.ts";

type ShowFlags = KeyFlags & { store?: string; json?: boolean };

export function register(program: Command): void {
  const group = program.command("evidence").description("Evidence bundles: the rows each read returned to the model, as the ledger captured them");

  withSearchOptions(group.command("list").description("List evidence bundles, newest first"), "evidence bundles")
    .option("--json", "print a JSON array of { id, capability, tenant_id, principal, table, object_id, object_ids, query_audit_id, row_count, created_at }")
    .action((flags: SearchFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const items = (await ledger.reads.listEvidence(readFilterFrom(flags))).map(evidenceItem);
        if (flags.json) printJson(items);
        else process.stdout.write(formatEvidenceList(items));
      }, flags));

  withKeyOptions(group
    .command("show")
    .description("Show one evidence bundle: who read what, its arguments, every row, its query audit and the proposals made on it")
    .argument("<id>", "evidence bundle id (ev_…)")
    .option("--store <file>", STORE_OR_CONFIG)
    .option("--json", "print the bundle as JSON (format synapsor.evidence.v1)"))
    .action((id: string, flags: ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        if (flags.json) printJson(doc);
        else process.stdout.write(formatEvidence(doc));
      }, flags));

  withKeyOptions(group
    .command("export")
    .description("Write one evidence bundle to a file, as JSON or Markdown (never replaces a file without --force)")
    .argument("<id>", "evidence bundle id (ev_…)")
    .option("--store <file>", STORE_OR_CONFIG)
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it")
    .option("--force", "replace --output if it exists")
    .option("--json", "print { ok, id, format, output } as JSON"))
    .action((id: string, flags: ExportFlags & ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        exportDocument(flags, doc, evidenceMarkdown, `evidence bundle ${id} (${doc.row_count} row${doc.row_count === 1 ? "" : "s"})`);
      }, flags));
}

async function load(ledger: Ledger, id: string, flags: ShowFlags) {
  const doc = await loadEvidence(ledger, id);
  if (!doc) {
    throw new CliError(`No evidence bundle ${id} in this store. List them with: synapsor-runner evidence list --store ${flags.store ?? "<file>"}`);
  }
  return doc;
}
