// Ledger keys from an environment variable: how replicas and separate hosts share one ledger's
// keys. The value is a comma-separated list of secrets; the first seals, the rest only verify.

import { LedgerKeyError, MIN_SECRET_LENGTH, ledgerKey, staticKeyRing, type KeyRing } from "./key-ring.ts";

export function envKeyRing(name: string, value: string): KeyRing {
  const secrets = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  const source = `the environment variable ${name}`;
  if (secrets.length === 0) throw new LedgerKeyError(`${source} holds no ledger key; set it to a random secret, e.g. \`openssl rand -base64 32\`.`);
  secrets.forEach((secret, i) => {
    if (secret.length < MIN_SECRET_LENGTH) {
      // Which entry, never what it holds.
      throw new LedgerKeyError(
        `ledger key ${i + 1} in ${name} is shorter than ${MIN_SECRET_LENGTH} characters; use a long random secret, e.g. \`openssl rand -base64 32\`.`,
      );
    }
  });
  return staticKeyRing(secrets.map((s) => ledgerKey(s)), source, "env");
}
