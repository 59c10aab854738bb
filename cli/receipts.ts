// `synapsor-runner receipts list|show|reconcile`: what the executors reported for approved
// proposals, and bringing the ledger up to date from the target database's receipt table.

import type { Command } from "commander";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { formatReceipt, formatReceiptList } from "../operator/review/format.ts";
import { positiveInt } from "../operator/review/options.ts";
import { explicitStoreLocation, keySettings, storeFlag, storeOption, storeUrlEnvOption, withLedger } from "../operator/review/store.ts";
import { reconcileProposals, type ReconcileReport } from "../operator/apply/reconcile.ts";
import { textLines } from "../operator/review/format.ts";
import { compileForCommand } from "./compiled.ts";
import { CliError, EXIT, printJson } from "./program.ts";

interface ListFlags {
  store?: string;
  storeUrlEnv?: string;
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
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--proposal <id>", "only receipts of this proposal")
    .option("--tenant <id>", "only receipts of this tenant")
    .option("--limit <n>", "at most this many", positiveInt, 50)
    .option("--json", "print the receipts as a JSON array")
    .action((flags: ListFlags) => withLedger(explicitStoreLocation(flags), (ledger) => list(ledger, flags)));

  group
    .command("show")
    .description("Show one receipt")
    .argument("<id>", "receipt id (rcp_…)")
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--json", "print the stored receipt as JSON")
    .action((id: string, flags: { store?: string; storeUrlEnv?: string; json?: boolean }) => {
      const store = explicitStoreLocation(flags);
      return withLedger(store, async (ledger) => {
        const receipt = await ledger.writeback.getReceipt(id);
        if (!receipt) throw new CliError(`No receipt ${id} in this store. List them with: synapsor-runner receipts list ${storeFlag(store)}`);
        if (flags.json) printJson(receipt);
        else process.stdout.write(formatReceipt(receipt));
      });
    });

  group
    .command("reconcile")
    .description("Record receipts the ledger missed, from the target database's receipt table (authoritative): approved and failed proposals whose write already happened move to applied")
    .requiredOption("--config <file>", "the contract the proposals were made under")
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--proposal <id>", "only this proposal")
    .option("--schema <file>", "schema snapshot to compile the capabilities against (default: build.schema_snapshot, else the live schema of the source's read URL)")
    .option("--from-env <VAR>", "env var holding a database URL: compile the capabilities against its live schema")
    .option("--ledger-key-env <VAR>", "the variable holding the ledger keys (default: the config's storage.ledger_key_env, else SYNAPSOR_LEDGER_KEY or the store's key file)")
    .option("--json", "print one report per proposal as a JSON array")
    .action(async (flags: ReconcileFlags) => reconcile(flags));
}

interface ReconcileFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  proposal?: string;
  schema?: string;
  fromEnv?: string;
  ledgerKeyEnv?: string;
  json?: boolean;
}

async function reconcile(flags: ReconcileFlags): Promise<void> {
  const compiled = await compileForCommand(flags.config, flags);
  const store = explicitStoreLocation(flags);
  const keys = keySettings(store, flags.ledgerKeyEnv ? { ledgerKeyEnv: flags.ledgerKeyEnv } : {}, compiled.contract);
  const reports = await withLedger(store, (ledger) =>
    reconcileProposals({ contract: compiled.contract, plan: compiled.plan, ledger, ...(flags.proposal ? { proposalId: flags.proposal } : {}) }), keys);
  if (flags.json) printJson(reports);
  else process.stdout.write(formatReconcile(reports));
  if (reports.some((r) => r.outcome === "error")) process.exitCode = EXIT.environment;
  else if (flags.proposal && reports.some((r) => r.outcome === "skipped")) process.exitCode = EXIT.invalid;
}

function formatReconcile(reports: ReconcileReport[]): string {
  if (reports.length === 0) return "No approved or failed proposals: nothing to reconcile.\n";
  return textLines(reports.flatMap((r) => [
    `${r.proposalId}: ${r.outcome}${r.code ? ` (${r.code})` : ""}; ${r.from === r.state ? `state ${r.state}` : `state ${r.from} → ${r.state}`}${r.receiptId ? `, receipt ${r.receiptId}` : ""}`,
    `  ${r.message}`,
  ]));
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
