// Every command a message, comment or document tells the user to run is a command the CLI has:
// the mentions are collected from the shipped sources and docs, the commands from the program.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { loadProgram } from "../../cli/main.ts";
import { commandsBelow } from "../../cli/command-tree.ts";
import { REPO_ROOT } from "../support/cli.ts";

// The whole command tree, every command file loaded.
const program = await loadProgram();

const SCANNED = ["cli", "compiler", "operator", "runtime", "handler", "bin", "templates", "docs", "examples", "schemas", "README.md"];
const TEXT_FILE = /\.(ts|js|mjs|md|json|hbs)$/;

/**
 * Where "synapsor-runner <word>" in source is an instruction rather than prose ("what
 * synapsor-runner wrote"): in inline code after a space (not a template literal's opening
 * backtick), after a colon or "run"/"with"/"as", after npx or a shell prompt, or at the start of a
 * message line.
 */
const MENTION = /(?:(?<!\S)`|: |\b[Rr]un |\bwith |\bas "|\bnpx |\$ |\\n\s*|^\s*)synapsor-runner((?: [a-z][a-z0-9_-]*){1,2})/gm;
/** In Markdown: inline code anywhere in prose; any line of a fenced block. */
const DOC_INLINE = /`synapsor-runner((?: [a-z][a-z0-9_-]*){1,2})/g;
const DOC_FENCED = /(?:^\s*|\bnpx |\$ )synapsor-runner((?: [a-z][a-z0-9_-]*){1,2})/g;

interface Mention {
  file: string;
  line: number;
  words: string[];
}

function filesUnder(path: string): string[] {
  if (statSync(path).isFile()) return TEXT_FILE.test(path) ? [path] : [];
  return readdirSync(path).flatMap((name) => (name === "node_modules" ? [] : filesUnder(join(path, name))));
}

function mentionsIn(file: string): Mention[] {
  const text = readFileSync(file, "utf8");
  const found: Mention[] = [];
  const lines = text.split("\n");
  let inFence = false;
  for (const [index, line] of lines.entries()) {
    if (file.endsWith(".md") && /^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    const pattern = !file.endsWith(".md") ? MENTION : inFence ? DOC_FENCED : DOC_INLINE;
    for (const match of line.matchAll(pattern)) {
      found.push({ file: relative(REPO_ROOT, file), line: index + 1, words: match[1]!.trim().split(" ") });
    }
  }
  return found;
}

/** The registered command paths ("build", "proposals list"), aliases included. */
function registeredPaths(): Set<string> {
  const paths = new Set<string>();
  for (const { words, command } of commandsBelow(program)) {
    for (const name of [command.name(), ...command.aliases()]) paths.add([...words.slice(0, -1), name].join(" "));
  }
  return paths;
}

/** The words of a mention that name a command: the first, and the second when the first is a group. */
function commandWords(mention: Mention, groups: ReadonlySet<string>): string[] {
  const [first, second] = mention.words;
  return groups.has(first!) && second !== undefined ? [first!, second] : [first!];
}

test("every `synapsor-runner <command>` in the sources and docs names a registered command", () => {
  const registered = registeredPaths();
  const groups = new Set(commandsBelow(program).filter((c) => c.command.commands.length > 0).map((c) => c.words.join(" ")));
  const mentions = SCANNED.flatMap((path) => filesUnder(join(REPO_ROOT, path)).flatMap(mentionsIn));
  assert.ok(mentions.length > 40, `found ${mentions.length} mentions; the scan is looking in the wrong place`);

  const unknown = mentions
    .filter((m) => {
      const words = commandWords(m, groups);
      return !registered.has(words.join(" "));
    })
    .map((m) => `${m.file}:${m.line}: synapsor-runner ${m.words.join(" ")}`);
  assert.deepEqual(unknown, [], "these name no registered command: fix the text, or register the command");
});

test("the scan sees a mention in each of its forms", () => {
  const forms = [
    "Create it with `synapsor-runner inspect --json`.",
    "List them with: synapsor-runner proposals list --store S",
    '"Apply it with:\\n  synapsor-runner apply --proposal X"',
    'say(`12. Applying it, as "synapsor-runner apply"`)',
    "Run synapsor-runner build --config F",
  ];
  for (const form of forms) assert.equal([...form.matchAll(MENTION)].length, 1, form);
  for (const prose of ["exactly what synapsor-runner wrote", "npm install synapsor-runner", "synapsor-runner/runtime", "write(`synapsor-runner needs Node.js"]) {
    assert.equal([...prose.matchAll(MENTION)].length, 0, prose);
  }
});
