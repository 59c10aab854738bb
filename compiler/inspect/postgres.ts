// Reads tables, views, columns and keys from a Postgres catalog over one short-lived connection.
// pg_catalog is used rather than information_schema because the latter hides objects the
// role does not own privileges on and does not report identity/generated details uniformly.

import pg from "pg";
import { checkConnectionUrl } from "../../runtime/db/connection-url.ts";
import { KEEPALIVE_INITIAL_DELAY_MS, queryDeadlineMs } from "../../runtime/db/limits.ts";
import {
  SchemaNotFound,
  type RawColumn,
  type RawForeignKeyColumn,
  type RawKeyColumn,
  type RawRelation,
  type RawSchema,
  type SchemaReader,
} from "./raw-schema.ts";

/** The catalog reads' server-side limit; the client gives up a little later (a stalled network). */
const INSPECT_STATEMENT_TIMEOUT_MS = 30_000;

export async function connectPostgres(url: string, connectTimeoutMs: number): Promise<SchemaReader> {
  const client = await openPostgresClient(url, connectTimeoutMs, "synapsor-runner inspect");
  return {
    read: (schema) => readPostgresSchema(client, schema),
    close: () => client.end().catch(() => {}),
  };
}

/**
 * One connected client for the compiler's catalog reads and statement checks, under the runner's
 * URL rule (parameters that would override the session are refused) and client-side limits.
 */
export async function openPostgresClient(url: string, connectTimeoutMs: number, applicationName: string): Promise<pg.Client> {
  checkConnectionUrl("postgres", url);
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: INSPECT_STATEMENT_TIMEOUT_MS,
    query_timeout: queryDeadlineMs(INSPECT_STATEMENT_TIMEOUT_MS),
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    application_name: applicationName,
  });
  // A server that drops the connection mid-read must not crash the process with an unhandled event.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

// Relations worth offering: ordinary and partitioned tables, views and materialized views,
// excluding partitions (their parent is the table to configure), system schemas and objects
// that belong to extensions. $1 is the optional schema filter.
const RELATIONS = `
  SELECT c.oid AS relid, n.nspname AS schema, c.relname AS name,
         CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END AS kind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm')
    AND NOT c.relispartition
    AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    AND CASE WHEN $1::text IS NULL
          THEN n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%'
               AND n.nspname NOT LIKE 'pg\\_temp\\_%'
          ELSE n.nspname = $1::text
        END`;

const RELATIONS_QUERY = `SELECT schema, name, kind FROM (${RELATIONS}) r`;

// Domains are classified by their base type and enums as strings, so a column typed with a
// domain over varchar still gets a useful type_class; the base type is also recorded, because a
// domain over citext compares like citext. typmod - 4 is Postgres's varlena header. An enum's
// labels (also through a domain over it) come in enumsortorder, which is the declared order
// even after ALTER TYPE ... ADD VALUE ... BEFORE.
const COLUMNS_QUERY = `
  WITH rel AS (${RELATIONS})
  SELECT rel.schema, rel.name AS table, a.attnum::int AS position, a.attname AS name,
         pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
         CASE WHEN bt.typtype = 'e' THEN 'enum' ELSE bt.typname::text END AS class_source,
         NOT a.attnotnull AS nullable,
         (a.atthasdef AND a.attgenerated = '') OR a.attidentity <> '' AS has_default,
         a.attgenerated <> '' OR a.attidentity = 'a' AS generated,
         CASE WHEN bt.typname IN ('varchar', 'bpchar') AND m.typmod > 4 THEN m.typmod - 4 END AS max_length,
         CASE WHEN NOT coll.collisdeterministic THEN coll.collname::text END AS nondeterministic_collation,
         CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(bt.oid, NULL) END AS base_type,
         CASE WHEN bt.typtype = 'e' THEN COALESCE(
           (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
            FROM pg_catalog.pg_enum e WHERE e.enumtypid = bt.oid), '{}'::text[]) END AS enum_values
  FROM rel
  JOIN pg_catalog.pg_attribute a ON a.attrelid = rel.relid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
  CROSS JOIN LATERAL (SELECT CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod) m
  LEFT JOIN pg_catalog.pg_collation coll ON coll.oid = a.attcollation`;

const PRIMARY_KEYS_QUERY = `
  WITH rel AS (${RELATIONS})
  SELECT rel.schema, rel.name AS table, con.conname AS constraint, k.ord::int AS position, a.attname AS column
  FROM rel
  JOIN pg_catalog.pg_constraint con ON con.conrelid = rel.relid AND con.contype = 'p'
  CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum`;

const FOREIGN_KEYS_QUERY = `
  WITH rel AS (${RELATIONS})
  SELECT rel.schema, rel.name AS table, con.conname AS constraint, k.ord::int AS position, a.attname AS column,
         fn.nspname AS ref_schema, fc.relname AS ref_table, fa.attname AS ref_column
  FROM rel
  JOIN pg_catalog.pg_constraint con ON con.conrelid = rel.relid AND con.contype = 'f'
  CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
  JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
  JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
  JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum`;

async function readPostgresSchema(client: pg.Client, schema: string | undefined): Promise<RawSchema> {
  const params = [schema ?? null];
  if (schema !== undefined) {
    const found = await client.query("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1", [schema]);
    if (found.rowCount === 0) throw new SchemaNotFound(schema);
  }
  const database = await client.query<{ name: string }>("SELECT current_database() AS name");
  const relations = await client.query<RawRelation>(RELATIONS_QUERY, params);
  const columns = await client.query<RawColumn>(COLUMNS_QUERY, params);
  const primaryKeys = await client.query<RawKeyColumn>(PRIMARY_KEYS_QUERY, params);
  const foreignKeys = await client.query<RawForeignKeyColumn>(FOREIGN_KEYS_QUERY, params);
  return {
    database: database.rows[0]!.name,
    relations: relations.rows,
    columns: columns.rows,
    primaryKeys: primaryKeys.rows,
    foreignKeys: foreignKeys.rows,
  };
}
