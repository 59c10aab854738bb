// `show` and `export` for one kind of ledger record (an evidence bundle, a query audit row): the
// same flags, the same not-found message and the same export rules for each kind, so the kinds
// differ only in how a record is loaded and rendered.

import { Option, type Command } from "commander";
import { exportDocument, type ExportFlags } from "../operator/ledger/export.ts";
import { storeFlag, storeLocation, withKeyOptions, withStoreOptions, withLedger, type KeyFlags, type StoreLocation } from "../operator/review/store.ts";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { CliError, printJson } from "./program.ts";

type ShowFlags = KeyFlags & { store?: string; storeUrlEnv?: string; json?: boolean };

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
  const load = async (ledger: Ledger, id: string, store: StoreLocation): Promise<Doc> => {
    const doc = await kind.load(ledger, id);
    if (!doc) throw new CliError(`No ${kind.noun} ${id} in this store. List them with: synapsor-runner ${kind.group} list ${storeFlag(store)}`);
    return doc;
  };

  withKeyOptions(withStoreOptions(group
    .command("show")
    .description(kind.showDescription)
    .argument("<id>", kind.idHelp))
    .option("--json", `print the ${kind.noun} as JSON (format ${kind.jsonFormat})`))
    .action((id: string, flags: ShowFlags) => {
      const store = storeLocation(flags);
      return withLedger(store, async (ledger) => {
        const doc = await load(ledger, id, store);
        if (flags.json) printJson(doc);
        else process.stdout.write(kind.format(doc));
      }, flags);
    });

  withKeyOptions(withStoreOptions(group
    .command("export")
    .description(`Write one ${kind.noun} to a file, as JSON or Markdown (never replaces a file without --force)`)
    .argument("<id>", kind.idHelp))
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it")
    .option("--force", "replace --output if it exists")
    .option("--json", "print { ok, id, format, output } as JSON"))
    .action((id: string, flags: ExportFlags & ShowFlags) => {
      const store = storeLocation(flags);
      return withLedger(store, async (ledger) => {
        const doc = await load(ledger, id, store);
        exportDocument(flags, doc, kind.markdown, kind.exportLabel(id, doc));
      }, flags);
    });
}
