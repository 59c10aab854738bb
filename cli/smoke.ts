// `synapsor-runner smoke call`: one tool call through the compiled server, against the live
// source, before any MCP client is configured. With --json stdout carries only the result
// envelope (also when it is not ok); everything else goes to stderr.

import type { Command } from "commander";
import { runSmokeCall } from "../operator/smoke/run-smoke-call.ts";
import { smokeSummary } from "../operator/smoke/summary.ts";
import { terminalSafe, terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT, printJson } from "./program.ts";
import { envNameOrRefuse } from "./env-name.ts";

interface CallFlags {
  config: string;
  store?: string;
  storeUrlEnv?: string;
  tool?: string;
  args?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const group = program.command("smoke").description("Try the compiled tools against the live database before wiring a client");
  group
    .command("call")
    .description("Call one tool through the same compiled server `mcp serve` runs, with the trusted tenant and principal from the environment")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--store <path>", "SQLite ledger file (default: the config's storage.postgres_url_env ledger, else its storage.sqlite_path, relative to the config)")
    .option("--store-url-env <VAR>", "the NAME of the environment variable holding a Postgres ledger's URL (instead of --store)")
    .option("--tool <name>", "canonical (billing.inspect_invoice) or OpenAI-style (billing__inspect_invoice) name (default: .synapsor/smoke-input.json's tool, else the first read tool)")
    .option("--args <json>", "the tool's arguments as a JSON object (default: .synapsor/smoke-input.json's args, else {})")
    .option("--json", "print only the result envelope on stdout")
    .action(async (flags: CallFlags) => smokeCall(flags));
}

async function smokeCall(flags: CallFlags): Promise<void> {
  const args = flags.args === undefined ? undefined : parseArgsFlag(flags.args);
  if (flags.store !== undefined && flags.storeUrlEnv !== undefined) {
    throw new CliError("Pass either --store FILE (a SQLite ledger) or --store-url-env VAR (a Postgres ledger), not both.");
  }
  const storeUrlEnv = flags.storeUrlEnv === undefined ? undefined : envNameOrRefuse("--store-url-env", flags.storeUrlEnv);
  const say = (line: string) => process.stderr.write(`synapsor-runner: ${terminalSafeLines(line)}\n`);
  const outcome = await runSmokeCall({
    configPath: flags.config,
    ...(flags.store !== undefined ? { storePath: flags.store } : {}),
    ...(storeUrlEnv !== undefined ? { storeUrlEnv } : {}),
    ...(flags.tool !== undefined ? { tool: flags.tool } : {}),
    ...(args !== undefined ? { args } : {}),
    say,
  });
  if (!outcome.called) throw new CliError(`smoke call not made: ${outcome.message}`, outcome.reason === "environment" ? EXIT.environment : EXIT.invalid);

  // The server's warnings and errors are already redacted; they are hints, so stderr either way.
  for (const event of outcome.serverLog) say(`server ${String(event.level)}: ${String(event.event)}${event.message ? `: ${String(event.message)}` : ""}`);
  if (flags.json) printJson(outcome.envelope);
  else process.stdout.write(smokeSummary(outcome, flags.config).map((l) => terminalSafe(l)).join("\n") + "\n");
  process.exitCode = outcome.envelope.ok === true ? EXIT.ok : EXIT.invalid;
}

function parseArgsFlag(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`--args is not valid JSON. Pass an object, e.g. --args '{"invoice_id":"INV-3001"}'.`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`--args must be a JSON object, e.g. --args '{"invoice_id":"INV-3001"}'.`);
  }
  return parsed as Record<string, unknown>;
}
