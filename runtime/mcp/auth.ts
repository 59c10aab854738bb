// Secret comparison and bearer-token parsing, shared by the HTTP transport, request signing
// and the handler helper.
// Both sides are hashed first so the comparison takes the same time whatever the lengths are.

import { hash, timingSafeEqual } from "node:crypto";

// The one-shot hash: no Hash object per call, which matters on the HTTP path (one check per request).
function digest(value: string): Buffer {
  return hash("sha256", value, "buffer");
}

/** Constant-time string equality: no early exit on the first differing byte or on length. */
export function tokensEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** A check against one configured token, hashing the expected side once instead of per request. */
export function createTokenCheck(expected: string): (presented: string) => boolean {
  const expectedDigest = digest(expected);
  return (presented) => timingSafeEqual(digest(presented), expectedDigest);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}
