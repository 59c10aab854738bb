// Every command's help, read from the registered command tree: each default is said once.

import { test } from "node:test";
import assert from "node:assert/strict";
import { loadProgram } from "../../cli/main.ts";
import { commandLine, commandsBelow } from "../../cli/command-tree.ts";

// The whole command tree, every command file loaded.
const program = await loadProgram();

test("no option or argument in any command's help states its default twice", () => {
  const commands = [program, ...commandsBelow(program).map((c) => c.command)];
  assert.ok(commands.length > 20, `the walk found ${commands.length} commands`);
  const repeated: string[] = [];
  for (const command of commands) {
    const help = command.createHelp();
    const entries = [
      ...help.visibleOptions(command).map((o) => [o.flags, help.optionDescription(o)] as const),
      ...help.visibleArguments(command).map((a) => [a.name(), help.argumentDescription(a)] as const),
    ];
    for (const [term, description] of entries) {
      const mentions = description.match(/\bdefault\b/gi)?.length ?? 0;
      if (description.includes("(default:") && mentions > 1) repeated.push(`${commandLine(command)} ${term}: ${description}`);
    }
  }
  assert.deepEqual(repeated, [], "commander already appends \"(default: …)\" for these; drop the one in the description");
});

test("the printed help of a command with a default shows it once", () => {
  const list = commandsBelow(program).find((c) => c.words.join(" ") === "proposals list");
  assert.ok(list, "proposals list is registered");
  const text = list.command.helpInformation().replace(/\s+/g, " ");
  assert.match(text, /--limit <n> at most this many \(default: 50\)/);
});

test("every command that takes --store S also takes --store-url-env VAR (a Postgres ledger)", () => {
  const withStore = commandsBelow(program).filter(({ command }) => command.options.some((o) => o.long === "--store"));
  assert.ok(withStore.length > 30, `the walk found ${withStore.length} commands with --store`);
  const missing = withStore.filter(({ command }) => !command.options.some((o) => o.long === "--store-url-env")).map(({ words }) => words.join(" "));
  assert.deepEqual(missing, []);
});
