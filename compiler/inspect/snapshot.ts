// The schema snapshot: what `inspect --json` writes and `build --schema` reads.
// Committed next to the config so builds are reproducible without a database.

import type { Engine } from "../config/contract.ts";

/** Coarse type family used to derive TypeScript types and check argument fit. */
export type TypeClass =
  | "string"
  | "integer"
  | "bigint"
  | "decimal"
  | "number"
  | "boolean"
  | "timestamp"
  | "date"
  | "time"
  | "json"
  | "uuid"
  | "binary"
  | "other";

export interface ColumnInfo {
  name: string;
  /** The database's own type name, e.g. "timestamp with time zone", "varchar(64)". */
  data_type: string;
  type_class: TypeClass;
  nullable: boolean;
  has_default: boolean;
  /** Generated/computed columns cannot be patched. */
  generated: boolean;
  max_length?: number;
  /**
   * Postgres: the name of the column's collation when it is nondeterministic (e.g. an ICU
   * case-insensitive one), under which `=` is not byte equality; absent otherwise.
   */
  nondeterministic_collation?: string;
  /** Postgres: for a column typed with a domain, the domain's base type (e.g. "citext"); absent otherwise. */
  base_type?: string;
  /** The labels of an enum-typed column (Postgres enum, MySQL ENUM), in declaration order. */
  enum_values?: string[];
}

export interface ForeignKeyInfo {
  columns: string[];
  references: { schema: string; table: string; columns: string[] };
}

export interface TableInfo {
  schema: string;
  name: string;
  kind: "table" | "view";
  columns: ColumnInfo[];
  primary_key: string[];
  foreign_keys: ForeignKeyInfo[];
  suggestions: { tenant_key?: string; version_column?: string };
}

export interface SchemaSnapshot {
  snapshot_version: 1;
  engine: Engine;
  /** Postgres: the inspected database's name; MySQL: the current database (its "schema"). */
  database: string;
  tables: TableInfo[];
}
