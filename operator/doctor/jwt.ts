// The doctor's check of trusted_context.http_jwt's key: the variable it names is set and usable
// (a key-set URL that is https, or http on loopback; a public key or a long enough shared
// secret), and a key set can be fetched now and holds a key for one of the configured algorithms.
// Messages name the variable, never its value: no URL, no key, no credential in a URL.

import type { KeyObject } from "node:crypto";
import { importJWK, type JWK } from "jose";
import type { Contract } from "../../compiler/config/contract.ts";
import { planHttpJwt } from "../../compiler/plan/plan.ts";
import type { HttpJwtSettings } from "../../runtime/auth/settings.ts";
import { JwtConfigError, loadVerificationKey } from "../../runtime/auth/jwt-verifier.ts";
import { failed, passed, type DoctorCheck } from "./check.ts";

const NAME = "trusted_context.http_jwt.key";
/** As long as the server's own key-set fetch may take. */
const FETCH_TIMEOUT_MS = 5_000;
/** A key set larger than this is not a provider's key set. */
const MAX_KEY_SET_BYTES = 512 * 1024;

export async function checkHttpJwtKey(contract: Contract, env: NodeJS.ProcessEnv, fetchTimeoutMs = FETCH_TIMEOUT_MS): Promise<DoctorCheck[]> {
  const jwt = contract.trusted_context?.http_jwt;
  if (jwt === undefined) return [];
  const settings = planHttpJwt(jwt);
  const name = (settings.jwksUrlEnv ?? settings.keyEnv)!;
  let key;
  try {
    key = loadVerificationKey(settings, env);
  } catch (err) {
    if (!(err instanceof JwtConfigError)) throw err;
    const what = settings.jwksUrlEnv ? "the https URL of your identity provider's key set (its jwks_uri)" : "the issuer's public key (PEM or JWK) or, for HS*, the shared secret";
    return [failed(NAME, "environment", `${capitalised(err.message)}`, `Export ${name} with ${what} where the server starts, then run doctor again.`)];
  }
  if (typeof key !== "function") return [keyCheck(key, settings, name)];
  return [await keySetCheck(env[name]!, settings, name, fetchTimeoutMs)];
}

function keyCheck(key: KeyObject, settings: HttpJwtSettings, name: string): DoctorCheck {
  if (key.type === "secret") return passed(NAME, "environment", `${name} holds a shared secret long enough for ${settings.algorithms.join(", ")}.`);
  const usable = settings.algorithms.filter((alg) => keyFitsAlgorithm(key, alg));
  if (usable.length === 0) {
    return failed(
      NAME,
      "environment",
      `${name} holds a ${describeKey(key)} public key, which verifies none of the configured algorithms (${settings.algorithms.join(", ")}).`,
      `Put the issuer's signing key for ${settings.algorithms.join(" or ")} in ${name}, or list the algorithm its key uses in http_jwt.algorithms.`,
    );
  }
  return passed(NAME, "environment", `${name} holds a ${describeKey(key)} public key usable with ${usable.join(", ")}.`);
}

async function keySetCheck(url: string, settings: HttpJwtSettings, name: string, timeoutMs: number): Promise<DoctorCheck> {
  const fix = `Check that ${name} holds the identity provider's jwks_uri and that this machine can reach it, then run doctor again.`;
  let body: string;
  try {
    // No redirects: the server's own fetch (jose) is the one that counts, and a redirect target is not what was configured.
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return failed(NAME, "connection", `The key set named by ${name} could not be fetched: the server answered HTTP ${response.status}.`, fix);
    }
    body = await response.text();
  } catch (err) {
    return failed(NAME, "connection", `The key set named by ${name} could not be fetched: ${fetchProblem(err, timeoutMs)}.`, fix);
  }
  let keys: unknown;
  try {
    keys = body.length <= MAX_KEY_SET_BYTES ? (JSON.parse(body) as { keys?: unknown }).keys : undefined;
  } catch {
    keys = undefined;
  }
  if (!Array.isArray(keys)) {
    return failed(NAME, "environment", `${name} names a URL whose answer is not a JSON Web Key Set (an object with a "keys" list).`, fix);
  }
  let usable = 0;
  const algorithms = new Set<string>();
  for (const jwk of keys) {
    const fits = await algorithmsOf(jwk, settings.algorithms);
    if (fits.length > 0) usable++;
    for (const alg of fits) algorithms.add(alg);
  }
  if (usable === 0) {
    return failed(
      NAME,
      "environment",
      `The key set named by ${name} was fetched (${keys.length} key${keys.length === 1 ? "" : "s"}) but holds no signing key usable with ${settings.algorithms.join(", ")}.`,
      `List in http_jwt.algorithms the algorithm your provider signs with (its keys' "alg", e.g. RS256), or point ${name} at the provider that issues the tokens.`,
    );
  }
  return passed(NAME, "environment", `The key set named by ${name} was fetched and holds ${usable} key${usable === 1 ? "" : "s"} usable with ${[...algorithms].join(", ")}.`);
}

/** The configured algorithms a JWK can verify: its use (if any) is signing, its alg (if any) is listed, and jose imports it. */
async function algorithmsOf(jwk: unknown, algorithms: readonly string[]): Promise<string[]> {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) return [];
  const key = jwk as JWK;
  if (key.use !== undefined && key.use !== "sig") return [];
  if (key.d !== undefined) return []; // a private key has no business in a published key set
  const fits: string[] = [];
  for (const alg of algorithms) {
    if (key.alg !== undefined && key.alg !== alg) continue;
    if (!ktyFits(key, alg)) continue;
    try {
      await importJWK(key, alg);
      fits.push(alg);
    } catch {
      // not usable with this algorithm
    }
  }
  return fits;
}

function ktyFits(key: JWK, alg: string): boolean {
  if (alg.startsWith("RS") || alg.startsWith("PS")) return key.kty === "RSA";
  if (alg === "ES256") return key.kty === "EC" && key.crv === "P-256";
  if (alg === "ES384") return key.kty === "EC" && key.crv === "P-384";
  if (alg === "ES512") return key.kty === "EC" && key.crv === "P-521";
  if (alg === "EdDSA") return key.kty === "OKP" && (key.crv === "Ed25519" || key.crv === "Ed448");
  return false;
}

function keyFitsAlgorithm(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith("RS")) return type === "rsa";
  if (alg.startsWith("PS")) return type === "rsa" || type === "rsa-pss";
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (alg === "ES256") return type === "ec" && curve === "prime256v1";
  if (alg === "ES384") return type === "ec" && curve === "secp384r1";
  if (alg === "ES512") return type === "ec" && curve === "secp521r1";
  if (alg === "EdDSA") return type === "ed25519" || type === "ed448";
  return false;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${(key.asymmetricKeyType ?? "unknown").toUpperCase()}${curve ? ` (${curve})` : ""}`;
}

/** The kind of failure (refused, unknown host, timeout, TLS), never the URL or the platform's message. */
function fetchProblem(err: unknown, timeoutMs: number): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  const code = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (code === "ECONNREFUSED") return "the connection was refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  if (typeof code === "string" && /CERT|TLS|SSL/.test(code)) return `its TLS certificate was not accepted (${code})`;
  if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return `a network error (${code})`;
  return "a network error";
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
