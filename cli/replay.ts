// `synapsor-runner replay show|export`: one proposal's story, from the trusted context to the
// receipts, as captured in the ledger.

import { Option, type Command } from "commander";
import { LIST_LIMIT, type Ledger } from "../runtime/ledger/ports.ts";
import { REPLAY_ID_PREFIX } from "../runtime/ledger/records.ts";
import { proposalHistory } from "../operator/review/history.ts";
import { buildReplay, replayMarkdown, type Replay } from "../operator/review/replay.ts";
import { explicitStoreLocation, storeFlag, storeOption, storeUrlEnvOption, withKeyOptions, withLedger, type KeyFlags, type StoreLocation } from "../operator/review/store.ts";
import { writeFileAtomically } from "../operator/review/write-file.ts";
import { terminalSafe, terminalSafeJson } from "../runtime/text/terminal-safe.ts";
import { CliError, printJson } from "./program.ts";

const REPLAY_ID_HELP = "proposal id (wrp_…), its replay id (replay_wrp_…), or the id of the evidence bundle it was made on (ev_…)";

export function register(program: Command): void {
  const group = program.command("replay").description("Replay a proposal: trusted context → evidence → diff → decision → writeback job → receipts → events");

  withKeyOptions(group
    .command("show")
    .description("Print the replay of a proposal")
    .argument("<id>", REPLAY_ID_HELP)
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--json", "print the replay document as JSON"))
    .action((id: string, flags: { store?: string; storeUrlEnv?: string; json?: boolean } & KeyFlags) => {
      const store = explicitStoreLocation(flags);
      return withLedger(store, async (ledger) => {
        const replay = await load(ledger, id, store);
        if (flags.json) printJson(replay);
        else process.stdout.write(replayMarkdown(replay));
      }, flags);
    });

  withKeyOptions(group
    .command("export")
    .description("Write the replay of a proposal to a file")
    .argument("<id>", REPLAY_ID_HELP)
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .addOption(new Option("--format <format>", "file format").choices(["json", "markdown"]).makeOptionMandatory())
    .requiredOption("--output <file>", "where to write it"))
    .action((id: string, flags: { store?: string; storeUrlEnv?: string; format: "json" | "markdown"; output: string } & KeyFlags) => {
      const store = explicitStoreLocation(flags);
      return withLedger(store, async (ledger) => {
        const replay = await load(ledger, id, store);
        writeFileAtomically(flags.output, flags.format === "json" ? terminalSafeJson(JSON.stringify(replay, null, 2)) + "\n" : replayMarkdown(replay));
        process.stdout.write(terminalSafe(`Wrote the replay of ${id} (${replay.state}, ${replay.events.length} events${replay.verified ? "" : ", NOT VERIFIED"}) to ${flags.output}.`) + "\n");
      }, flags);
    });
}

async function load(ledger: Ledger, id: string, store: StoreLocation): Promise<Replay> {
  const proposalId = await replayedProposal(ledger, id, store);
  const history = await proposalHistory(ledger, proposalId);
  if (!history) throw new CliError(`No proposal ${proposalId} in this store. List them with: synapsor-runner proposals list ${storeFlag(store)}`);
  return buildReplay(history);
}

/**
 * The proposal a replay id names: a proposal id (wrp_…), the same with the replay prefix
 * (replay_wrp_…, as the synapsor://replay/ resource names it), or the evidence bundle the
 * proposal was made on (ev_…): replay stays proposal-centric, so a read nobody proposed on has none.
 */
async function replayedProposal(ledger: Ledger, id: string, store: StoreLocation): Promise<string> {
  const flag = storeFlag(store);
  if (id.startsWith(REPLAY_ID_PREFIX)) return id.slice(REPLAY_ID_PREFIX.length);
  if (!id.startsWith("ev_")) return id;
  const [bundle, proposals] = await Promise.all([ledger.reads.getEvidence(id), ledger.proposals.list({ evidenceId: id, limit: LIST_LIMIT })]);
  if (!bundle && proposals.length === 0) {
    throw new CliError(`No evidence bundle ${id} in this store. List them with: synapsor-runner evidence list ${flag}`);
  }
  if (proposals.length === 0) {
    throw new CliError(`Evidence bundle ${id} has no proposal linked to it (a read that led to no proposal), so there is nothing to replay. ` +
      `Inspect the read itself with: synapsor-runner evidence show ${id} ${flag}`);
  }
  if (proposals.length > 1) {
    throw new CliError(`Evidence bundle ${id} has ${proposals.length} proposals: ${proposals.map((p) => p.id).join(", ")}. ` +
      `Replay one of them by its id: synapsor-runner replay show wrp_… ${flag}`);
  }
  return proposals[0]!.id;
}
