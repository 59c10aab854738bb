// The one way to open a ledger: a SQLite file (`path`), or a Postgres database shared by several
// replicas (`postgres`), behind the same ports and the same key ring.

import { DEFAULT_LEDGER_KEY_ENV, type KeyRing } from "./keys/key-ring.ts";
import { openKeyRing } from "./keys/open-key-ring.ts";
import type { Ledger } from "./ports.ts";
import { openSqliteLedger } from "./sqlite/ledger.ts";
import type { Durability } from "./durability.ts";

/** A Postgres ledger: the URL (never logged) and the variable it came from (what messages name). */
export interface PostgresLedgerLocation {
  url: string;
  urlEnv: string;
}

interface CommonLedgerOptions {
  /**
   * The keys that seal and verify review records. Default for a SQLite file: SYNAPSOR_LEDGER_KEY
   * when set, otherwise the key file `<path>.key` (created on first use). Default for Postgres:
   * the variable `keyEnv` names (else SYNAPSOR_LEDGER_KEY), which must be set: there is no key file
   * beside a database, and a key made per replica would seal what the others cannot verify.
   */
  keys?: KeyRing;
  /** Postgres only, when `keys` is absent: the variable holding the keys (storage.ledger_key_env). */
  keyEnv?: string;
  /**
   * The review log's clock: decision, job and receipt times, review deadlines and approval
   * windows. Default the system clock; tests pass another to make a proposal or approval old.
   */
  now?: () => Date;
}

export interface SqliteLedgerOptions extends CommonLedgerOptions {
  /** The SQLite file (created with its directories if missing), or ":memory:". */
  path: string;
  postgres?: undefined;
  /**
   * Told once, with a message for the operator, when the store file is deleted or replaced under
   * the open ledger; from then on every call rejects with StoreUnavailableError.
   */
  onStoreLost?: (message: string) => void;
  /**
   * What a crash may lose (durability.ts). Default power_loss: every commit is fsynced, which is
   * what the review CLI always uses; the compiled server passes the contract's storage.durability.
   */
  durability?: Durability;
}

export interface PostgresLedgerOptions extends CommonLedgerOptions {
  path?: undefined;
  /** The ledger lives in the schema synapsor_ledger of this database, created and migrated on open. */
  postgres: PostgresLedgerLocation;
  /**
   * Refuse (NoPostgresLedgerError) instead of creating the schema when the database has none:
   * the review commands open a ledger servers made, never a new one.
   */
  existingOnly?: boolean;
}

export type LedgerOptions = SqliteLedgerOptions | PostgresLedgerOptions;

/**
 * Rejects with StoreUnavailableError when the store cannot be created, opened or migrated, with
 * LedgerKeyError when the default keys cannot be used, and with NoPostgresLedgerError when
 * `existingOnly` finds no ledger.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  if (options.postgres !== undefined) {
    const keys = options.keys ?? openKeyRing({ storePath: "", envName: options.keyEnv ?? DEFAULT_LEDGER_KEY_ENV, envRequired: true });
    // Loaded here: the Postgres ledger brings the pg driver, which a server on a SQLite ledger
    // would otherwise evaluate at every start before answering its first request.
    const { openPostgresLedger } = await import("./postgres/ledger.ts");
    return openPostgresLedger(options.postgres, keys, options.now, options.existingOnly);
  }
  const keys = options.keys ?? openKeyRing({ storePath: options.path });
  return openSqliteLedger(options.path, keys, options.onStoreLost, options.now, options.durability);
}
export { NoPostgresLedgerError } from "./postgres/no-ledger-error.ts";
