// Maps a raw driver or network failure to a stable code with a message we wrote. The engines'
// rules are in runtime/dialect; the driver's own text never appears here, callers log it via
// describeCause.

import { databaseErrorClass, writerErrorKind, type ErrorClass, type WriterErrorKind } from "../dialect/index.ts";
import { describeCause, fail, type Failure } from "../errors.ts";
import { DatabaseConfigurationError } from "./connection-url.ts";

export type DatabaseErrorCode = "TEMPORARILY_UNAVAILABLE" | "INVALID_ARGUMENT" | "CONFIGURATION_ERROR" | "INTERNAL";

export interface DatabaseErrorClass {
  code: DatabaseErrorCode;
  message: string;
}

const BY_CLASS: Record<ErrorClass, DatabaseErrorClass> = {
  unavailable: { code: "TEMPORARILY_UNAVAILABLE", message: "The database is unreachable or timed out; try again shortly." },
  invalid_value: { code: "INVALID_ARGUMENT", message: "An argument does not fit the column it is compared with." },
  internal: { code: "INTERNAL", message: "The request failed inside the runner; details are in the local ledger." },
};

const CONFIGURATION: DatabaseErrorClass = {
  code: "CONFIGURATION_ERROR",
  message: "The server cannot use its database connection as configured (login, database name, permissions or session settings); an operator must fix it. Retrying will not help.",
};

// Failures no retry fixes: the runner's own credential, URL or grants are wrong. The engines'
// tables already name them for the writer; reads share them.
const OPERATOR_MUST_ACT: ReadonlySet<WriterErrorKind> = new Set(["authentication", "permission", "missing_database"]);

export function classifyDatabaseError(err: unknown): DatabaseErrorClass {
  if (err instanceof DatabaseConfigurationError || OPERATOR_MUST_ACT.has(writerErrorKind(err))) return { ...CONFIGURATION };
  return { ...BY_CLASS[databaseErrorClass(err)] };
}

/** The failure value a tool call returns: our message for the caller, the driver's text for the ledger. */
export function databaseFailure(err: unknown): { ok: false; failure: Failure } {
  const { code, message } = classifyDatabaseError(err);
  return fail(code, message, describeCause(err));
}

/** What an operator changes for each failure no retry fixes; `inspect` words its messages with these too. */
export const CONNECTION_FIXES = {
  authentication: "check the user name and password in the URL",
  missing_database: "check the database name at the end of the URL",
} as const;

const OPERATOR_HINTS: Partial<Record<WriterErrorKind, string>> = {
  authentication: `the database refused the login; ${CONNECTION_FIXES.authentication}`,
  permission: "the database user lacks a permission the runner needs; compare its grants with the capabilities' tables",
  missing_database: `the URL names a database the server does not have; ${CONNECTION_FIXES.missing_database}`,
};

/**
 * One line for the operator's log about a source that failed its start-up check: what to fix,
 * naming the variable, never its value. Driver text is left out (it can quote hosts and users);
 * only its short error code is kept.
 */
export function operatorHint(err: unknown, urlEnv: string): string {
  if (err instanceof DatabaseConfigurationError) return `$${urlEnv}: ${err.message}`;
  const hint = OPERATOR_HINTS[writerErrorKind(err)] ?? (databaseErrorClass(err) === "unavailable" ? "the database is unreachable or timed out; calls will fail until it answers" : "the connection check failed");
  const code = (err as { code?: unknown } | null)?.code;
  return `$${urlEnv}: ${hint}${typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (error code ${code})` : ""}.`;
}
