// Request signing for app-owned handlers: HMAC-SHA256 over the exact body bytes. The body
// carries issued_at, so the signature also authenticates the request time; the
// X-Synapsor-Issued-At header is only a copy a handler can check before parsing JSON.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

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
  return constantTimeEqual(header, signBody(secret, body));
}

/**
 * Compares two secrets without leaking where they differ or how long they are: both sides are
 * hashed to the same length first, because timingSafeEqual needs equal-length inputs.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}
