// The one way to open a ledger. Today every ledger is a SQLite file; a Postgres ledger (a later
// issue) becomes another branch here, behind the same ports.

import type { Ledger } from "./ports.ts";
import { openSqliteLedger } from "./sqlite/ledger.ts";

export interface LedgerOptions {
  /** The SQLite file (created with its directories if missing), or ":memory:". */
  path: string;
}

/** Rejects with StoreUnavailableError when the store cannot be created, opened or migrated. */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  return openSqliteLedger(options.path);
}
