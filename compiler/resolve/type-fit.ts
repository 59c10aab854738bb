// Which argument types may feed which column type classes. A mismatch is a build error,
// because the database would otherwise reject or silently coerce the value at run time.

import type { ArgType, Scalar } from "../config/contract.ts";
import type { TypeClass } from "../inspect/snapshot.ts";

const FITS: Record<ArgType, ReadonlySet<TypeClass>> = {
  string: new Set<TypeClass>(["string", "uuid", "date", "timestamp", "time", "decimal", "bigint", "other"]),
  integer: new Set<TypeClass>(["integer", "bigint", "decimal", "number"]),
  number: new Set<TypeClass>(["decimal", "number"]),
  boolean: new Set<TypeClass>(["boolean"]),
};

export const NUMERIC_CLASSES: ReadonlySet<TypeClass> = new Set(["integer", "bigint", "decimal", "number"]);

export function argFitsColumn(type: ArgType, column: TypeClass): boolean {
  return FITS[type].has(column);
}

export function fixedValueFitsColumn(value: Scalar, column: TypeClass): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "boolean":
      return column === "boolean";
    case "number":
      return NUMERIC_CLASSES.has(column) && (column !== "integer" && column !== "bigint" ? true : Number.isInteger(value));
    default:
      return FITS.string.has(column);
  }
}

/** The argument type a column naturally takes, for messages. */
export function argTypeForColumn(column: TypeClass): ArgType {
  if (column === "integer") return "integer";
  if (column === "number") return "number";
  if (column === "boolean") return "boolean";
  return "string";
}
