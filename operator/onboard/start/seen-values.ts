// Values `start` offers instead of asking a person to remember them: the tenant ids in the tenant
// column, and a few object ids of one tenant for the first smoke call. Each is one fixed,
// LIMITed SELECT through the read-only URL; identifiers are quoted by the engine's dialect and
// the tenant is a bound value, never spliced into the text.

import type { TableInfo } from "../../../compiler/inspect/snapshot.ts";
import { openAdapter, type Engine } from "../../../runtime/db/index.ts";
import { dialectFor } from "../../../runtime/dialect/index.ts";

export const SEEN_VALUES_LIMIT = 20;
const TIMEOUT_MS = 5_000;

export interface SeenValuesQuery {
  name: string;
  text: string;
}

/** SELECT DISTINCT tenant FROM table … LIMIT n. */
export function tenantValuesQuery(engine: Engine, table: Pick<TableInfo, "schema" | "name">, tenantColumn: string): SeenValuesQuery {
  const d = dialectFor(engine);
  const column = d.quote(tenantColumn);
  return {
    name: "synapsor_start_tenant_values",
    text: `SELECT DISTINCT ${column} AS value FROM ${d.qualifiedName(table.schema, table.name)} WHERE ${column} IS NOT NULL ORDER BY ${column} LIMIT ${SEEN_VALUES_LIMIT}`,
  };
}

/** SELECT key FROM table WHERE tenant = ? ORDER BY key LIMIT n. */
export function objectIdsQuery(engine: Engine, table: Pick<TableInfo, "schema" | "name">, keyColumn: string, tenantColumn: string): SeenValuesQuery {
  const d = dialectFor(engine);
  const key = d.quote(keyColumn);
  return {
    name: "synapsor_start_object_ids",
    text: `SELECT ${key} AS value FROM ${d.qualifiedName(table.schema, table.name)} WHERE ${d.quote(tenantColumn)} = ${d.placeholder(1)} ORDER BY ${key} LIMIT ${SEEN_VALUES_LIMIT}`,
  };
}

/**
 * Runs one of the queries above on a read-only session. Returns [] when the database refuses
 * (no SELECT grant, a view that fails): offering values is a convenience, never a requirement.
 */
export async function seenValues(engine: Engine, url: string, query: SeenValuesQuery, params: readonly unknown[] = []): Promise<string[]> {
  let adapter;
  try {
    adapter = await openAdapter(engine, { url, statementTimeoutMs: TIMEOUT_MS, maxConnections: 1, readOnly: true });
    const rows = await adapter.query(query, params);
    return rows.map((r) => r.value).filter((v) => v !== null && v !== undefined).map(String);
  } catch {
    return [];
  } finally {
    await adapter?.close().catch(() => undefined);
  }
}
