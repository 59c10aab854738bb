// Opens an existing store for the lifecycle commands (stats, vacuum, prune, erase, verify): a
// SQLite file or a Postgres ledger. Like review, it never creates one: a mistyped --store (or a
// variable naming the wrong database) must be an error, not a new empty store.

import { existsSync } from "node:fs";
import { CliError, EXIT } from "../../cli/program.ts";
import type { SqliteDatabase } from "../../runtime/ledger/sqlite/database.ts";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import type { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { PostgresEventLog } from "../../runtime/ledger/postgres/event-log.ts";
import { NoPostgresLedgerError } from "../../runtime/ledger/postgres/ledger.ts";
import { openPostgresStore } from "../../runtime/ledger/postgres/lifecycle/open.ts";
import { ledgerUrl } from "../review/store.ts";

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

/**
 * Runs `work` on the Postgres ledger whose URL the variable holds (the store commands' direct
 * access to its tables; review goes through withLedger) and closes it, also when `work` throws.
 */
export async function withPostgresStore<T>(urlEnv: string, work: (db: PostgresLedgerDatabase, events: PostgresEventLog) => Promise<T>): Promise<T> {
  let db: PostgresLedgerDatabase | undefined;
  try {
    db = await openPostgresStore({ url: ledgerUrl(urlEnv), urlEnv });
    return await work(db, new PostgresEventLog(db));
  } catch (err) {
    if (err instanceof StoreUnavailableError || err instanceof NoPostgresLedgerError) throw new CliError(err.message, EXIT.environment);
    throw err;
  } finally {
    await db?.close();
  }
}
