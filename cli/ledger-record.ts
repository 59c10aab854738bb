// `show` and `export` for one kind of ledger record (an evidence bundle, a query audit row): the
// same flags, the same not-found message and the same export rules for each kind, so the kinds
// differ only in how a record is loaded and rendered.

import { Option, type Command } from "commander";
import { exportDocument, type ExportFlags } from "../operator/ledger/export.ts";
import { STORE_OR_CONFIG, storeOrConfig, withKeyOptions, withLedger, type KeyFlags } from "../operator/review/store.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { CliError, printJson } from "./program.ts";

type ShowFlags = KeyFlags & { store?: string; json?: boolean };

export interface LedgerRecordKind<Doc extends { id: string }> {
  /** The command group, e.g. "evidence". */
  group: string;
  /** One record in words, e.g. "evidence bundle". */
  noun: string;
  /** How the id argument looks, e.g. "evidence bundle id (ev_…)". */
  idHelp: string;
  showDescription: string;
  /** The format name `show --json` prints, e.g. "synapsor.evidence.v1". */
  jsonFormat: string;
  load(ledger: Ledger, id: string): Promise<Doc | undefined>;
  format(doc: Doc): string;
  markdown(doc: Doc): string;
  /** What `export` says it wrote, e.g. "evidence bundle ev_… (2 rows)". */
  exportLabel(id: string, doc: Doc): string;
}

export function registerShowAndExport<Doc extends { id: string }>(group: Command, kind: LedgerRecordKind<Doc>): void {
  const load = async (ledger: Ledger, id: string, flags: ShowFlags): Promise<Doc> => {
    const doc = await kind.load(ledger, id);
    if (!doc) throw new CliError(`No ${kind.noun} ${id} in this store. List them with: synapsor-runner ${kind.group} list --store ${flags.store ?? "<file>"}`);
    return doc;
  };

  withKeyOptions(group
    .command("show")
    .description(kind.showDescription)
    .argument("<id>", kind.idHelp)
    .option("--store <file>", STORE_OR_CONFIG)
    .option("--json", `print the ${kind.noun} as JSON (format ${kind.jsonFormat})`))
    .action((id: string, flags: ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        if (flags.json) printJson(doc);
        else process.stdout.write(kind.format(doc));
      }, flags));

  withKeyOptions(group
    .command("export")
    .description(`Write one ${kind.noun} to a file, as JSON or Markdown (never replaces a file without --force)`)
    .argument("<id>", kind.idHelp)
    .option("--store <file>", STORE_OR_CONFIG)
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it")
    .option("--force", "replace --output if it exists")
    .option("--json", "print { ok, id, format, output } as JSON"))
    .action((id: string, flags: ExportFlags & ShowFlags) =>
      withLedger(storeOrConfig(flags), async (ledger) => {
        const doc = await load(ledger, id, flags);
        exportDocument(flags, doc, kind.markdown, kind.exportLabel(id, doc));
      }, flags));
}
