// What a database URL may say. Both drivers let a URL's query parameters override the options
// their caller passed (pg merges the parsed URL over its config; mysql2 copies `uri` parameters
// over the pool options), so `?options=-c default_transaction_read_only=off`, `?statement_timeout=0`,
// `?typeCast=false` or `?multipleStatements=true` would undo the session the runner relies on.
// Only parameters that choose where and how securely to connect are accepted; anything else is
// refused with the fix, before a connection is attempted.

import type { Engine } from "./adapter.ts";

/** A URL or session the runner will not use; an operator must change the configuration. */
export class DatabaseConfigurationError extends Error {
  override readonly name = "DatabaseConfigurationError";
  readonly code = "CONFIGURATION_ERROR";
}

// Where to connect (host, port, user, password), TLS, and labels; nothing that changes a session.
const ACCEPTED: Record<Engine, ReadonlySet<string>> = {
  postgres: new Set([
    "host",
    "port",
    "user",
    "password",
    "ssl",
    "sslmode",
    "sslcert",
    "sslkey",
    "sslrootcert",
    "sslnegotiation",
    "uselibpqcompat",
    "application_name",
    "fallback_application_name",
  ]),
  mysql: new Set(["ssl"]),
};

const PRINTABLE_NAME = /^[A-Za-z0-9_.-]{1,40}$/;

/** What is wrong with an unreadable database URL and how to fix it (inspect says the same). */
export const INVALID_URL =
  "is not a valid URL (expected postgres:// or mysql://, then the user name, a colon and the password before an @, " +
  "then host, port (at most 65535) and database); percent-encode special characters in the user name and password (% as %25, @ as %40, / as %2F).";

/** A URL neither Node nor the driver can read, as a configuration error; the URL itself (it holds the password) is never quoted. */
function invalidUrl(engine: Engine): DatabaseConfigurationError {
  return new DatabaseConfigurationError(`The ${engine === "postgres" ? "Postgres" : "MySQL"} URL ${INVALID_URL}`);
}

/** Whether each percent-encoded part decodes (the drivers call decodeURIComponent, which throws URIError). */
function decodes(parsed: URL): boolean {
  try {
    for (const part of [parsed.username, parsed.password, parsed.hostname, parsed.pathname]) decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}

/** The query parameter names of `url` as the driver will read them (pg's own fallback for a missing host included). */
function parameterNames(engine: Engine, url: string): string[] {
  if (engine === "postgres" && url.startsWith("/")) return []; // pg: a socket directory and a database name, no parameters
  let parsed: URL;
  try {
    parsed = new URL(url, "postgres://base");
  } catch {
    try {
      parsed = new URL(url.replace("@/", "@___DUMMY___/"), "postgres://base");
    } catch {
      throw invalidUrl(engine);
    }
  }
  if (!decodes(parsed)) throw invalidUrl(engine);
  return [...new Set(parsed.searchParams.keys())];
}

/**
 * Throws DatabaseConfigurationError naming the refused parameters (names only, never values) and
 * the fix, or saying the URL cannot be read. Call before handing `url` to a driver.
 */
export function checkConnectionUrl(engine: Engine, url: string): void {
  const refused = parameterNames(engine, url).filter((name) => !ACCEPTED[engine].has(name));
  if (refused.length === 0) return;
  const shown = refused.map((name) => (PRINTABLE_NAME.test(name) ? `'${name}'` : "an unprintable parameter")).join(", ");
  const accepted = [...ACCEPTED[engine]].join(", ");
  throw new DatabaseConfigurationError(
    `The ${engine === "postgres" ? "Postgres" : "MySQL"} URL sets ${shown}, which the runner does not accept: URL parameters ` +
      "would override the session it enforces (UTC, exact numbers and dates, the statement timeout, a read-only session for the MCP server). " +
      `Remove ${refused.length === 1 ? "it" : "them"} from the URL (accepted: ${accepted}); set the source's statement_timeout_ms for the timeout.`,
  );
}

/** The connection target of a mysql URL, built field by field so nothing else from the URL reaches mysql2. */
export interface MysqlTarget {
  host: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  ssl?: string | Record<string, unknown>;
}

/** Parses a mysql:// URL into its target; refuses every parameter but `ssl` (see checkConnectionUrl). */
export function mysqlTarget(url: string): MysqlTarget {
  checkConnectionUrl("mysql", url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl("mysql"); // a relative URL (no scheme) that checkConnectionUrl's base made readable
  }
  const decode = (text: string) => (text === "" ? undefined : decodeURIComponent(text));
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const target: MysqlTarget = { host: decodeURIComponent(host) || "localhost" };
  if (parsed.port) target.port = Number(parsed.port);
  const user = decode(parsed.username);
  const password = decode(parsed.password);
  const database = decode(parsed.pathname.slice(1));
  if (user !== undefined) target.user = user;
  if (password !== undefined) target.password = password;
  if (database !== undefined) target.database = database;
  const ssl = parsed.searchParams.get("ssl");
  if (ssl !== null) {
    // As mysql2 reads it: a JSON object of TLS options, or the name of a built-in profile.
    let value: unknown = ssl;
    try {
      value = JSON.parse(ssl);
    } catch {
      // not JSON: a profile name
    }
    if (value !== null && typeof value === "object") target.ssl = value as Record<string, unknown>;
    else if (value === true) target.ssl = {}; // TLS with the default checks
    else if (value !== false) target.ssl = String(value);
  }
  return target;
}
