// Guesses for the onboarding flow: which column probably scopes rows to a tenant and
// which one probably changes on every write. They are hints for a person to confirm,
// never applied silently.
//
// The tenant key is read from the schema's shape first: when most tables carry a NOT NULL
// foreign key to one table (every clinic-owned table has `clinic_id -> clinics`), that table
// is the tenant root and the referencing column is the tenant key, whatever it is called.
// The root table's own single-column primary key is its tenant key (a clinic's row belongs
// to the clinic whose id it has). Only where the shape says nothing does the name list decide.

import type { ColumnInfo, TableInfo } from "./snapshot.ts";

/** Tenant-key candidates, most likely first. */
export const TENANT_KEY_NAMES = [
  "tenant_id",
  "tenant",
  "org_id",
  "organization_id",
  "account_id",
  "workspace_id",
  "company_id",
] as const;

/** Version (stale-row guard) candidates, most likely first. */
export const VERSION_COLUMN_NAMES = [
  "updated_at",
  "modified_at",
  "row_version",
  "version",
  "lock_version",
  "last_modified",
] as const;

type Suggestions = TableInfo["suggestions"];
type TableShape = Omit<TableInfo, "suggestions">;

/** The table most tables point at with a NOT NULL foreign key: the probable tenant root. */
export interface TenantRoot {
  schema: string;
  table: string;
  /** The referencing column name most tables use (e.g. "clinic_id"); the first in name order on a tie. */
  column: string;
  /** Base tables other than the root that reference it with a NOT NULL single-column foreign key. */
  referencedBy: number;
  /** Base tables other than the root. */
  otherTables: number;
}

/**
 * The tenant root, when one table is referenced by a NOT NULL single-column foreign key from at
 * least two and more than half of the other base tables, and no other table is referenced as often
 * (a tie is no evidence either way).
 */
export function findTenantRoot(tables: readonly TableShape[]): TenantRoot | undefined {
  const baseTables = tables.filter((t) => t.kind === "table");
  const counts = new Map<string, { schema: string; table: string; tables: number; names: Map<string, number> }>();
  for (const table of baseTables) {
    const seen = new Set<string>();
    for (const { column, ref } of tenantReferences(table)) {
      const key = JSON.stringify([ref.schema, ref.table]);
      const entry = counts.get(key) ?? { schema: ref.schema, table: ref.table, tables: 0, names: new Map() };
      if (!seen.has(key)) entry.tables += 1;
      seen.add(key);
      entry.names.set(column.name, (entry.names.get(column.name) ?? 0) + 1);
      counts.set(key, entry);
    }
  }
  const ranked = [...counts.values()].sort((a, b) => b.tables - a.tables);
  const best = ranked[0];
  if (best === undefined || (ranked[1] !== undefined && ranked[1].tables === best.tables)) return undefined;
  const others = baseTables.filter((t) => !(t.schema === best.schema && t.name === best.table)).length;
  if (best.tables < 2 || best.tables * 2 <= others) return undefined;
  const column = [...best.names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]![0];
  return { schema: best.schema, table: best.table, column, referencedBy: best.tables, otherTables: others };
}

/** Suggestions for every table, in the order given; the tenant root is computed across all of them. */
export function suggestHints(tables: readonly TableShape[]): Suggestions[] {
  const root = findTenantRoot(tables);
  return tables.map((table) => {
    const suggestions: Suggestions = {};
    const tenantKey = (root && tenantKeyFromRoot(table, root)) ?? firstPresent(table.columns, TENANT_KEY_NAMES);
    if (tenantKey !== undefined) suggestions.tenant_key = tenantKey;
    const versionColumn = firstPresent(table.columns, VERSION_COLUMN_NAMES);
    if (versionColumn !== undefined) suggestions.version_column = versionColumn;
    return suggestions;
  });
}

function tenantKeyFromRoot(table: TableShape, root: TenantRoot): string | undefined {
  if (table.schema === root.schema && table.name === root.table) {
    return table.primary_key.length === 1 ? table.primary_key[0] : undefined;
  }
  const referencing = tenantReferences(table)
    .filter(({ ref }) => ref.schema === root.schema && ref.table === root.table)
    .map(({ column }) => column.name);
  // Two keys to the root (clinic_id, referring_clinic_id): the name the rest of the schema uses wins.
  if (referencing.length > 0) return referencing.includes(root.column) ? root.column : referencing[0];
  // A view has no foreign keys, and a table may lack the constraint; the schema's name for the
  // key is still the best guess when the column is there (NOT NULL for a table, where it is known).
  const sameName = table.columns.find((c) => c.name === root.column);
  if (sameName && (table.kind === "view" || !sameName.nullable)) return sameName.name;
  return undefined;
}

/** NOT NULL single-column foreign keys of a table to another table, with the referencing column. */
function tenantReferences(table: TableShape): { column: ColumnInfo; ref: { schema: string; table: string } }[] {
  const found: { column: ColumnInfo; ref: { schema: string; table: string } }[] = [];
  for (const fk of table.foreign_keys) {
    if (fk.columns.length !== 1) continue;
    if (fk.references.schema === table.schema && fk.references.table === table.name) continue;
    const column = table.columns.find((c) => c.name === fk.columns[0]);
    if (column && !column.nullable) found.push({ column, ref: fk.references });
  }
  return found;
}

// Preference order wins over column order; names match exactly as stored, because the
// generated SQL quotes identifiers and "Tenant_ID" would be a different column.
function firstPresent(columns: readonly ColumnInfo[], preferred: readonly string[]): string | undefined {
  const names = new Set(columns.map((c) => c.name));
  return preferred.find((name) => names.has(name));
}
