// Opens the adapter for a source's engine. Pools connect lazily, so a server whose
// database is down still starts; each call then fails and is classified.

import type { Adapter, AdapterOptions, Engine } from "./adapter.ts";
import { createMysqlAdapter } from "./mysql.ts";
import { createPostgresAdapter } from "./postgres.ts";

export type { Adapter, AdapterOptions, Engine, FixedStatement, Row } from "./adapter.ts";
export { classifyDatabaseError, databaseFailure } from "./classify.ts";
export { createMysqlAdapter } from "./mysql.ts";
export { createPostgresAdapter } from "./postgres.ts";

export function openAdapter(engine: Engine, options: AdapterOptions): Adapter {
  switch (engine) {
    case "postgres":
      return createPostgresAdapter(options);
    case "mysql":
      return createMysqlAdapter(options);
    default:
      throw new RangeError(`Unknown database engine: ${String(engine satisfies never)}`);
  }
}
