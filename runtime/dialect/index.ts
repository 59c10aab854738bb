// One dialect per engine (postgres.ts, mysql.ts), chosen here. The compiler plans statements
// with it, the runtime adapters and executors run them with it, and the handler helper builds
// its scoped statements with it: the rules of an engine are written once.

import type { Engine } from "../db/adapter.ts";
import type { Dialect } from "./dialect.ts";
import { errorClassOf, writerErrorKindOf, type ErrorClass, type WriterErrorKind } from "./errors.ts";
import { mysqlDialect, mysqlErrors } from "./mysql.ts";
import { postgresDialect, postgresErrors } from "./postgres.ts";

export type { Dialect, KeyEquality } from "./dialect.ts";
export { Placeholders } from "./dialect.ts";
export type { ErrorClass, WriterErrorKind } from "./errors.ts";

export function dialectFor(engine: Engine): Dialect {
  switch (engine) {
    case "postgres":
      return postgresDialect;
    case "mysql":
      return mysqlDialect;
    default:
      throw new RangeError(`Unknown database engine: ${String(engine satisfies never)}`);
  }
}

// A failure may come from either driver (or none), so both engines' rules are asked.
const ENGINES = [postgresErrors, mysqlErrors];

/** What a database failure means for a caller: try later, a bad value, or our problem. */
export function databaseErrorClass(err: unknown): ErrorClass {
  return errorClassOf(err, ENGINES);
}

/** What a writer-side failure means for an operator (receipt codes, doctor checks). */
export function writerErrorKind(err: unknown): WriterErrorKind {
  return writerErrorKindOf(err, ENGINES);
}
