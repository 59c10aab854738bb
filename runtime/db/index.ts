// Opens the adapter for a source's engine. Pools connect lazily, so a server whose
// database is down still starts; each call then fails and is classified.

import type { Adapter, AdapterOptions, Engine } from "./adapter.ts";

export type { Adapter, AdapterOptions, Engine, FixedStatement, Row } from "./adapter.ts";
export { classifyDatabaseError, databaseFailure } from "./classify.ts";

/**
 * Drivers load on demand: a Postgres server never evaluates mysql2 (most of the bundle),
 * which keeps start-up time and memory down.
 */
export async function openAdapter(engine: Engine, options: AdapterOptions): Promise<Adapter> {
  switch (engine) {
    case "postgres":
      return (await import("./postgres.ts")).createPostgresAdapter(options);
    case "mysql":
      return (await import("./mysql.ts")).createMysqlAdapter(options);
    default:
      throw new RangeError(`Unknown database engine: ${String(engine satisfies never)}`);
  }
}
