// Maps a raw driver or network failure to one of three stable codes with a message we
// wrote. The driver's own text never appears here; callers log it via describeCause.

import { describeCause, fail, type Failure } from "../errors.ts";

export type DatabaseErrorCode = "TEMPORARILY_UNAVAILABLE" | "INVALID_ARGUMENT" | "INTERNAL";

export interface DatabaseErrorClass {
  code: DatabaseErrorCode;
  message: string;
}

const UNAVAILABLE: DatabaseErrorClass = {
  code: "TEMPORARILY_UNAVAILABLE",
  message: "The database is unreachable or timed out; try again shortly.",
};
const INVALID: DatabaseErrorClass = {
  code: "INVALID_ARGUMENT",
  message: "An argument does not fit the column it is compared with.",
};
const INTERNAL: DatabaseErrorClass = {
  code: "INTERNAL",
  message: "The request failed inside the runner; details are in the local ledger.",
};

// Socket and resolver failures (Node) plus mysql2's lost-connection codes.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "EPIPE",
  "EADDRNOTAVAIL",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR",
]);

// pg raises these without a code when a connection cannot be made or is cut.
const PG_CONNECTION_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "Query read timeout",
];

// Postgres SQLSTATEs that mean "not reachable right now" rather than "this request is wrong".
const PG_UNAVAILABLE_STATES = new Set([
  "57014", // query_canceled: statement_timeout fired
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovery)
  "3D000", // database does not exist (yet)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
]);
const PG_UNAVAILABLE_CLASSES = ["08", "28", "53"]; // connection, authorization, insufficient resources

// MySQL/MariaDB server error numbers for the same two families.
const MYSQL_UNAVAILABLE_ERRNOS = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1044, // ER_DBACCESS_DENIED_ERROR
  1045, // ER_ACCESS_DENIED_ERROR
  1049, // ER_BAD_DB_ERROR
  1053, // ER_SERVER_SHUTDOWN
  1129, // ER_HOST_IS_BLOCKED
  1130, // ER_HOST_NOT_PRIVILEGED
  1152, // ER_ABORTING_CONNECTION
  1158, // ER_NET_READ_ERROR
  1159, // ER_NET_READ_INTERRUPTED
  1160, // ER_NET_ERROR_ON_WRITE
  1161, // ER_NET_WRITE_INTERRUPTED
  1203, // ER_TOO_MANY_USER_CONNECTIONS
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
  1317, // ER_QUERY_INTERRUPTED
  1927, // ER_CONNECTION_KILLED (MariaDB)
  1969, // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
  3024, // ER_QUERY_TIMEOUT (MySQL MAX_EXECUTION_TIME)
  3032, // ER_SERVER_OFFLINE_MODE
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
]);
const MYSQL_INVALID_ERRNOS = new Set([
  1048, // ER_BAD_NULL_ERROR
  1264, // ER_WARN_DATA_OUT_OF_RANGE
  1265, // WARN_DATA_TRUNCATED
  1292, // ER_TRUNCATED_WRONG_VALUE
  1300, // ER_INVALID_CHARACTER_STRING
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1367, // ER_ILLEGAL_VALUE_FOR_TYPE
  1406, // ER_DATA_TOO_LONG
  1411, // ER_WRONG_VALUE_FOR_TYPE
  1525, // ER_WRONG_VALUE
  1690, // ER_DATA_OUT_OF_RANGE
  3140, // ER_INVALID_JSON_TEXT
  3141, // ER_INVALID_JSON_TEXT_IN_PARAM
  3854, // ER_CANNOT_CONVERT_STRING
]);

type Verdict = DatabaseErrorClass | undefined;

interface ErrorFields {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  severity?: unknown;
  fatal?: unknown;
  message?: unknown;
}

function classifyPostgres(state: string): DatabaseErrorClass {
  if (state === "08P01") return INTERNAL; // protocol_violation: wrong parameter count, our bug
  if (PG_UNAVAILABLE_STATES.has(state) || PG_UNAVAILABLE_CLASSES.some((c) => state.startsWith(c))) return UNAVAILABLE;
  if (state.startsWith("22")) return INVALID; // data exception: bad text, out of range, too long, bad bytes
  return INTERNAL;
}

function classifyMysql(errno: number, sqlState: unknown): DatabaseErrorClass {
  if (MYSQL_UNAVAILABLE_ERRNOS.has(errno)) return UNAVAILABLE;
  if (MYSQL_INVALID_ERRNOS.has(errno)) return INVALID;
  if (typeof sqlState === "string" && sqlState.startsWith("22")) return INVALID;
  if (typeof sqlState === "string" && sqlState.startsWith("08")) return UNAVAILABLE;
  return INTERNAL;
}

/** A verdict from this error alone, or undefined when it carries no recognisable signal. */
function classifyOne(err: ErrorFields): Verdict {
  const code = typeof err.code === "string" ? err.code : undefined;
  // pg's DatabaseError carries a severity and a five-character SQLSTATE.
  if (code && typeof err.severity === "string" && /^[0-9A-Z]{5}$/.test(code)) return classifyPostgres(code);
  // mysql2's server errors carry a numeric errno and an SQLSTATE.
  if (typeof err.errno === "number" && typeof err.sqlState === "string") return classifyMysql(err.errno, err.sqlState);
  if (code && NETWORK_CODES.has(code)) return UNAVAILABLE;
  const message = typeof err.message === "string" ? err.message : "";
  if (PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m))) return UNAVAILABLE;
  // mysql2 marks errors that killed the connection as fatal ("closed state", handshake failures).
  if (err.fatal === true) return UNAVAILABLE;
  return undefined;
}

function* causeChain(err: unknown, depth = 0): Generator<ErrorFields> {
  if (depth > 4 || err === null || typeof err !== "object") return;
  yield err as ErrorFields;
  // Happy-eyeballs connects report every failed address inside an AggregateError.
  if (err instanceof AggregateError) for (const inner of err.errors) yield* causeChain(inner, depth + 1);
  if (err instanceof Error && err.cause !== undefined) yield* causeChain(err.cause, depth + 1);
}

export function classifyDatabaseError(err: unknown): DatabaseErrorClass {
  for (const link of causeChain(err)) {
    const verdict = classifyOne(link);
    if (verdict) return { ...verdict };
  }
  return { ...INTERNAL };
}

/** The failure value a tool call returns: our message for the caller, the driver's text for the ledger. */
export function databaseFailure(err: unknown): { ok: false; failure: Failure } {
  const { code, message } = classifyDatabaseError(err);
  return fail(code, message, describeCause(err));
}
