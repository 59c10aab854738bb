// What every engine's dialect provides. Identifiers reaching SQL come from the reviewed config
// and the schema snapshot; they are still quoted, with the engine's quote character doubled, so
// no name can change what a statement does. Values are never spliced: they are placeholders.

import type { Engine } from "../db/adapter.ts";
import type { EngineErrors } from "./errors.ts";

export type { Engine };

/**
 * How far `column = value` can be trusted to mean "the same value". exact: the column's own `=`
 * already is (numbers, Postgres text under a deterministic collation). folding: it is not (MySQL
 * and MariaDB collations ignore case, accents and trailing spaces; Postgres citext and
 * nondeterministic collations fold too). unknown: the caller cannot tell (the handler helper at
 * run time, without a schema snapshot), so it is treated as folding.
 */
export type KeyEquality = "exact" | "folding" | "unknown";

export interface Dialect {
  readonly engine: Engine;
  /** One quoted identifier. */
  quote(identifier: string): string;
  /**
   * `column` holds exactly the bound value: no case, accent or trailing-space folding. The plain
   * `column = value` stays first so the key's index still finds the row; a byte comparison is added
   * where the column's own `=` folds. `bind` hands out the next placeholder for the same value and
   * is called once per placeholder the text needs.
   */
  exactMatch(column: string, bind: () => string, equality: KeyEquality): string;
  /**
   * `condition` applies only when an optional argument was given: `given` is the placeholder of a
   * flag bound as this engine's boolean (givenFlag). One fixed statement serves both cases, and
   * no NULL stands for "left out" (NULL is a value a column can hold).
   */
  whenGiven(given: string, condition: string): string;
  /** How the given-flag is bound: Postgres binds a boolean, MySQL (no real booleans) 1 or 0. */
  readonly givenFlag: "boolean" | "one_zero";
  /** The placeholder of the n-th (1-based) bound value. */
  placeholder(position: number): string;
  /** `schema.name` quoted, or the bare name when no schema is given (MySQL: the connection's database). */
  qualifiedName(schema: string | null | undefined, name: string): string;
  /** The database's current time with microseconds, in the session's time zone (always UTC). */
  readonly now: string;
  /** How a bound UTC timestamp is spelled, from `YYYY-MM-DDTHH:MM:SS.ffffff` (sessions run in UTC). */
  timestampText(utc: string): string;
  /** The connection's current schema (Postgres) or database (MySQL). */
  readonly currentSchema: string;
  /** Where an unqualified table is looked for in a schema snapshot; undefined = the connection's database. */
  readonly defaultSchema: string | undefined;
  /** UPDATE … RETURNING exists (Postgres); otherwise a changed value is read back in the transaction. */
  readonly supportsReturning: boolean;
  /** A role as GRANT … TO names it, or undefined when `role` is not a plain role name (or user@host). */
  grantee(role: string): string | undefined;
  /** Whether a GRANT on a table in a schema also needs USAGE on that schema (Postgres). */
  readonly grantsSchemaUsage: boolean;
  /** Which of this engine's server errors mean what. */
  readonly errors: EngineErrors;
}

/** Builds a dialect from its quote character; the rest is the engine's own. */
export function quotingWith(quoteChar: string): Pick<Dialect, "quote" | "qualifiedName"> {
  const doubled = quoteChar + quoteChar;
  const quote = (identifier: string) => `${quoteChar}${identifier.replaceAll(quoteChar, doubled)}${quoteChar}`;
  return {
    quote,
    qualifiedName: (schema, name) => (schema ? `${quote(schema)}.${quote(name)}` : quote(name)),
  };
}

/** Plain role and user names: what both engines accept unquoted-safe in a grantee. */
export const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/;

/** Values interpolated into session set-up must be plain non-negative integers. */
export function sessionInteger(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError("a statement timeout must be a non-negative integer of milliseconds");
  return value;
}

/** Hands out placeholders in order and remembers what each one stands for (values or their sources). */
export class Placeholders<T> {
  readonly #dialect: Dialect;
  readonly items: T[] = [];

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  bind(item: T): string {
    this.items.push(item);
    return this.#dialect.placeholder(this.items.length);
  }
}
