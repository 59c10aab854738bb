// Maps a raw driver or network failure to one of three stable codes with a message we
// wrote. The engines' rules are in runtime/dialect; the driver's own text never appears
// here, callers log it via describeCause.

import { databaseErrorClass, type ErrorClass } from "../dialect/index.ts";
import { describeCause, fail, type Failure } from "../errors.ts";

export type DatabaseErrorCode = "TEMPORARILY_UNAVAILABLE" | "INVALID_ARGUMENT" | "INTERNAL";

export interface DatabaseErrorClass {
  code: DatabaseErrorCode;
  message: string;
}

const BY_CLASS: Record<ErrorClass, DatabaseErrorClass> = {
  unavailable: { code: "TEMPORARILY_UNAVAILABLE", message: "The database is unreachable or timed out; try again shortly." },
  invalid_value: { code: "INVALID_ARGUMENT", message: "An argument does not fit the column it is compared with." },
  internal: { code: "INTERNAL", message: "The request failed inside the runner; details are in the local ledger." },
};

export function classifyDatabaseError(err: unknown): DatabaseErrorClass {
  return { ...BY_CLASS[databaseErrorClass(err)] };
}

/** The failure value a tool call returns: our message for the caller, the driver's text for the ledger. */
export function databaseFailure(err: unknown): { ok: false; failure: Failure } {
  const { code, message } = classifyDatabaseError(err);
  return fail(code, message, describeCause(err));
}
