// The synapsor-runner CLI: one file per command; this file only wires them together. The
// launcher (bin/synapsor-runner.js) calls `run`; tests read the command tree from `program`.

import { Command, CommanderError } from "commander";
import { RUNNER_VERSION } from "../compiler/version.ts";
import { CliError, EXIT } from "./program.ts";
import { addVersionFlags, reportUnknownCommands } from "./command-tree.ts";
import { endQuietlyWhenStdoutCloses } from "../runtime/closed-stdout.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { register as registerApply } from "./apply.ts";
import { register as registerBuild } from "./build.ts";
import { register as registerBenchmark } from "./benchmark.ts";
import { register as registerDemo } from "./demo.ts";
import { register as registerVersion } from "./version.ts";
import { register as registerConfig } from "./config.ts";
import { register as registerInspect } from "./inspect.ts";
import { register as registerMcp } from "./mcp.ts";
import { register as registerMcpConfig } from "./mcp-config.ts";
import { register as registerInit } from "./init.ts";
import { register as registerTools } from "./tools.ts";
import { register as registerHandler } from "./handler.ts";
import { register as registerWriteback } from "./writeback.ts";
import { register as registerProposals } from "./proposals.ts";
import { register as registerReviewers } from "./reviewers.ts";
import { register as registerReceipts } from "./receipts.ts";
import { register as registerReplay } from "./replay.ts";
import { register as registerEvents } from "./events.ts";
import { register as registerStore } from "./store.ts";
import { register as registerDoctor } from "./doctor.ts";
import { register as registerUp } from "./up.ts";
import { register as registerSmoke } from "./smoke.ts";
import { register as registerErrors } from "./errors.ts";
import { register as registerRecipes } from "./recipes.ts";
import { register as registerStart } from "./start.ts";
import { register as registerEvidence } from "./evidence.ts";
import { register as registerQueryAudit } from "./query-audit.ts";
import { register as registerActivity } from "./activity.ts";
import { register as registerUi } from "./ui.ts";
import { register as registerAudit } from "./audit.ts";

export const program = new Command("synapsor-runner")
  .description("Compile synapsor.runner.json into a scoped, reviewable MCP server for Postgres or MySQL.")
  .showHelpAfterError("(run synapsor-runner --help for usage)")
  .exitOverride();
addVersionFlags(program, RUNNER_VERSION);

registerApply(program);
registerBuild(program);
registerDemo(program);
registerVersion(program);
registerConfig(program);
registerInspect(program);
registerMcp(program);
registerMcpConfig(program);
registerInit(program);
registerTools(program);
registerHandler(program);
registerWriteback(program);
registerProposals(program);
registerReviewers(program);
registerReceipts(program);
registerReplay(program);
registerEvents(program);
registerStore(program);
registerDoctor(program);
registerUp(program);
registerSmoke(program);
registerErrors(program);
registerRecipes(program);
registerStart(program);
registerEvidence(program);
registerQueryAudit(program);
registerActivity(program);
registerUi(program);
registerAudit(program);
registerBenchmark(program);

/** Parses the command line and runs the command; failures become a message and an exit code. */
export async function run(argv: readonly string[]): Promise<void> {
  // After every registration, so each group of subcommands (and the root) answers a typo alike.
  reportUnknownCommands(program);
  // Every command prints to stdout; `… | head` must not end in an EPIPE stack trace.
  endQuietlyWhenStdoutCloses();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // Messages carry ledger, database and file text (ids, states, key sources): escaped here once for
    // every command; the line breaks are the message's own.
    if (err instanceof CliError) {
      process.stderr.write(`synapsor-runner: ${terminalSafeLines(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT.invalid;
    } else {
      process.stderr.write(`synapsor-runner: unexpected failure: ${terminalSafeLines(err instanceof Error ? String(err.stack) : String(err))}\n`);
      process.exitCode = EXIT.environment;
    }
  }
}
