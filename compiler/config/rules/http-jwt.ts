// trusted_context.http_jwt: the settings that decide whose tenant an HTTP request acts in. Each
// check here closes a known way to accept a forged token or to leak the verification secret.

import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type Contract } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

const at = (...rest: string[]) => pointer("trusted_context", "http_jwt", ...rest);

export function checkHttpJwt(contract: Contract, report: Report): void {
  const jwt = contract.trusted_context?.http_jwt;
  if (jwt === undefined) return;
  const hasJwks = jwt.jwks_url_env !== undefined;
  const hasKey = jwt.key_env !== undefined;
  if (hasJwks === hasKey) {
    report(
      "INVALID_HTTP_JWT",
      at(),
      hasJwks ? "http_jwt sets both jwks_url_env and key_env, so which key verifies a token would be ambiguous." : "http_jwt sets neither jwks_url_env nor key_env, so no token could be verified.",
      "Set exactly one: jwks_url_env for an identity provider's key set, or key_env for one key (or an HS* shared secret).",
    );
  }
  const symmetric = jwt.algorithms.filter((a) => a.startsWith("HS"));
  if (symmetric.length > 0 && symmetric.length < jwt.algorithms.length) {
    // One key variable read both as a public key and as an HMAC secret is the classic confusion attack.
    report(
      "INVALID_HTTP_JWT",
      at("algorithms"),
      `algorithms mixes shared-secret (${symmetric.join(", ")}) and public-key algorithms.`,
      "List only HS* algorithms (with key_env holding the secret) or only public-key algorithms.",
    );
  }
  if (symmetric.length > 0 && hasJwks) {
    report(
      "INVALID_HTTP_JWT",
      at("algorithms"),
      `${symmetric.join(", ")} uses a shared secret, which a published key set (jwks_url_env) never holds.`,
      "Use the provider's public-key algorithm (e.g. RS256 or ES256), or verify HS* tokens with key_env.",
    );
  }
  if (!isResourceUri(jwt.audience)) {
    report(
      "INVALID_HTTP_JWT",
      at("audience"),
      "audience must be the canonical URI of this MCP endpoint: an https URL without query or fragment (http only for localhost or 127.0.0.1).",
      "Set it to the URL clients use, e.g. https://mcp.example.com/mcp.",
    );
  }
  const values = contract.trusted_context?.values;
  const contextVars = new Set([values?.tenant_id_env ?? DEFAULT_TENANT_ENV, values?.principal_env ?? DEFAULT_PRINCIPAL_ENV]);
  for (const field of ["jwks_url_env", "key_env"] as const) {
    const env = jwt[field];
    if (env !== undefined && contextVars.has(env)) {
      report(
        "INVALID_HTTP_JWT",
        at(field),
        `${field} names ${env}, which also holds the tenant or principal shown to the model in every result.`,
        `Give the ${field === "key_env" ? "key" : "key set URL"} a variable of its own.`,
      );
    }
  }
}

function isResourceUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.search !== "" || url.hash !== "" || value.includes("#") || url.username !== "" || url.password !== "") return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}
