// TypeScript types for the JSON values a column produces once the runtime has made them
// JSON-safe (timestamps as ISO strings, bigint and decimal as strings).

import type { ArgType } from "../config/contract.ts";
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

export function tsTypeForArg(type: ArgType, values?: Array<string | number>, writtenAsText = false): string {
  if (values && values.length > 0) return values.map((v) => JSON.stringify(v)).join(" | ");
  // An integer feeding a bigint column may arrive as digit text past 2^53 (plan/arguments.ts).
  if (type === "integer") return writtenAsText ? "number | string" : "number";
  return type;
}
