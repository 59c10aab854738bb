// TypeScript types for the JSON values a column produces once the runtime has made them
// JSON-safe (timestamps as ISO strings, bigint and decimal as strings).

import type { ColumnInfo } from "../inspect/snapshot.ts";

export function tsTypeForColumn(column: ColumnInfo): string {
  const base = (() => {
    switch (column.type_class) {
      case "integer":
      case "number":
        return "number";
      case "boolean":
        return "boolean";
      case "json":
        return "unknown";
      default:
        return "string";
    }
  })();
  return column.nullable && base !== "unknown" ? `${base} | null` : base;
}
