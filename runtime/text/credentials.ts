// Credentials in text: the one place that recognises them, so the ledger, the logs and the trusted
// context all apply the same rule. A database or handler URL may carry a password in its userinfo
// (a user and password before the host's `@`) or its query (`?password=...`, which the Postgres driver accepts);
// driver, fetch and handler errors can quote such a URL, and an operator's typo can put one where
// a tenant or principal belongs.

const REDACTED = "<redacted>";

/** Names of parameters (and JSON members) whose value is a secret. */
const SECRET_NAME = String.raw`(?:password|passwd|pwd|sslpassword|sslkey|secret|token|api[_-]?key|access[_-]?token)`;

/** A URL whose authority holds userinfo: "@" before the first "/", "?" or "#" after "://". */
const AUTHORITY_USERINFO = /[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]*@/i;
/** `name=` at the start of the text or after a separator: a query, a DSN, a log line. */
const SECRET_PARAMETER = new RegExp(String.raw`(^|[?&;\s])(${SECRET_NAME}=)`, "i");

// Redaction is greedy up to the last "@" of the token, so a password holding an unencoded "@" is
// covered too; a path or query with an "@" (an e-mail) is redacted as well, which costs only detail.
const URL_USERINFO_TEXT = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;
const SECRET_PARAMETER_VALUE = new RegExp(String.raw`${SECRET_PARAMETER.source}[^&;\s]*`, "gi");
const SECRET_JSON_MEMBER = new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"`, "gi");
/** Known secrets shorter than this are not searched for: replacing "a" everywhere hides everything. */
const MIN_KNOWN_SECRET = 4;

/**
 * `text` with every URL's userinfo, every password-like parameter or JSON member and every `known`
 * secret (a handler URL, a token) replaced by <redacted>.
 */
export function redactCredentials(text: string, known: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of known) {
    if (secret !== undefined && secret.length >= MIN_KNOWN_SECRET) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(URL_USERINFO_TEXT, `$1${REDACTED}@`)
    .replace(SECRET_PARAMETER_VALUE, `$1$2${REDACTED}`)
    .replace(SECRET_JSON_MEMBER, `$1"${REDACTED}"`);
}

/**
 * True when `value` looks like it carries a credential: a URL whose authority names a user
 * (with or without a password before the host's `@`), or a password, secret or token parameter
 * (`...?password=...`). An "@" in a path or query (an e-mail) is not one.
 */
export function looksLikeCredential(value: string): boolean {
  return AUTHORITY_USERINFO.test(value) || SECRET_PARAMETER.test(value);
}
