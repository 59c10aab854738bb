// The synapsor-runner CLI: one file per command; this file only wires them together. The
// launcher (bin/synapsor-runner.js) calls `run`; tests read the whole command tree from
// `loadProgram()`.

import { Command, CommanderError } from "commander";
import { RUNNER_VERSION } from "../compiler/version.ts";
import { CliError, EXIT } from "./program.ts";
import { addVersionFlags, reportUnknownCommands } from "./command-tree.ts";
import { commandFilesFor } from "./commands.ts";
import { endQuietlyWhenStdoutCloses } from "../runtime/closed-stdout.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";

/**
 * The command tree for a command line whose first word is `word`: only the files that register
 * that command (see commands.ts), or every command when `word` is undefined or names none.
 */
export async function loadProgram(word?: string): Promise<Command> {
  const program = new Command("synapsor-runner")
    .description("Compile synapsor.runner.json into a scoped, reviewable MCP server for Postgres or MySQL.")
    .showHelpAfterError("(run synapsor-runner --help for usage)")
    .exitOverride();
  addVersionFlags(program, RUNNER_VERSION);
  const files = await Promise.all(commandFilesFor(word).map((file) => file.load()));
  for (const file of files) file.register(program);
  return program;
}

/** Parses the command line and runs the command; failures become a message and an exit code. */
export async function run(argv: readonly string[]): Promise<void> {
  const word = argv[2];
  const program = await loadProgram(word === undefined || word.startsWith("-") ? undefined : word);
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
