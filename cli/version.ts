import type { Command } from "commander";
import { RUNNER_VERSION } from "../compiler/version.ts";
import { printJson } from "./program.ts";

export function register(program: Command): void {
  program
    .command("version")
    .description("Print the synapsor-runner version")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      if (opts.json) printJson({ version: RUNNER_VERSION, node: process.versions.node });
      else process.stdout.write(`synapsor-runner ${RUNNER_VERSION} (node ${process.versions.node})\n`);
    });
}
