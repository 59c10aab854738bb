// Credentials in text: the one place that recognises them, so the ledger, the logs and the trusted
// context all apply the same rule. A database or handler URL may carry a password in its userinfo
// (`scheme://user:pass@host`) or its query (`?password=...`); driver, fetch and handler errors can
// quote such a URL, and an operator's typo can put one where a tenant or principal belongs.

/** What replaces a credential; the text around it stays readable for diagnosis. */
export const REDACTED = "<redacted>";

// Greedy up to the last "@" of the token, so a password holding an unencoded "@" is covered too;
// a path or query with an "@" (an e-mail) is redacted as well, which costs nothing but detail.
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;
const SECRET_PARAMETER = /([?&;\s](?:password|passwd|pwd|sslpassword|sslkey|token|access_token|secret|api_key|apikey)=)[^&\s]*/gi;
/** Any "://" followed later by "@": a URL that names a user, with or without a password. */
const URL_WITH_USER = /:\/\/[^@]*@/s;
/** Known secrets shorter than this are not searched for: replacing "a" everywhere hides everything. */
const MIN_KNOWN_SECRET = 4;

/**
 * `text` with every URL's userinfo, every password-like query parameter and every `known` secret
 * (a handler URL, a token) replaced by <redacted>.
 */
export function redactCredentials(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret !== undefined && secret.length >= MIN_KNOWN_SECRET) out = out.split(secret).join(REDACTED);
  }
  return out.replace(URL_USERINFO, `$1${REDACTED}@`).replace(SECRET_PARAMETER, `$1${REDACTED}`);
}

/** True when `value` looks like a URL carrying a user name or password (`scheme://user:pass@`, any `://…@`). */
export function looksLikeCredentialUrl(value: string): boolean {
  return URL_WITH_USER.test(value);
}
