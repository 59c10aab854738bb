// One rule for paths: a relative path written inside the config (storage.sqlite_path,
// build.out_dir, build.schema_snapshot) means a place next to the config file, wherever the
// command runs from; a relative path typed on the command line means one under the working
// directory, as any shell user expects. Every command resolves through these two helpers, so
// the CLI, `mcp serve` and a built server.mjs find the same ledger.

import { dirname, isAbsolute, relative, resolve as resolvePath, sep } from "node:path";
import { DEFAULT_STORE_PATH, type Contract } from "./contract.ts";

/** A path written in the config, made absolute against the config file's directory. */
export function resolveConfigPath(configPath: string, written: string): string {
  return isAbsolute(written) ? written : resolvePath(dirname(resolvePath(configPath)), written);
}

/** The ledger file a command uses when no --store is given: storage.sqlite_path (or the default), next to the config. */
export function defaultStorePath(contract: Pick<Contract, "storage">, configPath: string): string {
  return resolveConfigPath(configPath, contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH);
}

/** Where a ledger is: a SQLite file, or a Postgres database whose URL an environment variable holds. */
export type StoreLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; urlEnv: string };

/** The ledger a config's server uses without a store flag: storage.postgres_url_env, else its SQLite file. */
export function configStoreLocation(contract: Pick<Contract, "storage">, configPath: string): StoreLocation {
  const urlEnv = contract.storage?.postgres_url_env;
  return urlEnv ? { kind: "postgres", urlEnv } : { kind: "sqlite", path: defaultStorePath(contract, configPath) };
}

/** --store when given (relative to the working directory), else the config's store. */
export function chosenStorePath(flag: string | undefined, contract: Pick<Contract, "storage">, configPath: string): string {
  if (flag === undefined) return defaultStorePath(contract, configPath);
  return flag === ":memory:" ? flag : resolvePath(flag);
}

/**
 * What server.mjs bakes as its default ledger: the store's path relative to the bundle's
 * directory (forward slashes), which the server resolves against its own location at start. A
 * store written as an absolute path in the config stays absolute.
 */
export function storePathFromBundle(bundleDir: string, contract: Pick<Contract, "storage">, configPath: string): string {
  const written = contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH;
  if (isAbsolute(written)) return written;
  const rel = relative(resolvePath(bundleDir), defaultStorePath(contract, configPath));
  // Another drive (Windows): no relative path exists, so the absolute one is baked.
  if (isAbsolute(rel)) return defaultStorePath(contract, configPath);
  return rel.split(sep).join("/");
}
