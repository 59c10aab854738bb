// The CLI loads only the files of the command it runs (cli/commands.ts). These tests hold the
// table to what each file really registers, so a command loaded alone has exactly the options
// and subcommands it has in the whole tree, and show that a run leaves the other files unloaded.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { COMMAND_FILES, commandFilesFor } from "../../cli/commands.ts";
import { commandsBelow } from "../../cli/command-tree.ts";
import { loadProgram } from "../../cli/main.ts";
import { CLI, REPO_ROOT } from "../support/cli.ts";

/** Every command below `root` with its options and arguments, one line each, for comparing trees. */
function shape(root: Command, under?: string): string[] {
  return commandsBelow(root)
    .filter(({ words }) => under === undefined || words[0] === under)
    .map(({ words, command }) =>
      [words.join(" "), command.description(), ...command.options.map((o) => o.flags), ...command.registeredArguments.map((a) => a.name())].join(" | "),
    );
}

test("each command file registers exactly the top-level commands the table lists for it", async () => {
  for (const file of COMMAND_FILES) {
    const program = new Command("synapsor-runner");
    (await file.load()).register(program);
    assert.deepEqual(
      program.commands.map((c) => c.name()).sort(),
      [...file.names].sort(),
      `the table's names for a file registering ${program.commands.map((c) => c.name()).join(", ")}`,
    );
  }
});

test("every top-level command, loaded alone, has the same subcommands, options and arguments as in the whole tree", async () => {
  const whole = await loadProgram();
  const names = whole.commands.map((c) => c.name());
  assert.deepEqual(names.toSorted(), [...new Set(COMMAND_FILES.flatMap((f) => f.names))].sort(), "the table covers every command");
  for (const name of names) {
    const alone = await loadProgram(name);
    assert.deepEqual(
      alone.commands.map((c) => c.name()),
      [...new Set(COMMAND_FILES.filter((f) => f.names.includes(name)).flatMap((f) => f.names))],
      `loading '${name}' registers only its own files' commands`,
    );
    assert.deepEqual(shape(alone, name), shape(whole, name), `'${name}' loaded alone`);
  }
});

test("no command word, an option, `help` or a word no file registers loads every command", () => {
  for (const word of [undefined, "help", "buidl", "--help"]) assert.equal(commandFilesFor(word), COMMAND_FILES, String(word));
  assert.equal(commandFilesFor("mcp").length, 2, "mcp serve and mcp config live in two files");
});

test("a run loads the files of its own command and not the others", () => {
  // A loader hook in the CLI's process lists every module it loads, on exit, to stderr.
  const hook =
    'import module from "node:module"; const seen = []; module.registerHooks({ load(url, context, next) { seen.push(url); return next(url, context); } });' +
    ' process.on("exit", () => process.stderr.write("\\nLOADED " + JSON.stringify(seen) + "\\n"));';
  const cliFolder = pathToFileURL(`${REPO_ROOT}cli/`).href;
  const loaded = (args: string[]) => {
    const run = spawnSync(process.execPath, ["--import", `data:text/javascript,${encodeURIComponent(hook)}`, CLI, ...args], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const line = run.stderr.split("\n").find((l) => l.startsWith("LOADED "));
    assert.ok(line, run.stderr);
    return (JSON.parse(line.slice("LOADED ".length)) as string[]).filter((url) => url.startsWith(cliFolder)).map((url) => url.slice(cliFolder.length));
  };
  const version = loaded(["version", "--json"]);
  assert.ok(version.includes("version.ts"), version.join(", "));
  for (const other of ["apply.ts", "build.ts", "proposals.ts", "init.ts", "ui.ts"]) assert.ok(!version.includes(other), `'version' loaded ${other}`);
  const help = loaded(["--help"]);
  for (const file of ["apply.ts", "build.ts", "proposals.ts", "init.ts", "ui.ts", "version.ts"]) assert.ok(help.includes(file), `the root's help lists every command, so it loads ${file}`);
});
