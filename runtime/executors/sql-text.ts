// Identifier quoting and placeholder numbering for the writer's statements. The runtime keeps
// its own copy of the compiler's dialect rules so the bundle never pulls in compiler code.

import { createHash } from "node:crypto";
import type { Engine, FixedStatement } from "../db/adapter.ts";

/** Quotes one identifier; embedded quote characters are doubled, so no name can alter the SQL. */
export function quoteIdentifier(engine: Engine, identifier: string): string {
  return engine === "postgres" ? `"${identifier.replace(/"/g, '""')}"` : `\`${identifier.replace(/`/g, "``")}\``;
}

/** `schema.table`, or the bare table when no schema is configured. */
export function qualifiedName(engine: Engine, schema: string | null | undefined, table: string): string {
  const quotedTable = quoteIdentifier(engine, table);
  return schema ? `${quoteIdentifier(engine, schema)}.${quotedTable}` : quotedTable;
}

/** Collects bound values in order and hands out the engine's placeholder for each. */
export class Bindings {
  readonly engine: Engine;
  readonly values: unknown[] = [];

  constructor(engine: Engine) {
    this.engine = engine;
  }

  bind(value: unknown): string {
    this.values.push(value);
    return this.engine === "postgres" ? `$${this.values.length}` : "?";
  }
}

/**
 * Names a statement by its text: the same text always gets the same Postgres prepared-statement
 * name on a connection, and different texts never share one.
 */
export function writerStatement(text: string): FixedStatement {
  return { name: `synapsor_w_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`, text };
}
