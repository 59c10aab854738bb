// Opens an existing ledger for the review commands, with the keys that verify and seal its
// review records. The ledger is a SQLite file (--store) or a Postgres database whose URL is in an
// environment variable (--store-url-env; never the URL itself on a command line). Review never
// creates a store: a mistyped --store path or variable must be an error, not a new empty ledger
// that "has no proposals".

import { existsSync } from "node:fs";
import { Option, type Command } from "commander";
import { loadContractFile } from "../../compiler/config/load.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import type { Contract } from "../../compiler/config/contract.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { DEFAULT_LEDGER_KEY_ENV, LedgerKeyError, type KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing, type KeySettings } from "../../runtime/ledger/keys/open-key-ring.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { NoPostgresLedgerError, openLedger } from "../../runtime/ledger/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { configStoreLocation, type StoreLocation } from "../../compiler/config/paths.ts";
import { CliError, EXIT } from "../../cli/program.ts";
import { envNameOrRefuse } from "../../cli/env-name.ts";
import { shellWord } from "./shell-word.ts";

export type { StoreLocation };

/** The flags that say which ledger a command reads. */
export interface StoreFlags {
  store?: string;
  storeUrlEnv?: string;
  /** The contract: its storage.postgres_url_env, else its storage.sqlite_path, when no store flag is given. */
  config?: string;
}

/** What --store says in the help of a command that can also find the store through --config. */
const STORE_OR_CONFIG = "the ledger the MCP server writes (SQLite file; default: --config's storage.sqlite_path, relative to the config)";
const STORE_URL_ENV_HELP = "the NAME of the environment variable holding the URL of a Postgres ledger (instead of --store)";
const STORE_URL_ENV_OR_CONFIG = `${STORE_URL_ENV_HELP}; default: --config's storage.postgres_url_env`;

/** How a command takes its store: `required` when it has no --config fallback (one of the two flags must be given). */
export interface StoreOptionSettings {
  required?: boolean;
  /** --store's help when the command describes its ledger its own way. */
  storeHelp?: string;
}

/** --store <file>. Never commander's requiredOption: --store-url-env may stand in for it (storeLocation checks). */
export function storeOption(settings: StoreOptionSettings = {}): Option {
  const help = settings.storeHelp ?? (settings.required ? "the ledger the MCP server writes (SQLite file)" : STORE_OR_CONFIG);
  return new Option("--store <file>", settings.required ? `${help}; this or --store-url-env is required` : help);
}

/** --store-url-env <VAR>: a Postgres ledger, named by the variable holding its URL. */
export function storeUrlEnvOption(settings: StoreOptionSettings = {}): Option {
  return new Option("--store-url-env <VAR>", settings.required ? STORE_URL_ENV_HELP : STORE_URL_ENV_OR_CONFIG);
}

/** Adds --store <file> and --store-url-env <VAR>. */
export function withStoreOptions(command: Command, settings: StoreOptionSettings = {}): Command {
  return command.addOption(storeOption(settings)).addOption(storeUrlEnvOption(settings));
}

/**
 * The ledger the flags name: --store-url-env → Postgres, --store → SQLite, else --config's
 * storage.postgres_url_env or its SQLite path (the ledger its server uses). `contract` spares a
 * second load when the caller already has it.
 */
export function storeLocation(flags: StoreFlags, contract?: Contract): StoreLocation {
  if (flags.store !== undefined && flags.storeUrlEnv !== undefined) {
    throw new CliError("Pass either --store FILE (a SQLite ledger) or --store-url-env VAR (a Postgres ledger), not both.");
  }
  if (flags.storeUrlEnv !== undefined) return { kind: "postgres", urlEnv: envNameOrRefuse("--store-url-env", flags.storeUrlEnv) };
  if (flags.store !== undefined) return { kind: "sqlite", path: flags.store };
  if (flags.config !== undefined) {
    return configStoreLocation(contract ?? loadContractOrFail(flags.config), flags.config);
  }
  throw new CliError(
    "Say which ledger to read: pass --store FILE (the server's SQLite --store), --store-url-env VAR (the variable holding a Postgres ledger's URL) or --config synapsor.runner.json.",
  );
}

/** Like storeLocation, for a command whose --config is not where the store comes from. */
export function explicitStoreLocation(flags: { store?: string; storeUrlEnv?: string }): StoreLocation {
  if (flags.store === undefined && flags.storeUrlEnv === undefined) {
    throw new CliError("Say which ledger: pass --store FILE (the server's SQLite --store) or --store-url-env VAR (the variable holding a Postgres ledger's URL).");
  }
  return storeLocation({ ...(flags.store !== undefined ? { store: flags.store } : {}), ...(flags.storeUrlEnv !== undefined ? { storeUrlEnv: flags.storeUrlEnv } : {}) });
}

