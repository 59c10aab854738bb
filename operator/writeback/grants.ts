// The least privilege the sql_update writer needs, read from the compiled plan: the receipts
// table, and per table column-level UPDATE on exactly the columns the planned UPDATEs set and
// column-level SELECT on the columns their WHERE, version read-back and conflict explanation read.

import type { Engine } from "../../runtime/db/adapter.ts";
import { dialectFor } from "../../runtime/dialect/index.ts";
import { receiptsTableOf } from "../../runtime/executors/receipts-table.ts";
import type { SqlUpdatePlan } from "../../runtime/executors/write-plan.ts";

export type GrantsResult = { ok: true; statements: string[] } | { ok: false; message: string };

type TableRef = SqlUpdatePlan["receiptsTable"];

/** The receipts tables the planned writes use, as the plan resolved them; the engine's default when there are none. */
export function receiptsTablesOf(engine: Engine, writes: readonly SqlUpdatePlan[]): TableRef[] {
  const tables = new Map(writes.map((w) => [`${w.receiptsTable.schema ?? ""}.${w.receiptsTable.name}`, w.receiptsTable]));
  return tables.size > 0 ? [...tables.values()] : [receiptsTableOf(engine, undefined)];
}

export function writerGrants(engine: Engine, role: string, receiptsTables: readonly TableRef[], writes: readonly SqlUpdatePlan[]): GrantsResult {
  const d = dialectFor(engine);
  const to = d.grantee(role);
  if (!to) return { ok: false, message: `--writer-role '${role}' is not a plain role name${engine === "mysql" ? " (or user@host)" : ""}.` };
  const columns = (list: Iterable<string>) => [...list].map(d.quote).join(", ");
  const statements: string[] = [];
  for (const table of receiptsTables) {
    if (d.grantsSchemaUsage && table.schema) statements.push(`GRANT USAGE ON SCHEMA ${d.quote(table.schema)} TO ${to}`);
    statements.push(`GRANT SELECT, INSERT, UPDATE ON ${d.qualifiedName(table.schema, table.name)} TO ${to}`);
  }
  // One pair of column-level grants per table, merging every planned write on it.
  const tables = new Map<string, { schema: string | undefined; read: Set<string>; update: Set<string> }>();
  for (const w of writes) {
    const key = d.qualifiedName(w.table.schema, w.table.name);
    const entry = tables.get(key) ?? { schema: w.table.schema, read: new Set<string>(), update: new Set<string>() };
    w.readColumns.forEach((c) => entry.read.add(c));
    w.setColumns.forEach((c) => entry.update.add(c));
    tables.set(key, entry);
  }
  const usage = new Set<string>();
  for (const [name, entry] of tables) {
    if (d.grantsSchemaUsage && entry.schema && !usage.has(entry.schema)) {
      usage.add(entry.schema);
      statements.push(`GRANT USAGE ON SCHEMA ${d.quote(entry.schema)} TO ${to}`);
    }
    statements.push(`GRANT SELECT (${columns(entry.read)}) ON ${name} TO ${to}`);
    statements.push(`GRANT UPDATE (${columns(entry.update)}) ON ${name} TO ${to}`);
  }
  return { ok: true, statements };
}
