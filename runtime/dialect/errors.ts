// Sorting a driver failure into what a caller can act on, for both engines. The per-engine
// tables (SQLSTATEs, MySQL error numbers, driver quirks) live in postgres.ts and mysql.ts; this
// file only walks the error and its causes and asks each engine whether the error is its own.
// The driver's text is never part of an answer.

/** The fields drivers put on their errors (pg DatabaseError, mysql2 QueryError, Node socket errors). */
export interface DriverError {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  severity?: unknown;
  fatal?: unknown;
  message?: unknown;
}

/** unavailable: try again later; invalid_value: a bound value does not fit its column; internal: a bug or a refusal. */
export type ErrorClass = "unavailable" | "invalid_value" | "internal";

/**
 * What a trusted writer (apply, doctor, the handler) reports, beyond the class. missing_database:
 * the database the URL names does not exist (a misconfigured URL, not a missing table or column).
 */
export type WriterErrorKind = "duplicate_key" | "authentication" | "permission" | "missing_object" | "missing_database" | "unreachable" | "other";

export interface EngineErrors {
  /** True when `err` is a server error reported through this engine's driver. */
  isServerError(err: DriverError): boolean;
  /** The class of one of this engine's server errors. */
  classOf(err: DriverError): ErrorClass;
  /** The writer kind of one of this engine's server errors, when it has one. */
  writerKindOf(err: DriverError): WriterErrorKind | undefined;
  /** Driver-level signs (no server error) that the connection could not be made or was lost. */
  connectionLost(err: DriverError): boolean;
}

// Socket and resolver failures, raised by Node under either driver.
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
]);

function* causeChain(err: unknown, depth = 0): Generator<DriverError> {
  if (depth > 4 || err === null || typeof err !== "object") return;
  yield err as DriverError;
  // Happy-eyeballs connects report every failed address inside an AggregateError.
  if (err instanceof AggregateError) for (const inner of err.errors) yield* causeChain(inner, depth + 1);
  if (err instanceof Error && err.cause !== undefined) yield* causeChain(err.cause, depth + 1);
}

/** The first link of the chain that says something, by the engines' rules; `internal` when none does. */
export function errorClassOf(err: unknown, engines: readonly EngineErrors[]): ErrorClass {
  for (const link of causeChain(err)) {
    const owner = engines.find((e) => e.isServerError(link));
    if (owner) return owner.classOf(link);
    if (typeof link.code === "string" && NETWORK_CODES.has(link.code)) return "unavailable";
    if (engines.some((e) => e.connectionLost(link))) return "unavailable";
  }
  return "internal";
}

/** The writer kind of the error itself, else whether it made the database unreachable. */
export function writerErrorKindOf(err: unknown, engines: readonly EngineErrors[]): WriterErrorKind {
  if (err !== null && typeof err === "object") {
    const owner = engines.find((e) => e.isServerError(err as DriverError));
    const kind = owner?.writerKindOf(err as DriverError);
    if (kind) return kind;
  }
  return errorClassOf(err, engines) === "unavailable" ? "unreachable" : "other";
}
