// `synapsor-runner receipts list|show`: what the executors reported for approved proposals.

import type { Command } from "commander";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { formatReceipt, formatReceiptList } from "../operator/review/format.ts";
import { positiveInt } from "../operator/review/options.ts";
import { withLedger } from "../operator/review/store.ts";
import { CliError, printJson } from "./program.ts";

interface ListFlags {
  store: string;
  proposal?: string;
  tenant?: string;
  limit: number;
  json?: boolean;
}

export function register(program: Command): void {
  const group = program.command("receipts").description("Writeback receipts: what each executor reported (applied, already_applied, conflict, failed)");

  group
    .command("list")
    .description("List receipts, newest first")
    .requiredOption("--store <file>", "the ledger (SQLite file)")
    .option("--proposal <id>", "only receipts of this proposal")
    .option("--tenant <id>", "only receipts of this tenant")
    .option("--limit <n>", "at most this many (default 50)", positiveInt, 50)
    .option("--json", "print the receipts as a JSON array")
    .action((flags: ListFlags) => withLedger(flags.store, (ledger) => list(ledger, flags)));

  group
    .command("show")
    .description("Show one receipt")
    .argument("<id>", "receipt id (rcp_…)")
    .requiredOption("--store <file>", "the ledger (SQLite file)")
    .option("--json", "print the stored receipt as JSON")
    .action((id: string, flags: { store: string; json?: boolean }) =>
      withLedger(flags.store, async (ledger) => {
        const receipt = await ledger.writeback.getReceipt(id);
        if (!receipt) throw new CliError(`No receipt ${id} in this store. List them with: synapsor-runner receipts list --store ${flags.store}`);
        if (flags.json) printJson(receipt);
        else process.stdout.write(formatReceipt(receipt));
      }));
}


async function list(ledger: Ledger, flags: ListFlags): Promise<void> {
  const receipts = await ledger.writeback.listReceipts({
    limit: flags.limit,
    ...(flags.proposal ? { proposalId: flags.proposal } : {}),
    ...(flags.tenant ? { tenantId: flags.tenant } : {}),
  });
  if (flags.json) printJson(receipts);
  else process.stdout.write(formatReceiptList(receipts));
}
