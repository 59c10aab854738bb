// Per-request trusted context over HTTP: the caller's bearer token, verified with jose against the
// contract's issuer, audience and algorithm list, yields the tenant and principal of that request.
// The key comes from the configured JWKS URL (fetched by jose, cached, refreshed for an unknown
// `kid` at most once per cool-down) or from one key in an environment variable. A refusal says
// what kind of problem the token has, never which claim value or key it carried.

import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { TrustedContext } from "../context.ts";
import { bearerToken } from "../mcp/auth.ts";
import type { HttpJwtSettings } from "./settings.ts";

type RemoteJWKSet = ReturnType<typeof createRemoteJWKSet>;

export type JwtOutcome =
  | { ok: true; context: TrustedContext }
  | { ok: false; status: 401 | 403 | 503; error: "invalid_token" | "insufficient_scope" | undefined; description: string };

export interface JwtVerifier {
  /** The outcome for one request's Authorization header. Never throws. */
  verify(authorization: string | undefined): Promise<JwtOutcome>;
  /**
   * With a key-set URL only: resolves once the key set has been fetched successfully (fetching it
   * when that never happened yet), rejects while it cannot be; for readiness. After the first success
   * it costs nothing.
   */
  keySetFetched?: () => Promise<void>;
}

export class JwtConfigError extends Error {
  override readonly name = "JwtConfigError";
}

/** How long a fetched key set is used before it is fetched again, and the least time between fetches. */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;
/**
 * Verified tokens remembered, so a client's repeated calls with one token cost a map lookup instead
 * of a signature check (issue 10's budget: JWT within 15% of static-bearer CPU per call). An entry
 * lives until the token's exp, and at most a minute, so a key removed from the set stops being
 * honoured soon after; only fully accepted tokens are kept, and the key is the exact token text.
 */
const MAX_REMEMBERED_TOKENS = 4096;
/** Longer tokens are verified every time, which bounds the memory the cache can hold to 16 MiB. */
const MAX_REMEMBERED_TOKEN_LENGTH = 4096;
const REMEMBER_MS = 60_000;
/** An HS* secret shorter than its hash output is guessable offline from any one token. */
const MIN_SECRET_BYTES = 32;
/** Tenant and principal are echoed in `_meta` and stored in the ledger: short, printable text only. */
const MAX_CONTEXT_LENGTH = 256;
/** Roles are echoed in `_meta` and stored with every record: a bounded list of short names. */
const MAX_ROLES = 32;
const MAX_ROLE_LENGTH = 128;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

/**
 * Reads the key (or key-set URL) named by the settings from the environment and returns the
 * verifier; a missing or unusable key is a JwtConfigError naming the variable, never its value.
 */
export function createJwtVerifier(
  settings: HttpJwtSettings,
  env: NodeJS.ProcessEnv = process.env,
  now: () => number = Date.now,
): JwtVerifier {
  const key = loadKey(settings, env);
  const baseOptions = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms: settings.algorithms,
    clockTolerance: settings.clockSkewS,
    requiredClaims: ["exp"],
  };
  const remembered = new Map<string, { context: TrustedContext; until: number }>();

  async function verifyToken(token: string): Promise<JwtOutcome> {
    const known = remembered.get(token);
    if (known !== undefined) {
      if (now() < known.until) return { ok: true, context: known.context };
      remembered.delete(token);
    }
    const options = { ...baseOptions, currentDate: new Date(now()) };
    let payload: JWTPayload;
    try {
      ({ payload } = await (typeof key === "function" ? jwtVerify(token, key, options) : jwtVerify(token, key, options)));
    } catch (err) {
      // The provider's key set could not be had: the token may be fine, so the caller may retry.
      if (typeof key === "function" && keySetUnavailable(err)) {
        return refusal(503, undefined, "The token issuer's key set could not be fetched; try again shortly.");
      }
      // jose's messages name claims and keys; the caller learns only that the token was not accepted.
      return refusal(401, "invalid_token", "The access token is invalid, expired, or not issued for this resource.");
    }
    const scopes = grantedScopes(payload);
    const missing = settings.requiredScopes.filter((s) => !scopes.has(s));
    if (missing.length > 0) return refusal(403, "insufficient_scope", `The access token lacks the scope ${missing.join(" ")}.`);
    const tenantId = contextClaim(payload[settings.claims.tenant]);
    if (tenantId === undefined) return refusal(403, undefined, `The access token carries no usable ${settings.claims.tenant} claim (the tenant).`);
    const principal = contextClaim(payload[settings.claims.principal]);
    if (principal === undefined) return refusal(403, undefined, `The access token carries no usable ${settings.claims.principal} claim (the principal).`);
    let roles: readonly string[] | undefined;
    if (settings.claims.roles !== undefined) {
      roles = rolesClaim(payload[settings.claims.roles]);
      if (roles === undefined) return refusal(403, undefined, `The access token's ${settings.claims.roles} claim (the roles) is not a list of short, printable role names.`);
    }
    const context: TrustedContext = { tenantId, principal, provenance: "http_jwt", ...(roles !== undefined ? { roles } : {}) };
    // exp is required and was checked above; without the clock skew, a remembered token ends no later than it.
    const until = Math.min((payload.exp as number) * 1000, now() + REMEMBER_MS);
    if (token.length <= MAX_REMEMBERED_TOKEN_LENGTH) {
      if (remembered.size >= MAX_REMEMBERED_TOKENS) remembered.delete(remembered.keys().next().value!);
      remembered.set(token, { context, until });
    }
    return { ok: true, context };
  }

  const verifier: JwtVerifier = {
    verify(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) return Promise.resolve(refusal(401, undefined, "This endpoint needs a bearer access token."));
      return verifyToken(token);
    },
  };
  if (typeof key === "function") {
    const keySet = key;
    // jwks() is set by the first successful fetch and kept; reload() shares a fetch already in flight.
    verifier.keySetFetched = () => (keySet.jwks() !== undefined ? Promise.resolve() : keySet.reload());
  }
  return verifier;
}

