// The values no console response may carry: the runner's own credentials and keys. The console
// never reads them for a page, so this list is a last net (server.ts withholds a page that would
// carry one), not a redaction: proposal and row values are shown as they are.

import type { Contract } from "../../compiler/config/contract.ts";
import type { KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { DEFAULT_LEDGER_KEY_ENV } from "../../runtime/ledger/keys/key-ring.ts";
import { looksLikeCredential } from "../../runtime/text/credentials.ts";
import { secretEnvNamesOf } from "../../compiler/config/secret-env.ts";

/** Shorter values are not searched for: withholding every page that contains "1" helps no one. */
const MIN_LENGTH = 8;
/** Variables whose name says they hold a secret, whatever the contract names. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|LEDGER_KEY|PRIVATE_KEY|_DSN|DATABASE_URL)/i;

export function withheldValues(contract: Contract, keys: KeyRing, env: NodeJS.ProcessEnv = process.env): string[] {
  const names = new Set<string>([DEFAULT_LEDGER_KEY_ENV, ...secretEnvNamesOf(contract)]);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_LENGTH) continue;
    if (names.has(name) || SECRET_NAME.test(name) || looksLikeCredential(value)) values.add(value);
  }
  for (const key of keys.keys()) values.add(key.secret);
  return [...values];
}
