// `synapsor-runner start --from-env VAR` and its alias `onboard db`: the guided first hour, from a
// read-only database URL to a built server and a first smoke call (operator/onboard/start).

import type { Command } from "commander";
import { runStart } from "../operator/onboard/start/run-start.ts";
import { envNameOrRefuse } from "./env-name.ts";

interface StartFlags {
  fromEnv: string;
  schema?: string;
  config: string;
  force?: boolean;
}

function withStartOptions(command: Command): Command {
  return command
    .requiredOption("--from-env <VAR>", "name of the env var holding the read-only database URL (the URL itself is never a flag)")
    .option("--schema <name>", "Postgres: only this schema; MySQL: this database instead of the URL's")
    .option("--config <file>", "where to write the config", "synapsor.runner.json")
    .option("--force", "replace files a previous run wrote")
    .action(async (flags: StartFlags) => {
      envNameOrRefuse("--from-env", flags.fromEnv);
      await runStart({ fromEnv: flags.fromEnv, config: flags.config, force: flags.force === true, ...(flags.schema !== undefined ? { schema: flags.schema } : {}) });
    });
}

const DESCRIPTION =
  "Guided first run on your own database: inspect, choose a table and what the model may do, write the config, build, and make a first smoke call (interactive)";

export function register(program: Command): void {
  withStartOptions(program.command("start").description(DESCRIPTION));
  const onboard = program.commands.find((c) => c.name() === "onboard") ?? program.command("onboard").description("Onboarding commands");
  withStartOptions(onboard.command("db").description(`${DESCRIPTION} (same as start)`));
}
