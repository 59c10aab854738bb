// The one way to open a ledger. Today every ledger is a SQLite file; a Postgres ledger (a later
// issue) becomes another branch here, behind the same ports and the same key ring.

import type { KeyRing } from "./keys/key-ring.ts";
import { openKeyRing } from "./keys/open-key-ring.ts";
import type { Ledger } from "./ports.ts";
import { openSqliteLedger } from "./sqlite/ledger.ts";
import type { Durability } from "./durability.ts";

export interface LedgerOptions {
  /** The SQLite file (created with its directories if missing), or ":memory:". */
  path: string;
  /**
   * The keys that seal and verify review records. Default: the store's default key ring
   * (SYNAPSOR_LEDGER_KEY when set, otherwise the key file `<path>.key`, created on first use).
   */
  keys?: KeyRing;
  /**
   * Told once, with a message for the operator, when the store file is deleted or replaced under
   * the open ledger; from then on every call rejects with StoreUnavailableError.
   */
  onStoreLost?: (message: string) => void;
  /**
   * The review log's clock: decision, job and receipt times, review deadlines and approval
   * windows. Default the system clock; tests pass another to make a proposal or approval old.
   */
  now?: () => Date;
  /**
   * What a crash may lose (durability.ts). Default power_loss: every commit is fsynced, which is
   * what the review CLI always uses; the compiled server passes the contract's storage.durability.
   */
  durability?: Durability;
}

/**
 * Rejects with StoreUnavailableError when the store cannot be created, opened or migrated, and
 * with LedgerKeyError when the default keys cannot be used.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const keys = options.keys ?? openKeyRing({ storePath: options.path });
  return openSqliteLedger(options.path, keys, options.onStoreLost, options.now, options.durability);
}