/** The flag that names this store, for hints such as "List them with: …" (shell-quoted, not yet terminal-escaped). */
export function storeFlag(location: StoreLocation | string): string {
  const at = asLocation(location);
  return at.kind === "sqlite" ? `--store ${shellWord(at.path)}` : `--store-url-env ${at.urlEnv}`;
}

/** How a message names the store: its file, or the variable holding its URL (never the URL). */
export function storeName(location: StoreLocation | string): string {
  const at = asLocation(location);
  return at.kind === "sqlite" ? at.path : `the Postgres ledger in ${at.urlEnv}`;
}

function asLocation(location: StoreLocation | string): StoreLocation {
  return typeof location === "string" ? { kind: "sqlite", path: location } : location;
}

/** Where a command that takes --store finds the ledger keys. */
export interface KeyFlags {
  /** The contract; its storage.ledger_key_env names the key variable. */
  config?: string;
  /** Names the key variable directly; wins over --config. */
  ledgerKeyEnv?: string;
}

/** Adds --config and --ledger-key-env to a command that opens a store. */
export function withKeyOptions(command: Command): Command {
  return command
    .option("--config <file>", "the contract; its storage.ledger_key_env names the variable holding the ledger keys")
    .option("--ledger-key-env <VAR>", `the variable holding the ledger keys (default ${DEFAULT_LEDGER_KEY_ENV} if set, else the key file <store>.key; a Postgres ledger needs the variable)`);
}

export function loadContractOrFail(path: string): Contract {
  const loaded = loadContractFile(path);
  const validated = loaded.ok ? validateContract(loaded.raw) : { ok: false as const, diagnostics: loaded.diagnostics };
  if (!validated.ok) throw new CliError(formatDiagnostics(path, validated.diagnostics));
  return validated.value;
}

/**
 * A variable named on the command line or in the contract must be set; the default one is
 * optional for a SQLite file (its key file is the fallback) and required for Postgres, which has
 * no "beside" for a key file and whose replicas must all share one key.
 */
export function keySettings(store: StoreLocation | string, flags: KeyFlags, contract?: Contract): KeySettings {
  const at = asLocation(store);
  const storePath = at.kind === "sqlite" ? at.path : "";
  const postgres = at.kind === "postgres";
  if (flags.ledgerKeyEnv) return { storePath, envName: flags.ledgerKeyEnv, envRequired: true };
  const named = (contract ?? (flags.config ? loadContractOrFail(flags.config) : undefined))?.storage?.ledger_key_env;
  if (named) return { storePath, envName: named, envRequired: true };
  return postgres ? { storePath, envName: DEFAULT_LEDGER_KEY_ENV, envRequired: true } : { storePath };
}

export function openKeys(settings: KeySettings): KeyRing {
  try {
    return openKeyRing(settings);
  } catch (err) {
    if (err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
}

/** The URL in the variable, which must be set; messages name the variable, never the value. */
export function ledgerUrl(urlEnv: string): string {
  const url = process.env[urlEnv];
  if (url === undefined || url.trim() === "") {
    throw new CliError(
      `The environment variable ${urlEnv} is not set; it must hold the URL of the Postgres ledger the servers use (--store-url-env ${urlEnv}). Set it in this shell from your secret store.`,
      EXIT.environment,
    );
  }
  return url;
}

export async function openExistingLedger(store: StoreLocation | string, keys: KeyFlags | KeySettings = {}): Promise<Ledger> {
  const at = asLocation(store);
  if (at.kind === "sqlite" && at.path !== ":memory:" && !existsSync(at.path)) {
    throw new CliError(`No store at ${at.path}. Pass the --store the MCP server writes to (its --store flag or storage.sqlite_path), or --store-url-env VAR for a Postgres ledger.`);
  }
  const url = at.kind === "postgres" ? ledgerUrl(at.urlEnv) : undefined;
  const settings = "storePath" in keys ? keys : keySettings(at, keys);
  const ring = openKeys(settings);
  try {
    return at.kind === "sqlite"
      ? await openLedger({ path: at.path, keys: ring })
      : await openLedger({ postgres: { url: url!, urlEnv: at.urlEnv }, keys: ring, existingOnly: true });
  } catch (err) {
    if (err instanceof StoreUnavailableError || err instanceof NoPostgresLedgerError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
}

/** Runs `work` with the store open and always closes it, also when `work` throws. */
export async function withLedger<T>(store: StoreLocation | string, work: (ledger: Ledger) => T | Promise<T>, keys: KeyFlags | KeySettings = {}): Promise<T> {
  const ledger = await openExistingLedger(store, keys);
  try {
    return await work(ledger);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, EXIT.environment);
    if (err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  } finally {
    await ledger.close();
  }
}
