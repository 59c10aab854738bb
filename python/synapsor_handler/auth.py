"""Who may call the handler: the bearer token the runner holds and, when a signing secret is
configured, an HMAC-SHA256 over the raw body plus an issued-at time inside the skew window
(the rules of handler/auth.ts and runtime/executors/signing.ts)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Mapping, Optional

from .version import timestamp_range

SIGNATURE_HEADER = "x-synapsor-signature"
ISSUED_AT_HEADER = "x-synapsor-issued-at"
_BEARER = re.compile(r"^Bearer +(\S+) *$", re.IGNORECASE)
_PREFIX = "sha256="


class AuthRefused(Exception):
    """The caller is not the runner (or the request is stale); the message is safe to return."""


def header(headers: Mapping[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def tokens_equal(a: str, b: str) -> bool:
    """Constant-time whatever the lengths: both sides are hashed first."""
    return hmac.compare_digest(_digest(a), _digest(b))


def sign_body(secret: str, body: bytes) -> str:
    """`sha256=<hex>` for the raw body."""
    return _PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_body_signature(secret: str, body: bytes, presented: Optional[str]) -> bool:
    if not presented or not presented.startswith(_PREFIX):
        return False
    return tokens_equal(presented, sign_body(secret, body))


def authenticate(
    headers: Mapping[str, str],
    body: bytes,
    token: Optional[str],
    signing_secret: Optional[str],
    max_skew_seconds: float,
    now: Optional[float] = None,
) -> None:
    """Returns when the request is the runner's; raises AuthRefused otherwise."""
    if not token:
        raise AuthRefused("This handler has no bearer token configured and accepts no HTTP requests.")
    match = _BEARER.match(header(headers, "authorization") or "")
    if match is None or not tokens_equal(match.group(1), token):
        raise AuthRefused("The request's bearer token is missing or wrong.")
    if not signing_secret:
        return
    if not verify_body_signature(signing_secret, body, header(headers, SIGNATURE_HEADER)):
        raise AuthRefused("The request's signature is missing or does not match its body.")
    issued = timestamp_range(header(headers, ISSUED_AT_HEADER) or "")
    current = (time.time() if now is None else now) * 1_000_000
    if issued is None or abs(current - issued[0]) > max_skew_seconds * 1_000_000:
        raise AuthRefused("The request's issued-at time is missing or outside the accepted window.")
