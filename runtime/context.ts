// Trusted context: who the caller is and which tenant they act in. It comes from the operator's
// environment or, over HTTP with http_jwt, a verified token's claims (runtime/auth/), never from
// model arguments.

import { looksLikeCredential } from "./text/credentials.ts";

export interface TrustedContext {
  tenantId: string;
  principal: string;
  /** environment: the serving process's variables; http_jwt: the claims of the request's verified token. */
  provenance: "environment" | "http_jwt";
  /** http_jwt with claims.roles only: the verified roles of the request (possibly none). */
  roles?: readonly string[];
}

export interface TrustedContextSettings {
  tenantIdEnv: string;
  principalEnv: string;
}

/**
 * missing: variables that are unset or empty. credentials: variables whose value looks like a URL
 * with a user or password (a database URL pasted into the wrong variable); the tenant and principal
 * are shown to the model and stored in the ledger, so such a value is never used.
 */
export type ContextResult =
  | { ok: true; context: TrustedContext }
  | { ok: false; missing: string[]; credentials: string[] };

export function trustedContextFromEnv(
  settings: TrustedContextSettings,
  env: NodeJS.ProcessEnv = process.env,
): ContextResult {
  const tenantId = env[settings.tenantIdEnv]?.trim() ?? "";
  const principal = env[settings.principalEnv]?.trim() ?? "";
  const missing: string[] = [];
  const credentials: string[] = [];
  for (const [name, value] of [[settings.tenantIdEnv, tenantId], [settings.principalEnv, principal]] as const) {
    if (!value) missing.push(name);
    else if (looksLikeCredential(value)) credentials.push(name);
  }
  if (missing.length > 0 || credentials.length > 0) return { ok: false, missing, credentials };
  return { ok: true, context: { tenantId, principal, provenance: "environment" } };
}

/** The one line (naming variables, never their values) that says why the context is refused. */
export function credentialContextMessage(credentials: readonly string[]): string {
  return (
    `${credentials.join(" and ")} hold${credentials.length === 1 ? "s" : ""} what looks like a credential (a URL naming a user, or a password, secret or token parameter), ` +
    "not a tenant or principal; set it to the plain tenant id or principal name (the database URL belongs in the source's read_url_env)."
  );
}
