// Identifier quoting and placeholders for the two engines. Identifiers come from the app's
// own configuration (never from a request), and are still quoted so any table or column name
// is read as a name; values are always bound.

import type { Engine } from "./types.ts";

export interface Dialect {
  engine: Engine;
  quote(identifier: string): string;
  /** The placeholder for the n-th (1-based) bound value. */
  param(n: number): string;
  /** Schema-qualified, quoted table name. */
  table(ref: TableRef): string;
}

export interface TableRef {
  schema?: string;
  name: string;
}

export function dialectFor(engine: Engine): Dialect {
  const quote =
    engine === "postgres"
      ? (id: string) => `"${id.replaceAll('"', '""')}"`
      : (id: string) => `\`${id.replaceAll("`", "``")}\``;
  return {
    engine,
    quote,
    param: engine === "postgres" ? (n) => `$${n}` : () => "?",
    table: (ref) => (ref.schema ? `${quote(ref.schema)}.${quote(ref.name)}` : quote(ref.name)),
  };
}

/** "credits" or "billing.credits". */
export function parseTableName(text: string): TableRef {
  const dot = text.indexOf(".");
  return dot < 0 ? { name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

export function tableKey(ref: TableRef): string {
  return ref.schema ? `${ref.schema}.${ref.name}` : ref.name;
}
