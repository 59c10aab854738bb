// Trusted context must come from variables of its own. The tenant and principal are echoed to the
// model in every result's `_meta` and stored on every ledger row, so a tenant_id_env or
// principal_env that names a credential's variable (a database URL, a handler token, the ledger
// key) would publish that credential. The names are compared exactly, as the environment does.

import { DEFAULT_LEDGER_KEY_ENV } from "../../../runtime/ledger/keys/key-ring.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type Contract } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

/** A variable that holds a secret (or a command line), with the contract field that names it. */
interface SecretVariable {
  env: string;
  /** What the variable holds, as the message names it: "sources.app_db.write_url_env (a database credential)". */
  role: string;
}

function secretVariables(contract: Contract): SecretVariable[] {
  const secrets: SecretVariable[] = [];
  for (const [name, source] of Object.entries(contract.sources)) {
    secrets.push({ env: source.read_url_env, role: `sources.${name}.read_url_env (a database URL with its credentials)` });
    if (source.write_url_env !== undefined) {
      secrets.push({ env: source.write_url_env, role: `sources.${name}.write_url_env (a database URL with its write credentials)` });
    }
  }
  for (const [name, executor] of Object.entries(contract.executors ?? {})) {
    if (executor.type === "http_handler") {
      secrets.push({ env: executor.url_env, role: `executors.${name}.url_env (the handler's URL)` });
      if (executor.auth) secrets.push({ env: executor.auth.token_env, role: `executors.${name}.auth.token_env (a bearer token)` });
      if (executor.signing_secret_env !== undefined) {
        secrets.push({ env: executor.signing_secret_env, role: `executors.${name}.signing_secret_env (a signing secret)` });
      }
    } else if (executor.type === "command_handler") {
      secrets.push({ env: executor.command_env, role: `executors.${name}.command_env (the handler's command line)` });
    }
  }
  const ledgerUrl = contract.storage?.postgres_url_env;
  if (ledgerUrl !== undefined) secrets.push({ env: ledgerUrl, role: "storage.postgres_url_env (the ledger database's URL)" });
  const ledgerKey = contract.storage?.ledger_key_env;
  secrets.push(
    ledgerKey !== undefined
      ? { env: ledgerKey, role: "storage.ledger_key_env (the ledger's sealing keys)" }
      : { env: DEFAULT_LEDGER_KEY_ENV, role: `${DEFAULT_LEDGER_KEY_ENV} (the default variable for the ledger's sealing keys)` },
  );
  return secrets;
}

export function checkTrustedContextVariables(contract: Contract, report: Report): void {
  const values = contract.trusted_context?.values;
  const scopes = [
    { field: "tenant_id_env", what: "tenant", fallback: DEFAULT_TENANT_ENV, env: values?.tenant_id_env ?? DEFAULT_TENANT_ENV },
    { field: "principal_env", what: "principal", fallback: DEFAULT_PRINCIPAL_ENV, env: values?.principal_env ?? DEFAULT_PRINCIPAL_ENV },
  ] as const;
  const secrets = secretVariables(contract);
  for (const scope of scopes) {
    const clashes = secrets.filter((s) => s.env === scope.env);
    if (clashes.length === 0) continue;
    const explicit = values?.[scope.field] !== undefined;
    report(
      "TRUSTED_CONTEXT_FROM_SECRET",
      explicit ? pointer("trusted_context", "values", scope.field) : pointer("trusted_context"),
      `The ${scope.what} is read from ${scope.env}, which is also ${clashes.map((c) => c.role).join(" and ")}. ` +
        `The ${scope.what} is shown to the model in every result and stored in the ledger, so that secret would be too.`,
      scope.env === scope.fallback
        ? `Give that credential a variable of its own, or set trusted_context.values.${scope.field} to a variable that holds only the ${scope.what}.`
        : `Set trusted_context.values.${scope.field} to a variable that holds only the ${scope.what} (for example ${scope.fallback}).`,
    );
  }
}
