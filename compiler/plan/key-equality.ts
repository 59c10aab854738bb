// Whether `column = value` on a key column (the tenant key, the primary key) means "the same
// value" on its engine, decided from the schema snapshot at build time. The dialect turns the
// answer into SQL (Dialect.exactMatch), so the planned statements match tenants and rows exactly.
//
// The decision reads the type text itself (data_type, and a Postgres domain's base_type), never
// the snapshot's type_class: a key is "exact" only when its type is one known to compare exactly,
// and anything else (an unknown or user-defined type, an edited class) gets the second comparison.

import type { KeyEquality } from "../../runtime/dialect/index.ts";
import type { Engine } from "../config/contract.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";

type KeyColumn = Pick<ColumnInfo, "data_type" | "nondeterministic_collation" | "base_type">;

/** The receipts table's idempotency_key: text on Postgres, VARCHAR on MySQL (receipts-table.ts). */
export const RECEIPT_KEY_COLUMN: KeyColumn = { data_type: "text" };

// MySQL/MariaDB types whose `=` compares numbers or bytes. Every character type has a collation,
// and all of them fold something (case, accents, PAD SPACE), so they are never listed here.
const MYSQL_EXACT = new Set(["tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal", "dec", "numeric", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"]);

// Built-in Postgres types (as format_type() prints them, unqualified) whose `=` is exact: text
// types under a deterministic collation, numbers, bytes. A user type with a built-in's name is
// printed schema-qualified, so it does not match.
const POSTGRES_EXACT = new Set([
  "text", "character varying", "varchar", "character", "char", "bpchar", "name", '"char"',
  "smallint", "integer", "bigint", "int2", "int4", "int8", "numeric", "decimal", "oid",
  "uuid", "bytea", "boolean", "date",
  "timestamp without time zone", "timestamp with time zone", "time without time zone", "time with time zone",
]);

export function keyEquality(engine: Engine, column: KeyColumn | undefined): KeyEquality {
  if (!column) return "unknown";
  if (engine === "mysql") {
    // "bigint(20) unsigned" → bigint; the name is the text before any "(" or space.
    const name = column.data_type.trim().toLowerCase().split(/[\s(]/)[0] ?? "";
    return MYSQL_EXACT.has(name) ? "exact" : "folding";
  }
  // Postgres text compares byte for byte unless the column's collation is nondeterministic or the
  // type itself folds (citext, also through a domain over it).
  if (column.nondeterministic_collation !== undefined) return "folding";
  return POSTGRES_EXACT.has(postgresTypeName(column.base_type ?? column.data_type)) ? "exact" : "folding";
}

/** "character varying(64)" → "character varying", "timestamp(6) with time zone" → "timestamp with time zone". */
function postgresTypeName(formatted: string): string {
  return formatted.trim().toLowerCase().replace(/\s*\(\s*[\d\s,]*\)/g, "").replace(/\s+/g, " ");
}
