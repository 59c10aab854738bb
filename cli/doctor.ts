// `synapsor-runner doctor`: the setup checklist (operator/doctor/), printed for a person, as JSON
// (`{ ok, checks }`, the acceptance contract) or as a redacted Markdown report. Exit 0 when no
// check failed (warnings included), 1 otherwise.

import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import type { DoctorReport } from "../operator/doctor/check.ts";
import { formatChecks, formatFirstRun, markdownReport } from "../operator/doctor/format.ts";
import { runChecklist } from "../operator/doctor/run.ts";
import { terminalSafe } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT, printJson } from "./program.ts";
import { envNameOrRefuse } from "./env-name.ts";

interface DoctorFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  json?: boolean;
  firstRun?: boolean;
  report?: boolean;
  redact?: boolean;
  output?: string;
  checkHandlers?: boolean;
  checkWriteback?: boolean;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .description("Check a setup end to end (config, env vars, database login, schema, grants, statements, tenant rows, tool boundary, store); never prints a URL or secret")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--store <path>", "the SQLite ledger (default: the config's storage.postgres_url_env ledger, else its storage.sqlite_path, relative to the config)")
    .option("--store-url-env <VAR>", "check the Postgres ledger whose URL this variable holds (default: the config's storage.postgres_url_env)")
    .option("--json", "print { ok, checks: [{ name, status, category, message, fix }] } as JSON")
    .option("--first-run", "explain each problem and print the next command to run")
    .option("--report", "write a Markdown report (always redacted) to --output, or print it")
    .option("--redact", "accepted for clarity: reports are always redacted")
    .option("--output <file>", "where --report writes the Markdown")
    .option("--check-handlers", "probe each http_handler (an OPTIONS request, no job) and command_handler (the program exists)")
    .option("--check-writeback", "run the rollback-only writer probes of `writeback doctor`")
    .action(async (flags: DoctorFlags) => {
      if (flags.output && !flags.report) throw new CliError("--output is where --report writes; add --report.");
      if (flags.json && flags.report && !flags.output) throw new CliError("--json and --report both print to stdout; give --report an --output file.");
      if (flags.store !== undefined && flags.storeUrlEnv !== undefined) {
        throw new CliError("Pass either --store FILE (a SQLite ledger) or --store-url-env VAR (a Postgres ledger), not both.");
      }
      const report = await runChecklist({
        configPath: flags.config,
        env: process.env,
        ...(flags.store ? { store: flags.store } : {}),
        ...(flags.storeUrlEnv ? { storeUrlEnv: envNameOrRefuse("--store-url-env", flags.storeUrlEnv) } : {}),
        ...(flags.checkHandlers ? { checkHandlers: true } : {}),
        ...(flags.checkWriteback ? { checkWriteback: true } : {}),
      });
      printReport(report, flags);
      if (!report.ok) process.exitCode = EXIT.invalid;
    });
}

function printReport(report: DoctorReport, flags: DoctorFlags): void {
  if (flags.report) {
    const markdown = markdownReport(report, basename(flags.config));
    if (flags.output) {
      writeFileSync(flags.output, markdown);
      if (!flags.json) process.stderr.write(`synapsor-runner: wrote the redacted doctor report to ${terminalSafe(flags.output)}\n`);
    } else process.stdout.write(markdown);
  }
  if (flags.json) printJson(report);
  else if (flags.firstRun) process.stdout.write(formatFirstRun(report, { configPath: flags.config, ...(flags.store ? { store: flags.store } : {}) }));
  else if (!flags.report || flags.output) process.stdout.write(formatChecks(report));
}