/** A network failure, a timeout, or an answer that is not a key set (jose's own wording). */
function keySetUnavailable(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true;
  if (err.code === errors.JWKSTimeout.code) return true;
  return err.code === errors.JOSEError.code && /JSON Web Key Set HTTP response/.test(err.message);
}

function refusal(status: 401 | 403 | 503, error: "invalid_token" | "insufficient_scope" | undefined, description: string): JwtOutcome {
  return { ok: false, status, error, description };
}

/** `scope` (RFC 8693/9068: space-separated) or `scp` (a list, as some providers send it). */
function grantedScopes(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === "string") for (const s of claim.split(" ")) if (s !== "") scopes.add(s);
    if (Array.isArray(claim)) for (const s of claim) if (typeof s === "string") scopes.add(s);
  }
  return scopes;
}

/** A non-empty, printable string of bounded length; anything else is no context at all. */
function contextClaim(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  if (value.trim() !== value || value === "" || value.length > MAX_CONTEXT_LENGTH || UNPRINTABLE.test(value)) return undefined;
  return value;
}

/**
 * The roles claim: absent is no roles; a list of strings or one space-separated string (as OAuth
 * scopes are sent) gives them, deduplicated in their order; anything else, more than MAX_ROLES,
 * or a role that is not a short printable name, is no answer at all (the caller refuses the token).
 */
function rolesClaim(value: unknown): readonly string[] | undefined {
  if (value === undefined) return Object.freeze([]);
  let items: unknown[];
  if (typeof value === "string") items = value.split(" ").filter((s) => s !== "");
  else if (Array.isArray(value)) items = value;
  else return undefined;
  if (items.length > MAX_ROLES) return undefined;
  const roles: string[] = [];
  for (const item of items) {
    if (typeof item !== "string" || item.length > MAX_ROLE_LENGTH || contextClaim(item) === undefined || /\s/.test(item)) return undefined;
    if (!roles.includes(item)) roles.push(item);
  }
  return Object.freeze(roles);
}

/** The key (or the key set, not yet fetched) named by the settings; JwtConfigError naming the variable when it is missing or unusable. */
export function loadVerificationKey(settings: HttpJwtSettings, env: NodeJS.ProcessEnv): KeyObject | RemoteJWKSet {
  return loadKey(settings, env);
}

function loadKey(settings: HttpJwtSettings, env: NodeJS.ProcessEnv): KeyObject | RemoteJWKSet {
  if (settings.jwksUrlEnv !== undefined) {
    const name = settings.jwksUrlEnv;
    const value = env[name];
    if (!value) throw new JwtConfigError(`environment variable ${name} (the JWKS URL of trusted_context.http_jwt) is not set.`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new JwtConfigError(`${name} does not hold a URL; set it to the https URL of the identity provider's key set (jwks_uri).`);
    }
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
      throw new JwtConfigError(`${name} must hold an https URL (http only on localhost): keys fetched in the clear could be replaced.`);
    }
    return createRemoteJWKSet(url, { cacheMaxAge: JWKS_CACHE_MAX_AGE_MS, cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: JWKS_TIMEOUT_MS });
  }
  const name = settings.keyEnv!;
  const value = env[name];
  if (!value) throw new JwtConfigError(`environment variable ${name} (the token verification key of trusted_context.http_jwt) is not set.`);
  if (settings.algorithms.every((a) => a.startsWith("HS"))) {
    const secret = Buffer.from(value, "utf8");
    if (secret.length < MIN_SECRET_BYTES) {
      throw new JwtConfigError(`the shared secret in ${name} is shorter than ${MIN_SECRET_BYTES} bytes; use a long random value.`);
    }
    return createSecretKey(secret);
  }
  try {
    const trimmed = value.trim();
    const key = trimmed.startsWith("{")
      ? createPublicKey({ key: JSON.parse(trimmed) as import("node:crypto").JsonWebKey, format: "jwk" })
      : createPublicKey(trimmed);
    return key;
  } catch {
    throw new JwtConfigError(`${name} holds neither a PEM public key nor a public JWK; set it to the issuer's signing key in one of those forms.`);
  }
}
