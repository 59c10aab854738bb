// Everything Postgres: identifier quoting and `$n` placeholders, the session every connection
// starts with, how driver values become JSON-safe text, and which SQLSTATEs mean what.
// No driver import here: the adapters pass pg's own parsers in, so the dialect stays loadable
// by the compiler and the handler without pulling a driver in.

import { normaliseTimestamp } from "../values.ts";
import { ROLE_NAME, quotingWith, sessionInteger, type Dialect, type KeyEquality } from "./dialect.ts";
import type { DriverError, EngineErrors, ErrorClass, WriterErrorKind } from "./errors.ts";

// SQLSTATEs that mean "not reachable right now" rather than "this request is wrong".
const UNAVAILABLE_STATES = new Set([
  "57014", // query_canceled: statement_timeout fired
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovery)
  "3D000", // database does not exist (yet)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
]);
const UNAVAILABLE_CLASSES = ["08", "28", "53"]; // connection, authorization, insufficient resources

const WRITER_KINDS = new Map<string, WriterErrorKind>([
  ["23505", "duplicate_key"], // unique_violation
  ["28000", "authentication"], // invalid_authorization_specification
  ["28P01", "authentication"], // invalid_password
  ["42501", "permission"], // insufficient_privilege
  ["42P01", "missing_object"], // undefined_table
  ["3F000", "missing_object"], // invalid_schema_name
  ["42703", "missing_object"], // undefined_column
  ["3D000", "missing_database"], // invalid_catalog_name: the URL's database does not exist
]);

// pg raises these without a code when a connection cannot be made or is cut.
const CONNECTION_MESSAGES = ["Connection terminated", "timeout exceeded when trying to connect", "Query read timeout"];

const SQLSTATE = /^[0-9A-Z]{5}$/;

export const postgresErrors: EngineErrors = {
  // pg's DatabaseError carries a severity and a five-character SQLSTATE.
  isServerError: (err) => typeof err.code === "string" && typeof err.severity === "string" && SQLSTATE.test(err.code),
  classOf(err: DriverError): ErrorClass {
    const state = String(err.code);
    if (state === "08P01") return "internal"; // protocol_violation: wrong parameter count, our bug
    if (UNAVAILABLE_STATES.has(state) || UNAVAILABLE_CLASSES.some((c) => state.startsWith(c))) return "unavailable";
    if (state.startsWith("22")) return "invalid_value"; // data exception: bad text, out of range, too long, bad bytes
    return "internal";
  },
  writerKindOf: (err) => WRITER_KINDS.get(String(err.code)),
  connectionLost: (err) => typeof err.message === "string" && CONNECTION_MESSAGES.some((m) => (err.message as string).startsWith(m)),
};

const quoting = quotingWith('"');

/**
 * Text under a deterministic collation compares byte for byte, so `=` is exact. citext and
 * nondeterministic (ICU) collations fold case or accents: there the column's text is compared
 * again under the "C" collation, which is deterministic, while `column = $n` keeps the index.
 */
function exactMatch(column: string, bind: () => string, equality: KeyEquality): string {
  const plain = `${column} = ${bind()}`;
  return equality === "exact" ? plain : `${plain} AND CAST(${column} AS text) COLLATE "C" = ${bind()}`;
}

export const postgresDialect: Dialect = {
  engine: "postgres",
  ...quoting,
  exactMatch,
  whenGiven: (given, condition) => `(${given} = FALSE OR ${condition})`,
  givenFlag: "boolean",
  placeholder: (position) => `$${position}`,
  // clock_timestamp(), not now(): now() is the transaction's start, and a version must move on every write.
  now: "clock_timestamp()",
  timestampText: (utc) => `${utc}Z`,
  currentSchema: "current_schema()",
  defaultSchema: "public",
  supportsReturning: true,
  grantee: (role) => (ROLE_NAME.test(role) ? quoting.quote(role) : undefined),
  grantsSchemaUsage: true,
  errors: postgresErrors,
};

export interface PostgresSession {
  statementTimeoutMs: number;
  /** Every transaction read-only at the database (the MCP server's sessions). */
  readOnly?: boolean;
}

/**
 * pg's `options` startup parameter: every connection is UTC, prints ISO dates and is time-limited
 * before its first statement runs.
 */
export function postgresSessionOptions(session: PostgresSession): string {
  return (
    `-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=${sessionInteger(session.statementTimeoutMs)}` +
    (session.readOnly ? " -c default_transaction_read_only=on" : "")
  );
}

type TextParser = (text: string) => unknown;
/** pg's own `types.getTypeParser`, passed in by the caller that loaded the driver. */
export type PgTypeParserLookup = (oid: number, format: "text" | "binary") => (value: never) => unknown;

/**
 * Type parsers for one pool (a per-pool override, so other pg users in the process keep pg's
 * defaults). Values whose JavaScript default would lose precision or shift in time stay text;
 * timestamps become ISO 8601 UTC with every fractional digit the database had.
 */
export function postgresTypeParsers(builtin: PgTypeParserLookup): { getTypeParser(oid: number, format?: "text" | "binary"): unknown } {
  const keepText: TextParser = (text) => text;
  // pg's own text[] parser splits any array literal (quoting, NULL, nesting) into strings.
  const splitTextArray = builtin(1009, "text") as TextParser;
  const mapNested = (value: unknown, parse: TextParser): unknown =>
    Array.isArray(value) ? value.map((item) => mapNested(item, parse)) : value === null ? null : parse(value as string);
  const arrayOf =
    (parse: TextParser): TextParser =>
    (text) =>
      mapNested(splitTextArray(text), parse);
  // Type OIDs from pg_type.
  const parsers = new Map<number, TextParser>([
    [20, keepText], // int8: beyond Number.MAX_SAFE_INTEGER
    [1700, keepText], // numeric: exact decimal
    [1082, keepText], // date: "YYYY-MM-DD", no midnight-in-some-zone Date
    [1114, normaliseTimestamp], // timestamp
    [1184, normaliseTimestamp], // timestamptz: keeps microseconds, unlike Date
    [1186, keepText], // interval: the Postgres text, not a driver object
    [1016, arrayOf(keepText)], // int8[]
    [1231, arrayOf(keepText)], // numeric[]
    [1182, arrayOf(keepText)], // date[]
    [1115, arrayOf(normaliseTimestamp)], // timestamp[]
    [1185, arrayOf(normaliseTimestamp)], // timestamptz[]
    [1187, arrayOf(keepText)], // interval[]
  ]);
  return {
    getTypeParser(oid, format) {
      const own = format === "binary" ? undefined : parsers.get(oid);
      return own ?? builtin(oid, format ?? "text");
    },
  };
}
