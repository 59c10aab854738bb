// One rule for paths: a relative path written inside the config (storage.sqlite_path,
// build.out_dir, build.schema_snapshot) means a place next to the config file, wherever the
// command runs from; a relative path typed on the command line means one under the working
// directory, as any shell user expects. Every command resolves through these two helpers, so
// the CLI, `mcp serve` and a built server.mjs find the same ledger.

import { dirname, isAbsolute, resolve as resolvePath } from "node:path";
import { DEFAULT_STORE_PATH, type Contract } from "./contract.ts";

/** A path written in the config, made absolute against the config file's directory. */
export function resolveConfigPath(configPath: string, written: string): string {
  return isAbsolute(written) ? written : resolvePath(dirname(resolvePath(configPath)), written);
}

/** The ledger file a command uses when no --store is given: storage.sqlite_path (or the default), next to the config. */
export function defaultStorePath(contract: Pick<Contract, "storage">, configPath: string): string {
  return resolveConfigPath(configPath, contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH);
}

/** --store when given (relative to the working directory), else the config's store. */
export function chosenStorePath(flag: string | undefined, contract: Pick<Contract, "storage">, configPath: string): string {
  return flag !== undefined ? resolvePath(flag) : defaultStorePath(contract, configPath);
}
