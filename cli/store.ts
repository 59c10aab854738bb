// `synapsor-runner store key status|rotate`: the keys that seal proposals and approvals in a
// store. Key values are never printed; ids (derived from the keys) and ages are. The lifecycle
// commands of the same group (stats, vacuum, prune, reset, erase, verify) are in store-lifecycle.ts.

import { existsSync } from "node:fs";
import type { Command } from "commander";
import { keyFilePath, rotateKeyFile } from "../runtime/ledger/keys/key-file.ts";
import { LedgerKeyError, type LedgerKey } from "../runtime/ledger/keys/key-ring.ts";
import { explicitStoreLocation, keySettings, openKeys, withKeyOptions, withStoreOptions, type KeyFlags, type StoreLocation } from "../operator/review/store.ts";
import { table, textLines } from "../operator/review/format.ts";
import { CliError, EXIT, printJson } from "./program.ts";
import { registerLifecycle } from "./store-lifecycle.ts";

interface KeyCommandFlags extends KeyFlags {
  store?: string;
  storeUrlEnv?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const store = program.command("store").description("The ledger store (a SQLite file, or a Postgres ledger with --store-url-env)");
  registerLifecycle(store);
  const key = store.command("key").description("The keys that seal proposals and approvals (kept outside the store)");

  withKeyOptions(withStoreOptions(key
    .command("status")
    .description("Show where the ledger keys come from, the active key id and the retired ones, with their ages (never the keys)"), { required: true })
    .option("--json", "print { source, active, keys: [{ id, active, createdAt, ageDays }] } as JSON"))
    .action((flags: KeyCommandFlags) => status(flags));

  withKeyOptions(withStoreOptions(key
    .command("rotate")
    .description("Add a new active key to the store's key file; older keys stay to verify what they sealed (a Postgres ledger's keys live in an environment variable: rotate them there)"), { required: true })
    .option("--json", "print { keyFile, active, retired } as JSON"))
    .action((flags: KeyCommandFlags) => rotate(flags));
}

/** The ledger the flags name; a SQLite file must exist (a key command never creates a store). A Postgres ledger's keys need no database. */
function requireStore(flags: KeyCommandFlags): StoreLocation {
  const location = explicitStoreLocation(flags);
  if (location.kind === "sqlite" && !existsSync(location.path)) {
    throw new CliError(`No store at ${location.path}. Pass the --store the MCP server writes to (its --store flag or storage.sqlite_path).`);
  }
  return location;
}

function describe(k: LedgerKey, active: boolean, now: number) {
  const ageDays = k.createdAt ? Math.floor((now - Date.parse(k.createdAt)) / 86_400_000) : null;
  return { id: k.id, active, createdAt: k.createdAt, ageDays };
}

function status(flags: KeyCommandFlags): void {
  const ring = openKeys(keySettings(requireStore(flags), flags));
  let keys: LedgerKey[];
  try {
    keys = ring.keys();
  } catch (err) {
    if (err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
  const now = Date.now();
  const rows = keys.map((k, i) => describe(k, i === 0, now));
  if (flags.json) {
    printJson({ source: ring.source, active: rows[0]?.id ?? null, keys: rows });
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(textLines([`No ledger key yet: ${ring.source} does not exist. The first server or review command that seals a record creates it.`]));
    return;
  }
  process.stdout.write(textLines([`Ledger keys from ${ring.source}:`]));
  process.stdout.write(table(["KEY", "STATUS", "CREATED", "AGE"], rows.map((r) => [
    r.id,
    r.active ? "active (seals new records)" : "retired (verifies only)",
    r.createdAt ?? "unknown",
    r.ageDays === null ? "unknown" : `${r.ageDays} day${r.ageDays === 1 ? "" : "s"}`,
  ])));
}

function rotate(flags: KeyCommandFlags): void {
  const location = requireStore(flags);
  const settings = keySettings(location, flags);
  const ring = openKeys(settings);
  if (ring.kind !== "file" || location.kind !== "sqlite") {
    const name = settings.envName ?? "SYNAPSOR_LEDGER_KEY";
    throw new CliError(
      `This store's keys come from ${ring.source}, not from a key file, so there is nothing to rotate here. ` +
        `Rotate by putting a new secret first in ${name} and keeping the old ones after it (comma-separated), then restart every process that uses the store.`,
    );
  }
  const path = keyFilePath(location.path);
  let rotated;
  try {
    rotated = rotateKeyFile(path);
  } catch (err) {
    if (err instanceof LedgerKeyError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
  if (flags.json) {
    printJson({ keyFile: path, active: rotated.active.id, retired: rotated.retired.map((k) => k.id) });
    return;
  }
  process.stdout.write(textLines([
    `New active ledger key ${rotated.active.id} in ${path}.`,
    ...(rotated.retired.length > 0 ? [`Retired (still verify what they sealed): ${rotated.retired.map((k) => k.id).join(", ")}.`] : []),
    "Servers using this key file seal with the new key from their next proposal on.",
  ]));
}
