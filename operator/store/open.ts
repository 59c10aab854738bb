// Opens an existing store file for the lifecycle commands (stats, vacuum, prune, erase, verify).
// Like review, it never creates one: a mistyped --store must be an error, not a new empty store.

import { existsSync } from "node:fs";
import { CliError, EXIT } from "../../cli/program.ts";
import type { SqliteDatabase } from "../../runtime/ledger/sqlite/database.ts";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";

export function requireStoreFile(path: string): void {
  if (!existsSync(path)) throw new CliError(`No store at ${path}. Pass the --store the MCP server writes to (its --store flag or storage.sqlite_path).`);
}

/** Runs `work` with the store open and closes it, also when `work` throws; store faults become CliErrors. */
export function withStoreFile<T>(path: string, work: (db: SqliteDatabase) => T): T {
  requireStoreFile(path);
  let db: SqliteDatabase | undefined;
  try {
    db = openSqliteDatabase(path);
    return work(db);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, EXIT.environment);
    throw err;
  } finally {
    db?.close();
  }
}
