// synapsor_writeback_receipts: the idempotency record the sql_update executor writes in the
// same transaction as the business update. Its primary key is the idempotency key, so a
// second apply of the same proposal collides with the first instead of writing twice.

import type { Engine } from "../db/adapter.ts";
import { dialectFor } from "../dialect/index.ts";

export const RECEIPTS_TABLE = "synapsor_writeback_receipts";
/** Postgres keeps receipts in their own schema unless the executor names another. */
export const DEFAULT_POSTGRES_RECEIPTS_SCHEMA = "synapsor";

/** The schema (Postgres) or database (MySQL) holding the table; undefined = MySQL's connection database. */
export function receiptsSchemaFor(engine: Engine, receiptsSchema: string | undefined): string | undefined {
  return receiptsSchema ?? (engine === "postgres" ? DEFAULT_POSTGRES_RECEIPTS_SCHEMA : undefined);
}

/** The table as a plan records it: its schema resolved, absent for MySQL's connection database. */
export function receiptsTableOf(engine: Engine, receiptsSchema: string | undefined): { schema?: string; name: string } {
  const schema = receiptsSchemaFor(engine, receiptsSchema);
  return { ...(schema !== undefined ? { schema } : {}), name: RECEIPTS_TABLE };
}

/** The quoted, qualified table name used in every receipt statement. */
export function receiptsTableName(engine: Engine, receiptsSchema: string | undefined): string {
  const table = receiptsTableOf(engine, receiptsSchema);
  return dialectFor(engine).qualifiedName(table.schema, table.name);
}

/** The DDL `writeback migration` prints, one statement per entry, safe to run again. */
export function receiptsMigration(engine: Engine, receiptsSchema: string | undefined): string[] {
  const schema = receiptsSchemaFor(engine, receiptsSchema);
  const table = receiptsTableName(engine, receiptsSchema);
  const q = dialectFor(engine).quote;
  const index = (suffix: string) => q(`${RECEIPTS_TABLE}_${suffix}`);
  if (engine === "postgres") {
    return [
      `CREATE SCHEMA IF NOT EXISTS ${q(schema!)}`,
      [
        `CREATE TABLE IF NOT EXISTS ${table} (`,
        `  idempotency_key  text PRIMARY KEY,`,
        `  proposal_id      text NOT NULL,`,
        `  capability       text NOT NULL,`,
        `  tenant_id        text NOT NULL,`,
        `  object_id        text NOT NULL,`,
        `  status           text NOT NULL CHECK (status IN ('pending', 'applied')),`,
        `  rows_affected    integer NOT NULL DEFAULT 0,`,
        `  previous_version text NULL,`,
        `  new_version      text NULL,`,
        `  receipt          jsonb NULL,`,
        `  applied_at       timestamptz NOT NULL DEFAULT now()`,
        `)`,
      ].join("\n"),
      `CREATE INDEX IF NOT EXISTS ${index("proposal_idx")} ON ${table} (proposal_id)`,
      `CREATE INDEX IF NOT EXISTS ${index("tenant_idx")} ON ${table} (tenant_id, applied_at)`,
    ];
  }
  return [
    ...(schema ? [`CREATE DATABASE IF NOT EXISTS ${q(schema)}`] : []),
    [
      `CREATE TABLE IF NOT EXISTS ${table} (`,
      `  idempotency_key  VARCHAR(255) NOT NULL PRIMARY KEY,`,
      `  proposal_id      VARCHAR(255) NOT NULL,`,
      `  capability       VARCHAR(255) NOT NULL,`,
      `  tenant_id        VARCHAR(255) NOT NULL,`,
      `  object_id        VARCHAR(255) NOT NULL,`,
      `  status           VARCHAR(16)  NOT NULL,`,
      `  rows_affected    INT          NOT NULL DEFAULT 0,`,
      `  previous_version VARCHAR(64)  NULL,`,
      `  new_version      VARCHAR(64)  NULL,`,
      `  receipt          JSON         NULL,`,
      `  applied_at       DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),`,
      `  KEY ${index("proposal_idx")} (proposal_id),`,
      `  KEY ${index("tenant_idx")} (tenant_id, applied_at),`,
      `  CONSTRAINT ${index("status_check")} CHECK (status IN ('pending', 'applied'))`,
      `) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4`,
    ].join("\n"),
  ];
}
