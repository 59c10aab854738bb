// How each engine spells identifiers and placeholders. Identifiers come from the schema
// snapshot (they exist), and are still quoted and escaped so no name can alter the SQL.

import type { Engine } from "../config/contract.ts";

export interface Dialect {
  quote(identifier: string): string;
  placeholder(position: number): string;
}

const postgres: Dialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  placeholder: (n) => `$${n}`,
};

const mysql: Dialect = {
  quote: (id) => `\`${id.replace(/`/g, "``")}\``,
  placeholder: () => "?",
};

export function dialectFor(engine: Engine): Dialect {
  return engine === "postgres" ? postgres : mysql;
}

export function qualifiedTable(dialect: Dialect, schema: string | undefined, table: string): string {
  return schema === undefined ? dialect.quote(table) : `${dialect.quote(schema)}.${dialect.quote(table)}`;
}
