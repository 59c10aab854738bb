// The ledger's MAC keys. They live outside the store (a key file next to it, or an environment
// variable), so someone who can edit the ledger file cannot re-seal what they changed. A key is
// named by an id derived from it: records say which key sealed them without revealing it.

import { createHash } from "node:crypto";

/** The variable read for keys when neither the contract nor the command line names one. */
export const DEFAULT_LEDGER_KEY_ENV = "SYNAPSOR_LEDGER_KEY";

/** Shorter secrets are refused: a MAC is only as strong as its key. */
export const MIN_SECRET_LENGTH = 32;

export interface LedgerKey {
  /** `k_` + 16 hex characters of a hash of the secret; safe to print. */
  id: string;
  /** Never printed, logged or stored in the ledger. */
  secret: string;
  /** When the key was made, if its source knows (the key file does; an environment variable does not). */
  createdAt: string | null;
}

export interface KeyRing {
  /** A key file next to the store, an environment variable, or (for ":memory:" stores) the process itself. */
  readonly kind: "file" | "env" | "memory";
  /** Where the keys are read from, in words for messages, e.g. "the key file /srv/ledger.db.key". */
  readonly source: string;
  /** The key that seals new records. Throws LedgerKeyError when there is none and none can be made. */
  active(): LedgerKey;
  /** A key that may verify records (the active one or a retired one), by id. */
  find(id: string): LedgerKey | undefined;
  /** Every key this ring holds now, active first; no key is created. */
  keys(): LedgerKey[];
}

/** A key problem an operator must fix (a loose key file mode, a missing or too short key). */
export class LedgerKeyError extends Error {
  readonly code = "CONFIGURATION_ERROR" as const;
  constructor(message: string) {
    super(message);
    this.name = "LedgerKeyError";
  }
}

export function keyIdOf(secret: string): string {
  return "k_" + createHash("sha256").update("synapsor-runner ledger key id\n").update(secret, "utf8").digest("hex").slice(0, 16);
}

export function ledgerKey(secret: string, createdAt: string | null = null): LedgerKey {
  return { id: keyIdOf(secret), secret, createdAt };
}

/** A ring over a fixed list of keys, the first one active (an environment variable, or a test). */
export function staticKeyRing(keys: readonly LedgerKey[], source: string, kind: "env" | "memory"): KeyRing {
  const byId = new Map(keys.map((k) => [k.id, k]));
  return {
    kind,
    source,
    active: () => {
      const first = keys[0];
      if (!first) throw new LedgerKeyError(`there is no ledger key in ${source}.`);
      return first;
    },
    find: (id) => byId.get(id),
    keys: () => [...keys],
  };
}
