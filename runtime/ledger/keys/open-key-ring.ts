// Which keys a process uses for a store: the environment variable when it is set (the way
// replicas and the review CLI on another host share keys), otherwise the store's key file.
// A variable named explicitly (storage.ledger_key_env, --ledger-key-env) must be set: falling
// back to a local file there would quietly give each replica a key of its own.

import { randomBytes } from "node:crypto";
import { envKeyRing } from "./key-env.ts";
import { fileKeyRing, keyFilePath } from "./key-file.ts";
import { DEFAULT_LEDGER_KEY_ENV, LedgerKeyError, ledgerKey, staticKeyRing, type KeyRing } from "./key-ring.ts";

export interface KeySettings {
  storePath: string;
  /** The variable that may hold the keys; default SYNAPSOR_LEDGER_KEY. */
  envName?: string | null;
  /** True when the name was chosen explicitly (contract or command line): then it must be set. */
  envRequired?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Throws LedgerKeyError when the keys named cannot be used. */
export function openKeyRing(settings: KeySettings): KeyRing {
  const name = settings.envName ?? DEFAULT_LEDGER_KEY_ENV;
  const value = (settings.env ?? process.env)[name];
  if (value !== undefined && value.trim() !== "") return envKeyRing(name, value);
  if (settings.envRequired) {
    throw new LedgerKeyError(
      `the environment variable ${name} is not set; it must hold the ledger key (a long random secret, e.g. \`openssl rand -base64 32\`) ` +
        "shared by every server and review command that uses this store.",
    );
  }
  // An in-memory store lives and dies with its process; so does its key.
  if (settings.storePath === ":memory:") return staticKeyRing([ledgerKey(randomBytes(32).toString("base64url"))], "a key held in memory", "memory");
  return fileKeyRing(keyFilePath(settings.storePath));
}
