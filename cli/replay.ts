// `synapsor-runner replay show|export`: one proposal's story, from the trusted context to the
// receipts, as captured in the ledger.

import { Option, type Command } from "commander";
import type { Ledger } from "../runtime/ledger/ports.ts";
import { proposalHistory } from "../operator/review/history.ts";
import { buildReplay, replayMarkdown, type Replay } from "../operator/review/replay.ts";
import { withKeyOptions, withLedger, type KeyFlags } from "../operator/review/store.ts";
import { writeFileAtomically } from "../operator/review/write-file.ts";
import { terminalSafe, terminalSafeJson } from "../runtime/text/terminal-safe.ts";
import { CliError, printJson } from "./program.ts";

export function register(program: Command): void {
  const group = program.command("replay").description("Replay a proposal: trusted context → evidence → diff → decision → writeback job → receipts → events");

  withKeyOptions(group
    .command("show")
    .description("Print the replay of a proposal")
    .argument("<id>", "proposal id (wrp_…)")
    .requiredOption("--store <file>", "the ledger (SQLite file)")
    .option("--json", "print the replay document as JSON"))
    .action((id: string, flags: { store: string; json?: boolean } & KeyFlags) =>
      withLedger(flags.store, async (ledger) => {
        const replay = await load(ledger, id);
        if (flags.json) printJson(replay);
        else process.stdout.write(replayMarkdown(replay));
      }, flags));

  withKeyOptions(group
    .command("export")
    .description("Write the replay of a proposal to a file")
    .argument("<id>", "proposal id (wrp_…)")
    .requiredOption("--store <file>", "the ledger (SQLite file)")
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it"))
    .action((id: string, flags: { store: string; format: "json" | "markdown"; output: string } & KeyFlags) =>
      withLedger(flags.store, async (ledger) => {
        const replay = await load(ledger, id);
        writeFileAtomically(flags.output, flags.format === "json" ? terminalSafeJson(JSON.stringify(replay, null, 2)) + "\n" : replayMarkdown(replay));
        process.stdout.write(terminalSafe(`Wrote the replay of ${id} (${replay.state}, ${replay.events.length} events${replay.verified ? "" : ", NOT VERIFIED"}) to ${flags.output}.`) + "\n");
      }, flags));
}

async function load(ledger: Ledger, id: string): Promise<Replay> {
  const history = await proposalHistory(ledger, id);
  if (!history) throw new CliError(`No proposal ${id} in this store. List them with: synapsor-runner proposals list --store <file>`);
  return buildReplay(history);
}
