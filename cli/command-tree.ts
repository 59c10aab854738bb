// The CLI as a tree of commands: the version flags, the answer to a mistyped command at any
// level, and the walk the tests use to read every registered command and its help.

import { Command, CommanderError, Option } from "commander";
import { closest } from "../compiler/resolve/names.ts";
import { CliError } from "./program.ts";

/**
 * `--version` and `-V` print the version. `--version-flag`, the spelling of earlier releases,
 * still works (hidden from the help) so scripts that use it keep running.
 */
export function addVersionFlags(program: Command, version: string): void {
  program.version(version, "-V, --version", "print the version");
  program.addOption(new Option("--version-flag", "print the version").hideHelp());
  program.on("option:version-flag", () => {
    process.stdout.write(`${version}\n`);
    // The same ending commander gives --version: exit 0 before any command runs.
    throw new CommanderError(0, "commander.version", version);
  });
}

/** Every command below `root` (not `root` itself), depth first, with its words from the root. */
export function commandsBelow(root: Command): Array<{ words: string[]; command: Command }> {
  const found: Array<{ words: string[]; command: Command }> = [];
  const visit = (command: Command, words: string[]) => {
    for (const sub of command.commands) {
      const path = [...words, sub.name()];
      found.push({ words: path, command: sub });
      visit(sub, path);
    }
  };
  visit(root, []);
  return found;
}

/** The words that run `command` from the command line, e.g. "synapsor-runner proposals list". */
export function commandLine(command: Command): string {
  const words: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) words.unshift(c.name());
  return words.join(" ");
}

/**
 * A command word nobody registered, at the root or under a group such as `proposals`, is refused
 * with the closest real name, so a typo costs one look rather than a trip through --help.
 */
export function reportUnknownCommands(root: Command): void {
  for (const command of [root, ...commandsBelow(root).map((c) => c.command)]) {
    if (command.commands.length === 0) continue;
    command.on("command:*", (operands: string[]) => {
      const word = operands[0] ?? "";
      const names = command.createHelp().visibleCommands(command).flatMap((c) => [c.name(), ...c.aliases()]);
      const guess = closest(word, names);
      const where = command.parent ? ` for '${commandLine(command).replace(/^\S+ /, "")}'` : "";
      throw new CliError(
        `unknown command '${word}'${where}.${guess === undefined ? "" : ` Did you mean '${guess}'?`}` +
          ` Run ${commandLine(command)} --help to list the commands.`,
      );
    });
  }
}
