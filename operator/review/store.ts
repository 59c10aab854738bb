// Opens an existing ledger for the review commands, with the keys that verify and seal its
// review records. Review never creates a store: a mistyped --store path must be an error, not a
// new empty ledger that "has no proposals".

import { existsSync } from "node:fs";
import type { Command } from "commander";
import { loadContractFile } from "../../compiler/config/load.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import type { Contract } from "../../compiler/config/contract.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { DEFAULT_LEDGER_KEY_ENV, LedgerKeyError, type KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing, type KeySettings } from "../../runtime/ledger/keys/open-key-ring.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { chosenStorePath } from "../../compiler/config/paths.ts";
import { CliError, EXIT } from "../../cli/program.ts";

/** What --store says in the help of a command that can also find the store through --config. */
export const STORE_OR_CONFIG = "the ledger the MCP server writes (SQLite file; default: --config's storage.sqlite_path, relative to the config)";

/** --store as typed, else the store of --config next to that config: the one its server uses. */
export function storeOrConfig(flags: { store?: string; config?: string }): string {
  if (flags.store !== undefined) return flags.store;
  if (flags.config !== undefined) return chosenStorePath(undefined, loadContractOrFail(flags.config), flags.config);
  throw new CliError("Say which ledger to read: pass --store FILE (the server's --store) or --config synapsor.runner.json.");
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
    .option("--ledger-key-env <VAR>", `the variable holding the ledger keys (default ${DEFAULT_LEDGER_KEY_ENV} if set, else the key file <store>.key)`);
}

export function loadContractOrFail(path: string): Contract {
  const loaded = loadContractFile(path);
  const validated = loaded.ok ? validateContract(loaded.raw) : { ok: false as const, diagnostics: loaded.diagnostics };
  if (!validated.ok) throw new CliError(formatDiagnostics(path, validated.diagnostics));
  return validated.value;
}

/** A variable named on the command line or in the contract must be set; the default one is optional. */
export function keySettings(storePath: string, flags: KeyFlags, contract?: Contract): KeySettings {
  if (flags.ledgerKeyEnv) return { storePath, envName: flags.ledgerKeyEnv, envRequired: true };
  const named = (contract ?? (flags.config ? loadContractOrFail(flags.config) : undefined))?.storage?.ledger_key_env;
  return named ? { storePath, envName: named, envRequired: true } : { storePath };
}

export function openKeys(settings: KeySettings): KeyRing {
  try {
    return openKeyRing(settings);
  } catch (err) {
    if (err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
}

export async function openExistingLedger(path: string, keys: KeyFlags | KeySettings = {}): Promise<Ledger> {
  if (path !== ":memory:" && !existsSync(path)) {
    throw new CliError(`No store at ${path}. Pass the --store the MCP server writes to (its --store flag or storage.sqlite_path).`);
  }
  const settings = "storePath" in keys ? keys : keySettings(path, keys);
  const ring = openKeys(settings);
  try {
    return await openLedger({ path, keys: ring });
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
}

/** Runs `work` with the store open and always closes it, also when `work` throws. */
export async function withLedger<T>(path: string, work: (ledger: Ledger) => T | Promise<T>, keys: KeyFlags | KeySettings = {}): Promise<T> {
  const ledger = await openExistingLedger(path, keys);
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
