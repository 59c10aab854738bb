// Which file registers which top-level command. A run loads only the files of the command it
// was given: each command file pulls in its own part of the compiler, the ledger and the drivers,
// and loading all of them cost most of every command's start-up (about 600 modules for `apply`
// where it needs about 250). The root's help and a mistyped command load them all.
// test/unit/cli-commands.test.ts checks this table against what each file registers.

import type { Command } from "commander";

export interface CommandFile {
  /** The top-level commands the file registers (or adds subcommands to). */
  readonly names: readonly string[];
  readonly load: () => Promise<{ register(program: Command): void }>;
}

/** In the order the root's help lists them. */
export const COMMAND_FILES: readonly CommandFile[] = [
  { names: ["apply"], load: () => import("./apply.ts") },
  { names: ["build"], load: () => import("./build.ts") },
  { names: ["demo"], load: () => import("./demo.ts") },
  { names: ["version"], load: () => import("./version.ts") },
  { names: ["config"], load: () => import("./config.ts") },
  { names: ["inspect"], load: () => import("./inspect.ts") },
  { names: ["mcp"], load: () => import("./mcp.ts") },
  { names: ["mcp"], load: () => import("./mcp-config.ts") },
  { names: ["init"], load: () => import("./init.ts") },
  { names: ["tools"], load: () => import("./tools.ts") },
  { names: ["handler"], load: () => import("./handler.ts") },
  { names: ["writeback"], load: () => import("./writeback.ts") },
  { names: ["proposals"], load: () => import("./proposals.ts") },
  { names: ["reviewers"], load: () => import("./reviewers.ts") },
  { names: ["receipts"], load: () => import("./receipts.ts") },
  { names: ["replay"], load: () => import("./replay.ts") },
  { names: ["events"], load: () => import("./events.ts") },
  { names: ["store"], load: () => import("./store.ts") },
  { names: ["doctor"], load: () => import("./doctor.ts") },
  { names: ["up"], load: () => import("./up.ts") },
  { names: ["smoke"], load: () => import("./smoke.ts") },
  { names: ["errors"], load: () => import("./errors.ts") },
  { names: ["recipes"], load: () => import("./recipes.ts") },
  { names: ["start", "onboard"], load: () => import("./start.ts") },
  { names: ["evidence"], load: () => import("./evidence.ts") },
  { names: ["query-audit"], load: () => import("./query-audit.ts") },
  { names: ["activity"], load: () => import("./activity.ts") },
  { names: ["ui"], load: () => import("./ui.ts") },
  { names: ["audit"], load: () => import("./audit.ts") },
  { names: ["benchmark"], load: () => import("./benchmark.ts") },
];

/**
 * The files to load for a command line whose first word is `word`: the files registering that
 * command, or every file when the word names none (no word, an option such as --help, `help`,
 * or a typo, which is answered with the closest real name).
 */
export function commandFilesFor(word: string | undefined): readonly CommandFile[] {
  const files = word === undefined ? [] : COMMAND_FILES.filter((file) => file.names.includes(word));
  return files.length > 0 ? files : COMMAND_FILES;
}
