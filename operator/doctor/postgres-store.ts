// The ledger in Postgres, as doctor checks it: its URL and key variables are set, the database
// answers, and the ledger is writable there (or not made yet: the first server creates it).
// Messages name the variables, never the URL; review-style opening, so doctor creates nothing.

import { DEFAULT_LEDGER_KEY_ENV, LedgerKeyError } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing } from "../../runtime/ledger/keys/open-key-ring.ts";
import { NoPostgresLedgerError, openLedger } from "../../runtime/ledger/open.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import { failed, passed, type DoctorCheck } from "./check.ts";

export async function checkPostgresStore(urlEnv: string, keyEnv: string | undefined, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const url = env[urlEnv];
  if (url === undefined || url.trim() === "") {
    return [failed("store", "store", `The environment variable ${urlEnv} (the URL of the Postgres ledger) is not set.`,
      `Set ${urlEnv} to the ledger database's URL, the same value every replica and review shell uses.`)];
  }
  const keyName = keyEnv ?? DEFAULT_LEDGER_KEY_ENV;
  let keys;
  try {
    keys = openKeyRing({ storePath: "", envName: keyName, envRequired: true, env });
  } catch (err) {
    if (!(err instanceof LedgerKeyError)) throw err;
    return [failed("store.key", "store", `The ledger key: ${err.message}`, `Set ${keyName} to the ledger key from your secret store (the same value on every replica).`)];
  }
  try {
    const ledger = await openLedger({ postgres: { url, urlEnv }, keys, existingOnly: true });
    try {
      await ledger.checkWritable();
    } finally {
      await ledger.close();
    }
    return [passed("store", "store", `The Postgres ledger in ${urlEnv} answers and is writable; the key comes from ${keyName}.`)];
  } catch (err) {
    if (err instanceof NoPostgresLedgerError) {
      return [passed("store", "store", `The database in ${urlEnv} answers and holds no ledger yet; the first server to start creates it (schema synapsor_ledger). The key comes from ${keyName}.`)];
    }
    if (err instanceof StoreUnavailableError) {
      return [failed("store", "store", err.message, `Check that ${urlEnv} points at a running Postgres the ledger's user can log in to.`)];
    }
    throw err;
  }
}
