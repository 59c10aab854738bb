// Maps a database's own column type text to the coarse TypeClass the compiler reasons with.
// One function for both engines: Postgres format_type() text and MySQL COLUMN_TYPE text
// never collide in a way that changes the class.

import type { TypeClass } from "./snapshot.ts";

const CLASS_BY_BASE_NAME: ReadonlyMap<string, TypeClass> = new Map<string, TypeClass>([
  ...words("string", "text tinytext mediumtext longtext varchar char character bpchar citext enum set nvarchar nchar"),
  ...words("integer", "smallint int integer mediumint tinyint int2 int4 smallserial serial"),
  ...words("bigint", "bigint int8 bigserial"),
  ...words("decimal", "numeric decimal dec"),
  ...words("number", "real double float float4 float8"),
  ...words("boolean", "boolean bool"),
  ...words("timestamp", "timestamp timestamptz datetime"),
  ...words("date", "date"),
  ...words("time", "time timetz"),
  ...words("json", "json jsonb"),
  ...words("uuid", "uuid"),
  ...words("binary", "bytea blob tinyblob mediumblob longblob binary varbinary"),
]);

function words(typeClass: TypeClass, list: string): Array<[string, TypeClass]> {
  return list.split(" ").map((w) => [w, typeClass]);
}

/**
 * The coarse class of a column type, e.g. "character varying(64)" → string,
 * "tinyint(1)" → boolean, "bigint(20) unsigned" → bigint, "integer[]" → other.
 */
export function typeClassOf(dataType: string): TypeClass {
  const text = dataType.trim().toLowerCase();
  // Arrays need their own handling downstream; treating them as their element type would be wrong.
  if (text.endsWith("]")) return "other";
  // MySQL's conventional boolean is tinyint(1); wider tinyints are small integers.
  if (/^tinyint\s*\(\s*1\s*\)/.test(text)) return "boolean";
  // The base name is the text before any "(", and "character varying" / "double precision"
  // / "timestamp with time zone" are identified by their first word.
  const base = text.split("(")[0]!.trim().split(/\s+/)[0] ?? "";
  return CLASS_BY_BASE_NAME.get(base) ?? "other";
}
