// `synapsor-runner demo`: the product's main loop on an embedded database, in one command.

import type { Command } from "commander";
import { lineProgress, silentProgress, terminalProgress } from "../operator/demo/progress.ts";
import { CliError, EXIT, printJson } from "./program.ts";

export function register(program: Command): void {
  program
    .command("demo")
    .description("Run the support-billing example end to end on an embedded Postgres (no database server needed)")
    .option("--dir <dir>", "where the build output and ledger go (replaced on each run)", ".synapsor/demo")
    .option("--json", "print the steps and every tool result as JSON")
    .action(async (flags: { dir: string; json?: boolean }) => {
      const say = (line: string) => process.stdout.write(line + "\n");
      // A live line only where a person watches; a pipe or a CI log gets one line per step event.
      const progress = flags.json ? silentProgress() : process.stdout.isTTY ? terminalProgress(process.stdout.fd) : lineProgress(say);
      try {
        // Loaded here, not at the top: the demo's MCP client is the heaviest import of the CLI, and
        // every other command (each review step, each test's CLI run) would pay for it at start-up.
        const { runDemo } = await import("../operator/demo/run-demo.ts");
        const result = await runDemo({ workDir: flags.dir, say: flags.json ? () => undefined : say, progress });
        if (flags.json) printJson(result);
      } catch (err) {
        throw new CliError(`the demo failed: ${err instanceof Error ? err.message : String(err)}`, EXIT.environment);
      }
    });
}
