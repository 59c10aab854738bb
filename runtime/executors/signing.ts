// Request signing for app-owned handlers: HMAC-SHA256 over the exact body bytes. The body
// carries issued_at, so the signature also authenticates the request time; the
// X-Synapsor-Issued-At header is only a copy a handler can check before parsing JSON.

import { createHmac } from "node:crypto";
import { tokensEqual } from "../mcp/auth.ts";

export const SIGNATURE_HEADER = "x-synapsor-signature";
export const ISSUED_AT_HEADER = "x-synapsor-issued-at";
export const PROPOSAL_ID_HEADER = "x-synapsor-proposal-id";
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

const PREFIX = "sha256=";

/** `sha256=<hex>` for the raw body. */
export function signBody(secret: string, body: string | Uint8Array): string {
  return PREFIX + createHmac("sha256", secret).update(body).digest("hex");
}

/** Constant-time check of a `sha256=<hex>` header against the raw body. */
export function verifyBodySignature(secret: string, body: string | Uint8Array, header: string | undefined): boolean {
  if (!header || !header.startsWith(PREFIX)) return false;
  return tokensEqual(header, signBody(secret, body));
}
