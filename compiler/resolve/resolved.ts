// The resolve stage's output: each capability with every table and column it names
// looked up in the schema snapshot, so later stages never consult the snapshot again.

import type { CapabilityConfig, Engine } from "../config/contract.ts";
import type { ColumnInfo, TableInfo } from "../inspect/snapshot.ts";

export interface ResolvedCapability {
  config: CapabilityConfig;
  /** Index in contract.capabilities, for JSON pointers. */
  index: number;
  engine: Engine;
  /** Schema to qualify the table with; undefined means the connection's current database (MySQL). */
  schema: string | undefined;
  table: TableInfo;
  /** Every column the capability names, by name. */
  columns: ReadonlyMap<string, ColumnInfo>;
}

export interface ResolvedContract {
  capabilities: ResolvedCapability[];
}
