// `synapsor-runner evidence list|show|export`: the evidence bundles reads left in the ledger (the
// rows a tool returned to the model), searched and exported without reading the source again.

import type { Command } from "commander";
import { loadEvidence } from "../operator/ledger/documents.ts";
import { formatEvidence, formatEvidenceList } from "../operator/ledger/format.ts";
import { evidenceMarkdown } from "../operator/ledger/markdown.ts";
import { evidenceItem } from "../operator/ledger/records-json.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { storeLocation, withLedger } from "../operator/review/store.ts";
import { printJson } from "./program.ts";
import { registerShowAndExport } from "./ledger-record.ts";


export function register(program: Command): void {
  const group = program.command("evidence").description("Evidence bundles: the rows each read returned to the model, as the ledger captured them");

  withSearchOptions(group.command("list").description("List evidence bundles, newest first"), "evidence bundles")
    .option("--json", "print a JSON array of { id, capability, tenant_id, principal, table, object_id, object_ids, query_audit_id, row_count, created_at }")
    .action((flags: SearchFlags) =>
      withLedger(storeLocation(flags), async (ledger) => {
        const items = (await ledger.reads.listEvidence(readFilterFrom(flags))).map(evidenceItem);
        if (flags.json) printJson(items);
        else process.stdout.write(formatEvidenceList(items));
      }, flags));

  registerShowAndExport(group, {
    group: "evidence",
    noun: "evidence bundle",
    idHelp: "evidence bundle id (ev_…)",
    showDescription: "Show one evidence bundle: who read what, its arguments, every row, its query audit and the proposals made on it",
    jsonFormat: "synapsor.evidence.v1",
    load: loadEvidence,
    format: formatEvidence,
    markdown: evidenceMarkdown,
    exportLabel: (id, doc) => `evidence bundle ${id} (${doc.row_count} row${doc.row_count === 1 ? "" : "s"})`,
  });
}
