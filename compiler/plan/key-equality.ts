// Whether `column = value` on a key column (the tenant key, the primary key) means "the same
// value" on its engine, decided from the schema snapshot at build time. The dialect turns the
// answer into SQL (Dialect.exactMatch), so the planned statements match tenants and rows exactly.

import type { KeyEquality } from "../../runtime/dialect/index.ts";
import type { Engine } from "../config/contract.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";

type KeyColumn = Pick<ColumnInfo, "type_class" | "data_type" | "nondeterministic_collation">;

/** The receipts table's idempotency_key: text on Postgres, VARCHAR on MySQL (receipts-table.ts). */
export const RECEIPT_KEY_COLUMN: KeyColumn = { type_class: "string", data_type: "text" };

export function keyEquality(engine: Engine, column: KeyColumn | undefined): KeyEquality {
  if (!column) return "unknown";
  if (engine === "mysql") {
    // Every MySQL/MariaDB character column has a collation, and all of them fold something.
    return column.type_class === "string" ? "folding" : "exact";
  }
  // Postgres text compares byte for byte unless the column's collation is nondeterministic or the
  // type itself folds case (citext, also through a domain).
  if (column.nondeterministic_collation !== undefined) return "folding";
  return /(^|\.)citext$/i.test(column.data_type.trim()) ? "folding" : "exact";
}
