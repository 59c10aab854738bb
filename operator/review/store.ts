// Opens an existing ledger for the review commands. Review never creates a store: a mistyped
// --store path must be an error, not a new empty ledger that "has no proposals".

import { existsSync } from "node:fs";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { CliError, EXIT } from "../../cli/program.ts";

export async function openExistingLedger(path: string): Promise<Ledger> {
  if (path !== ":memory:" && !existsSync(path)) {
    throw new CliError(`No store at ${path}. Pass the --store the MCP server writes to (its --store flag or storage.sqlite_path).`);
  }
  try {
    return await openLedger({ path });
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, EXIT.environment);
    throw err;
  }
}

/** Runs `work` with the store open and always closes it, also when `work` throws. */
export async function withLedger<T>(path: string, work: (ledger: Ledger) => T | Promise<T>): Promise<T> {
  const ledger = await openExistingLedger(path);
  try {
    return await work(ledger);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw new CliError(err.message, EXIT.environment);
    throw err;
  } finally {
    await ledger.close();
  }
}
