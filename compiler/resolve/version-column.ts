// Which columns can carry a proposal's version (conflict_guard), and how: decided from the
// column's type in the schema, so apply never guesses from the value it finds in a proposal.

import type { VersionGuardKind } from "../../runtime/executors/write-plan.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";

/** A timestamp column is compared as a range and set to the database's now; an integer is a counter. */
export function versionGuardKind(column: ColumnInfo): VersionGuardKind | undefined {
  switch (column.type_class) {
    case "timestamp":
      return "timestamp";
    case "integer":
    case "bigint":
      return "counter";
    default:
      return undefined;
  }
}
