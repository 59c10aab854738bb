// Who may call the handler: the bearer token the runner holds and, when a signing secret is
// configured, an HMAC over the raw body plus an issued-at time inside the skew window.

import { ISSUED_AT_HEADER, SIGNATURE_HEADER, verifyBodySignature } from "../runtime/executors/signing.ts";
import { bearerToken, tokensEqual } from "../runtime/mcp/auth.ts";
import type { HandlerRequest } from "./types.ts";

export interface AuthSettings {
  token: string | undefined;
  signingSecret: string | undefined;
  maxSkewSeconds: number;
}

export type AuthVerdict = { ok: true } | { ok: false; message: string };

export function header(request: HandlerRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

export function authenticate(settings: AuthSettings, request: HandlerRequest, now: number = Date.now()): AuthVerdict {
  if (!settings.token) return { ok: false, message: "This handler has no bearer token configured and accepts no HTTP requests." };
  const presented = bearerToken(header(request, "authorization"));
  if (presented === undefined || !tokensEqual(presented, settings.token)) {
    return { ok: false, message: "The request's bearer token is missing or wrong." };
  }
  if (!settings.signingSecret) return { ok: true };

  if (!verifyBodySignature(settings.signingSecret, request.body, header(request, SIGNATURE_HEADER))) {
    return { ok: false, message: "The request's signature is missing or does not match its body." };
  }
  const issuedAt = Date.parse(header(request, ISSUED_AT_HEADER) ?? "");
  if (!Number.isFinite(issuedAt) || Math.abs(now - issuedAt) > settings.maxSkewSeconds * 1000) {
    return { ok: false, message: "The request's issued-at time is missing or outside the accepted window." };
  }
  return { ok: true };
}
