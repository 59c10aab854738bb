// Stable error codes: the only failure vocabulary that crosses the MCP boundary.
// Raw driver, network, SQLite or filesystem text never goes in `message`; it goes to the ledger.

import { redactCredentials } from "./text/credentials.ts";

export const ERROR_CODES = [
  "NOT_FOUND_IN_TENANT",
  "INVALID_ARGUMENT",
  "POLICY_VIOLATION",
  "CAPABILITY_NOT_FOUND",
  "VERSION_CONFLICT",
  "MULTI_ROW_BLOCKED",
  "APPROVAL_REQUIRED",
  "TEMPORARILY_UNAVAILABLE",
  "RATE_LIMITED",
  "CONFIGURATION_ERROR",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What the caller sees. `message` is written by us, never copied from a driver. */
export interface SafeError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** RATE_LIMITED only: whole seconds after which the same call may be admitted. */
  retry_after_s?: number;
}

/** A failure plus the internal detail that only the ledger may keep. */
export interface Failure {
  error: SafeError;
  /** Raw cause for the ledger (driver text, stack). Never returned to a client. */
  internal?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export function fail(code: ErrorCode, message: string, internal?: string): { ok: false; failure: Failure } {
  return {
    ok: false,
    failure: { error: { code, message, retryable: code === "TEMPORARILY_UNAVAILABLE" }, internal },
  };
}

/** The cause as one line for the ledger or a log, with any URL credentials redacted (drivers and fetch quote URLs). */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return redactCredentials(`${cause.name}${code ? ` [${String(code)}]` : ""}: ${cause.message}`);
  }
  return redactCredentials(String(cause));
}
