// Guesses for the onboarding flow: which column probably scopes rows to a tenant and
// which one probably changes on every write. They are hints for a person to confirm,
// never applied silently.

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

export function suggestTableHints(columns: readonly ColumnInfo[]): TableInfo["suggestions"] {
  const suggestions: TableInfo["suggestions"] = {};
  const tenantKey = firstPresent(columns, TENANT_KEY_NAMES);
  if (tenantKey !== undefined) suggestions.tenant_key = tenantKey;
  const versionColumn = firstPresent(columns, VERSION_COLUMN_NAMES);
  if (versionColumn !== undefined) suggestions.version_column = versionColumn;
  return suggestions;
}

// Preference order wins over column order; names match exactly as stored, because the
// generated SQL quotes identifiers and "Tenant_ID" would be a different column.
function firstPresent(columns: readonly ColumnInfo[], preferred: readonly string[]): string | undefined {
  const names = new Set(columns.map((c) => c.name));
  return preferred.find((name) => names.has(name));
}
