// What an engine reader returns: flat catalog rows in the same shape for both engines.
// assembleSnapshot turns them into the committed, deterministic SchemaSnapshot.

import type { Engine } from "../config/contract.ts";
import type { ColumnInfo, ForeignKeyInfo, SchemaSnapshot, TableInfo } from "./snapshot.ts";
import { suggestHints } from "./suggestions.ts";
import { typeClassOf } from "./type-class.ts";

export interface RawRelation {
  schema: string;
  name: string;
  kind: "table" | "view";
}

export interface RawColumn {
  schema: string;
  table: string;
  position: number;
  name: string;
  data_type: string;
  /** Text to classify when it differs from data_type (a domain's base type, "enum", "json"). */
  class_source: string;
  nullable: boolean;
  has_default: boolean;
  generated: boolean;
  max_length: number | null;
  /** Postgres: the column's collation when `=` under it is not byte equality. */
  nondeterministic_collation?: string | null;
  /** Postgres: a domain's base type (format_type text); null for any other column. */
  base_type?: string | null;
  /** An enum-typed column's labels in declaration order; null or absent for any other column. */
  enum_values?: string[] | null;
}

export interface RawKeyColumn {
  schema: string;
  table: string;
  /** Constraint name; groups the columns of one foreign key. */
  constraint: string;
  position: number;
  column: string;
}

export interface RawForeignKeyColumn extends RawKeyColumn {
  ref_schema: string;
  ref_table: string;
  ref_column: string;
}

export interface RawSchema {
  database: string;
  relations: RawRelation[];
  columns: RawColumn[];
  primaryKeys: RawKeyColumn[];
  foreignKeys: RawForeignKeyColumn[];
}

/** Something an engine reader reports instead of a schema; becomes a safe message. */
export class SchemaNotFound extends Error {
  readonly schemaName: string;
  constructor(schemaName: string) {
    super(`schema ${schemaName} not found`);
    this.schemaName = schemaName;
  }
}

export class NoDatabaseSelected extends Error {
  constructor() {
    super("no database selected");
  }
}

export interface SchemaReader {
  read(schema: string | undefined): Promise<RawSchema>;
  close(): Promise<void>;
}

// Plain code-point order: localeCompare depends on the machine's ICU data and would make
// snapshots differ between a laptop and CI.
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function assembleSnapshot(engine: Engine, raw: RawSchema): SchemaSnapshot {
  const key = (schema: string, table: string) => JSON.stringify([schema, table]);
  const columnsByTable = groupBy(raw.columns, (c) => key(c.schema, c.table));
  const pkByTable = groupBy(raw.primaryKeys, (k) => key(k.schema, k.table));
  const fkByTable = groupBy(raw.foreignKeys, (k) => key(k.schema, k.table));

  const shapes = [...raw.relations]
    .sort((a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name))
    .map((relation): Omit<TableInfo, "suggestions"> => {
      const k = key(relation.schema, relation.name);
      const columns = (columnsByTable.get(k) ?? []).sort((a, b) => a.position - b.position).map(toColumnInfo);
      return {
        schema: relation.schema,
        name: relation.name,
        kind: relation.kind,
        columns,
        primary_key: (pkByTable.get(k) ?? []).sort((a, b) => a.position - b.position).map((c) => c.column),
        foreign_keys: toForeignKeys(fkByTable.get(k) ?? []),
      };
    });
  // Suggestions look across tables (the tenant root is the table most others point at).
  const suggestions = suggestHints(shapes);
  const tables = shapes.map((shape, i): TableInfo => ({ ...shape, suggestions: suggestions[i]! }));

  return { snapshot_version: 1, engine, database: raw.database, tables };
}

function toColumnInfo(raw: RawColumn): ColumnInfo {
  const column: ColumnInfo = {
    name: raw.name,
    data_type: raw.data_type,
    type_class: typeClassOf(raw.class_source),
    nullable: raw.nullable,
    has_default: raw.has_default,
    generated: raw.generated,
  };
  if (raw.max_length !== null && raw.max_length > 0) column.max_length = raw.max_length;
  if (raw.nondeterministic_collation) column.nondeterministic_collation = raw.nondeterministic_collation;
  if (raw.base_type) column.base_type = raw.base_type;
  if (raw.enum_values) column.enum_values = [...raw.enum_values];
  return column;
}

function toForeignKeys(rows: readonly RawForeignKeyColumn[]): ForeignKeyInfo[] {
  const byConstraint = groupBy(rows, (r) => r.constraint);
  const keys = [...byConstraint.values()].map((parts): ForeignKeyInfo => {
    const ordered = parts.sort((a, b) => a.position - b.position);
    const first = ordered[0]!;
    return {
      columns: ordered.map((p) => p.column),
      references: { schema: first.ref_schema, table: first.ref_table, columns: ordered.map((p) => p.ref_column) },
    };
  });
  // Order by content, not constraint name, so renaming a constraint does not reorder the snapshot.
  const sortKey = (fk: ForeignKeyInfo) =>
    JSON.stringify([fk.columns, fk.references.schema, fk.references.table, fk.references.columns]);
  return keys.sort((a, b) => compareText(sortKey(a), sortKey(b)));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
