// `synapsor-runner errors list|show`: the internal errors the ledger recorded when a call failed
// (a database that refused the login, a query the driver rejected, a runner bug). The model only
// ever saw a stable code and a safe message; this is the detail behind it, for the operator.

import type { Command } from "commander";
import { formatInternalError, formatInternalErrorList, sinceTime } from "../operator/errors/format.ts";
import { storeFlag, storeLocation, storeName, withLedger, withStoreOptions as withStoreFlags } from "../operator/review/store.ts";
import { positiveInt } from "../operator/review/options.ts";
import { CliError, printJson } from "./program.ts";

interface StoreFlags {
  store?: string;
  storeUrlEnv?: string;
  config?: string;
  json?: boolean;
}

interface ListFlags extends StoreFlags {
  since?: string;
  code?: string;
  tool?: string;
  limit: number;
}

function withStoreOptions(command: Command): Command {
  return withStoreFlags(command, { storeHelp: "the ledger the server writes (SQLite file)" })
    .option("--config <file>", "the contract: without --store or --store-url-env, use its storage.postgres_url_env, else its storage.sqlite_path (relative to the config)");
}

export function register(program: Command): void {
  const group = program.command("errors").description("Internal errors the ledger recorded: the detail behind a failed call's error code");
  withStoreOptions(group.command("list").description("List recorded internal errors, newest first"))
    .option("--since <time>", "only errors at or after this time: ISO 8601 (2026-05-01, 2026-05-01T09:00Z) or an age (30m, 12h, 7d)")
    .option("--code <code>", "only this error code, e.g. CONFIGURATION_ERROR, TEMPORARILY_UNAVAILABLE, INTERNAL")
    .option("--tool <name>", "only errors of this capability (canonical name)")
    .option("--limit <n>", "at most this many", positiveInt, 50)
    .option("--json", "print the errors as a JSON array")
    .action((flags: ListFlags) => list(flags));
  withStoreOptions(group.command("show").description("Show one recorded internal error in full").argument("<id>", "the error's number, from errors list"))
    .option("--json", "print the error as JSON")
    .action((id: string, flags: StoreFlags) => show(id, flags));
}

async function list(flags: ListFlags): Promise<void> {
  const since = flags.since === undefined ? undefined : sinceTime(flags.since);
  if (flags.since !== undefined && since === undefined) {
    throw new CliError(`--since must be an ISO 8601 date or time (2026-05-01T09:00Z) or an age like 30m, 12h or 7d, not ${JSON.stringify(flags.since)}.`);
  }
  await withLedger(storeLocation(flags), async (ledger) => {
    const errors = await ledger.reads.listInternalErrors({
      limit: flags.limit,
      ...(since !== undefined ? { since } : {}),
      ...(flags.code !== undefined ? { code: flags.code } : {}),
      ...(flags.tool !== undefined ? { capability: flags.tool } : {}),
    });
    if (flags.json) printJson(errors);
    else process.stdout.write(formatInternalErrorList(errors));
  });
}

async function show(idText: string, flags: StoreFlags): Promise<void> {
  if (!/^\d{1,15}$/.test(idText)) throw new CliError(`An error id is a number from errors list, not ${JSON.stringify(idText)}.`);
  const store = storeLocation(flags);
  await withLedger(store, async (ledger) => {
    const error = await ledger.reads.getInternalError(Number(idText));
    if (!error) throw new CliError(`No internal error ${idText} in ${storeName(store)}. List them with: synapsor-runner errors list ${storeFlag(store)}`);
    if (flags.json) printJson(error);
    else process.stdout.write(formatInternalError(error));
  });
}
