// Sorts a writer-side driver failure into the few kinds an operator can act on. Used by the
// sql_update executor (receipt codes) and `writeback doctor` (check results); the driver's
// own text is never part of the answer.

import { classifyDatabaseError } from "../db/classify.ts";

export type WriterErrorKind =
  | "duplicate_key"
  | "authentication"
  | "permission"
  | "missing_object"
  | "unreachable"
  | "other";

const PG_KINDS = new Map<string, WriterErrorKind>([
  ["23505", "duplicate_key"], // unique_violation
  ["28000", "authentication"], // invalid_authorization_specification
  ["28P01", "authentication"], // invalid_password
  ["42501", "permission"], // insufficient_privilege
  ["42P01", "missing_object"], // undefined_table
  ["3F000", "missing_object"], // invalid_schema_name
  ["42703", "missing_object"], // undefined_column
  ["3D000", "missing_object"], // database does not exist
]);

const MYSQL_KINDS = new Map<number, WriterErrorKind>([
  [1062, "duplicate_key"], // ER_DUP_ENTRY
  [1045, "authentication"], // ER_ACCESS_DENIED_ERROR
  [1698, "authentication"], // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  [1044, "permission"], // ER_DBACCESS_DENIED_ERROR
  [1142, "permission"], // ER_TABLEACCESS_DENIED_ERROR
  [1143, "permission"], // ER_COLUMNACCESS_DENIED_ERROR
  [1227, "permission"], // ER_SPECIFIC_ACCESS_DENIED_ERROR
  [1146, "missing_object"], // ER_NO_SUCH_TABLE
  [1049, "missing_object"], // ER_BAD_DB_ERROR
  [1054, "missing_object"], // ER_BAD_FIELD_ERROR
]);

export function writerErrorKind(err: unknown): WriterErrorKind {
  if (err !== null && typeof err === "object") {
    const { code, errno, severity, sqlState } = err as { code?: unknown; errno?: unknown; severity?: unknown; sqlState?: unknown };
    if (typeof code === "string" && typeof severity === "string") {
      const kind = PG_KINDS.get(code);
      if (kind) return kind;
    }
    if (typeof errno === "number" && typeof sqlState === "string") {
      const kind = MYSQL_KINDS.get(errno);
      if (kind) return kind;
    }
  }
  return classifyDatabaseError(err).code === "TEMPORARILY_UNAVAILABLE" ? "unreachable" : "other";
}
