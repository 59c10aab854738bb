// The environment variables a contract names whose values are credentials or URLs: the sources'
// read and write URLs, the handlers' URLs, tokens, signing secrets and commands, the ledger
// keys and the Postgres ledger's URL, and http_jwt's key-set URL or key. Whatever shows a person a page or a report withholds their values.

import type { Contract } from "./contract.ts";

export function secretEnvNamesOf(contract: Contract): string[] {
  const names = new Set<string>();
  for (const source of Object.values(contract.sources)) {
    names.add(source.read_url_env);
    if (source.write_url_env) names.add(source.write_url_env);
  }
  for (const executor of Object.values(contract.executors ?? {})) {
    if (executor.type === "http_handler") {
      names.add(executor.url_env);
      if (executor.auth) names.add(executor.auth.token_env);
      if (executor.signing_secret_env) names.add(executor.signing_secret_env);
    } else if (executor.type === "command_handler") names.add(executor.command_env);
  }
  if (contract.storage?.ledger_key_env) names.add(contract.storage.ledger_key_env);
  if (contract.storage?.postgres_url_env) names.add(contract.storage.postgres_url_env);
  // A key-set URL may carry credentials; a key_env may hold an HS* shared secret.
  const jwt = contract.trusted_context?.http_jwt;
  if (jwt?.jwks_url_env) names.add(jwt.jwks_url_env);
  if (jwt?.key_env) names.add(jwt.key_env);
  return [...names];
}
