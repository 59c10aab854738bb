// Everything MySQL and MariaDB: backtick quoting and `?` placeholders, the session every
// connection starts with (UTC, a statement timeout under either server's name, read-only),
// how mysql2 values become JSON-safe, and which error numbers mean what.
// No driver import here (types only): the adapters hand their connections' `query` in.

import type { PoolOptions, TypeCast } from "mysql2";
import { normaliseTimestamp } from "../values.ts";
import { ROLE_NAME, quotingWith, sessionInteger, type Dialect, type KeyEquality } from "./dialect.ts";
import type { DriverError, EngineErrors, ErrorClass, WriterErrorKind } from "./errors.ts";

// Server error numbers meaning "not reachable right now".
const UNAVAILABLE_ERRNOS = new Set([
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
// Server error numbers meaning "a bound value does not fit its column".
const INVALID_VALUE_ERRNOS = new Set([
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
const WRITER_KINDS = new Map<number, WriterErrorKind>([
  [1062, "duplicate_key"], // ER_DUP_ENTRY
  [1045, "authentication"], // ER_ACCESS_DENIED_ERROR
  [1698, "authentication"], // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  [1044, "permission"], // ER_DBACCESS_DENIED_ERROR
  [1142, "permission"], // ER_TABLEACCESS_DENIED_ERROR
  [1143, "permission"], // ER_COLUMNACCESS_DENIED_ERROR
  [1227, "permission"], // ER_SPECIFIC_ACCESS_DENIED_ERROR
  [1146, "missing_object"], // ER_NO_SUCH_TABLE
  [1049, "missing_database"], // ER_BAD_DB_ERROR: the URL's database does not exist
  [1054, "missing_object"], // ER_BAD_FIELD_ERROR
]);
// mysql2's own codes for a connection it lost.
const LOST_CONNECTION_CODES = new Set(["PROTOCOL_CONNECTION_LOST", "PROTOCOL_SEQUENCE_TIMEOUT", "PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR"]);

/** MariaDB's answer to `SET SESSION max_statement_time` on MySQL 8, which does not know the variable. */
export const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;

export const mysqlErrors: EngineErrors = {
  // mysql2's server errors carry a numeric errno and an SQLSTATE.
  isServerError: (err) => typeof err.errno === "number" && typeof err.sqlState === "string",
  classOf(err: DriverError): ErrorClass {
    const errno = err.errno as number;
    const state = String(err.sqlState);
    if (UNAVAILABLE_ERRNOS.has(errno)) return "unavailable";
    if (INVALID_VALUE_ERRNOS.has(errno) || state.startsWith("22")) return "invalid_value";
    if (state.startsWith("08")) return "unavailable";
    return "internal";
  },
  writerKindOf: (err) => WRITER_KINDS.get(err.errno as number),
  // mysql2 marks errors that killed the connection as fatal ("closed state", handshake failures).
  connectionLost: (err) => (typeof err.code === "string" && LOST_CONNECTION_CODES.has(err.code)) || err.fatal === true,
};

const HOST_NAME = /^[A-Za-z0-9_.%:-]{1,255}$/;
/** user, user@host, 'user'@'host' or `user`@`host` (MySQL's own spellings). */
const ACCOUNT = /^(?:'([^']*)'|`([^`]*)`|([^@'`]*))(?:@(?:'([^']*)'|`([^`]*)`|([^@'`]*)))?$/;

/** An account as GRANT … TO names it; names are checked because MySQL quotes them as strings. */
function grantee(role: string): string | undefined {
  const m = ACCOUNT.exec(role);
  if (!m) return undefined;
  const user = m[1] ?? m[2] ?? m[3] ?? "";
  const host = m[4] ?? m[5] ?? m[6];
  if (!ROLE_NAME.test(user) || (host !== undefined && !HOST_NAME.test(host))) return undefined;
  return host !== undefined ? `'${user}'@'${host}'` : `'${user}'`;
}

/**
 * Every nonbinary string column has a collation, and every MySQL/MariaDB collation folds something:
 * the default ones case and accents, and PAD SPACE ones (MariaDB's utf8mb4_bin included) trailing
 * spaces. Binary strings are compared byte for byte without padding, so the CASTs make the match
 * exact, while the plain `=` before them keeps the key's index in use (EXPLAIN: ref/const).
 * Both sides are converted to utf8mb4 first: a column's bytes are in its own character set
 * (latin1, ucs2, utf16…), and comparing them with the parameter's bytes would never match a
 * non-ASCII value.
 */
function exactMatch(column: string, bind: () => string, equality: KeyEquality): string {
  const plain = `${column} = ${bind()}`;
  return equality === "exact" ? plain : `${plain} AND ${utf8Bytes(column)} = ${utf8Bytes(bind())}`;
}

const utf8Bytes = (expression: string) => `CAST(CONVERT(${expression} USING utf8mb4) AS BINARY)`;

export const mysqlDialect: Dialect = {
  engine: "mysql",
  ...quotingWith("`"),
  exactMatch,
  whenGiven: (given, condition) => `(${given} = 0 OR ${condition})`,
  givenFlag: "one_zero",
  placeholder: () => "?",
  now: "CURRENT_TIMESTAMP(6)",
  // DATETIME(6)/TIMESTAMP(6) literal text; the session's time zone is UTC.
  timestampText: (utc) => utc.replace("T", " "),
  currentSchema: "DATABASE()",
  defaultSchema: undefined,
  supportsReturning: false,
  grantee,
  grantsSchemaUsage: false,
  errors: mysqlErrors,
};

// TINYINT(1) is how both servers spell BOOLEAN; DATETIME/TIMESTAMP text (dateStrings) becomes ISO UTC.
const typeCast: TypeCast = (field, next) => {
  switch (field.type) {
    case "TINY": {
      const value = next();
      return field.length === 1 && value !== null ? value !== 0 && value !== "0" : value;
    }
    case "DATETIME":
    case "TIMESTAMP": {
      const value = next();
      return typeof value === "string" ? normaliseTimestamp(value) : value;
    }
    default:
      return next();
  }
};

/**
 * mysql2 pool options every runner connection uses: UTC, dates as text (no Date shifting),
 * big numbers and decimals as exact text, booleans as booleans, and UPDATE reporting matched
 * rows (FOUND_ROWS) like Postgres' rowCount rather than only the rows whose values changed.
 * A fresh object per pool, so no pool can change another's options.
 */
export function mysqlDriverOptions(): PoolOptions {
  return {
    timezone: "Z",
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    flags: ["FOUND_ROWS"],
    typeCast,
  };
}

/** Which server answered: the two spell the statement timeout differently. */
export type MysqlServer = "mariadb" | "mysql";

/**
 * The statement that makes a new session UTC and time-limited. MariaDB's max_statement_time is in
 * seconds (fractions allowed); MySQL 8's MAX_EXECUTION_TIME is in milliseconds.
 */
export function mysqlSessionStatement(server: MysqlServer, statementTimeoutMs: number): string {
  const ms = sessionInteger(statementTimeoutMs);
  const timeout = server === "mariadb" ? `max_statement_time = ${ms / 1000}` : `MAX_EXECUTION_TIME = ${ms}`;
  return `SET time_zone = '+00:00', SESSION ${timeout}`;
}

const MYSQL_READ_ONLY_SESSION = "SET SESSION TRANSACTION READ ONLY";

/**
 * After MariaDB's statement failed: try MySQL 8's, or give up. Only "unknown system variable"
 * means the other server, and only while no connection of this pool has shown it is MariaDB.
 */
export function fallsBackToMysql8(err: unknown, known: MysqlServer | undefined): boolean {
  return known !== "mariadb" && (err as DriverError | null)?.errno === ER_UNKNOWN_SYSTEM_VARIABLE;
}

/**
 * Prepares each new connection of one pool before its first statement, so nothing ever runs
 * un-timed. It tries MariaDB's spelling first, falls back to MySQL 8's, and remembers which
 * server answered so later connections need one round trip.
 */
export class MysqlSessionSetup {
  readonly #statementTimeoutMs: number;
  readonly #readOnly: boolean;
  #server: MysqlServer | undefined;

  constructor(options: { statementTimeoutMs: number; readOnly?: boolean }) {
    this.#statementTimeoutMs = sessionInteger(options.statementTimeoutMs);
    this.#readOnly = options.readOnly ?? false;
  }

  /** The server the pool talks to, once one connection has been prepared. */
  get server(): MysqlServer | undefined {
    return this.#server;
  }

  /** Runs the set-up on one connection; `run` executes one statement and rejects with the driver's error. */
  async prepare(run: (sql: string) => Promise<unknown>): Promise<void> {
    await this.#timeouts(run);
    if (this.#readOnly) await run(MYSQL_READ_ONLY_SESSION);
  }

  async #timeouts(run: (sql: string) => Promise<unknown>): Promise<void> {
    if (this.#server === "mysql") {
      await run(mysqlSessionStatement("mysql", this.#statementTimeoutMs));
      return;
    }
    try {
      await run(mysqlSessionStatement("mariadb", this.#statementTimeoutMs));
      this.#server = "mariadb";
    } catch (err) {
      if (!fallsBackToMysql8(err, this.#server)) throw err;
      await run(mysqlSessionStatement("mysql", this.#statementTimeoutMs));
      this.#server = "mysql";
    }
  }
}
