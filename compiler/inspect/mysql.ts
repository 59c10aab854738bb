// Reads tables, views, columns and keys of one MySQL/MariaDB database from information_schema
// over one short-lived connection. In MySQL a "schema" is a database, so the snapshot's schema
// and database are both the inspected database's name.

import mysql from "mysql2/promise";
import { mysqlTarget } from "../../runtime/db/connection-url.ts";
import { KEEPALIVE_INITIAL_DELAY_MS } from "../../runtime/db/limits.ts";
import {
  NoDatabaseSelected,
  SchemaNotFound,
  type RawColumn,
  type RawForeignKeyColumn,
  type RawKeyColumn,
  type RawRelation,
  type RawSchema,
  type SchemaReader,
} from "./raw-schema.ts";
import { mysqlEnumLabels } from "./mysql-enum.ts";

export async function connectMysql(url: string, connectTimeoutMs: number): Promise<SchemaReader> {
  const connection = await openMysqlConnection(url, connectTimeoutMs);
  return {
    read: (schema) => readMysqlSchema(connection, schema),
    close: () => connection.end().catch(() => {}),
  };
}

/** One connection for the compiler's catalog reads and statement checks, under the runner's URL rule. */
export async function openMysqlConnection(url: string, connectTimeoutMs: number): Promise<mysql.Connection> {
  // Only the URL's target reaches mysql2 (the runner's rule): `uri` parameters could change typeCast,
  // number and date handling or turn on multipleStatements.
  const connection = await mysql.createConnection({
    ...mysqlTarget(url),
    connectTimeout: connectTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEPALIVE_INITIAL_DELAY_MS,
    multipleStatements: false,
  });
  // A server that drops the connection mid-read must not crash the process with an unhandled event.
  connection.on("error", () => {});
  return connection;
}

type Row = Record<string, unknown>;

async function readMysqlSchema(connection: mysql.Connection, schema: string | undefined): Promise<RawSchema> {
  const database = schema ?? (await currentDatabase(connection));
  const found = await rows(connection, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [database]);
  if (found.length === 0) throw new SchemaNotFound(database);

  const tables = await rows(
    connection,
    "SELECT TABLE_NAME AS name, TABLE_TYPE AS type FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    [database],
  );
  const relations: RawRelation[] = tables.flatMap((t): RawRelation[] => {
    const type = text(t.type);
    // MariaDB also lists sequences here; they are not rows anyone configures.
    if (type === "VIEW") return [{ schema: database, name: text(t.name), kind: "view" }];
    if (type === "BASE TABLE" || type === "SYSTEM VERSIONED") return [{ schema: database, name: text(t.name), kind: "table" }];
    return [];
  });

  const jsonColumns = await mariadbJsonColumns(connection, database);
  const columnRows = await rows(
    connection,
    `SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, ORDINAL_POSITION AS position, COLUMN_TYPE AS column_type,
            IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default, EXTRA AS extra,
            GENERATION_EXPRESSION AS generation_expression, CHARACTER_MAXIMUM_LENGTH AS max_length
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?`,
    [database],
  );
  const columns = columnRows.map((c): RawColumn => {
    const table = text(c.tbl);
    const name = text(c.name);
    const dataType = text(c.column_type);
    const extra = text(c.extra);
    const generated =
      text(c.generation_expression) !== "" || /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra);
    return {
      schema: database,
      table,
      position: Number(c.position),
      name,
      data_type: dataType,
      class_source: jsonColumns.has(JSON.stringify([table, name])) ? "json" : dataType,
      nullable: text(c.is_nullable) === "YES",
      has_default: !generated && (hasExplicitDefault(c.column_default) || /\bauto_increment\b/i.test(extra)),
      generated,
      // Only fixed/varying character and binary types have a declared length worth checking
      // arguments against; TEXT's 65535 is a storage limit, not a contract.
      max_length: /^(var)?(char|binary)\s*\(/i.test(dataType) && c.max_length !== null ? Number(c.max_length) : null,
      enum_values: mysqlEnumLabels(dataType) ?? null,
    };
  });

  const primaryKeys = (await rows(
    connection,
    `SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, ORDINAL_POSITION AS position, COLUMN_NAME AS col
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY'`,
    [database],
  )).map((k): RawKeyColumn => ({
    schema: database,
    table: text(k.tbl),
    constraint: text(k.name),
    position: Number(k.position),
    column: text(k.col),
  }));

  const foreignKeys = (await rows(
    connection,
    `SELECT TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, ORDINAL_POSITION AS position, COLUMN_NAME AS col,
            REFERENCED_TABLE_SCHEMA AS ref_schema, REFERENCED_TABLE_NAME AS ref_table, REFERENCED_COLUMN_NAME AS ref_col
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME IS NOT NULL`,
    [database],
  )).map((k): RawForeignKeyColumn => ({
    schema: database,
    table: text(k.tbl),
    constraint: text(k.name),
    position: Number(k.position),
    column: text(k.col),
    ref_schema: text(k.ref_schema),
    ref_table: text(k.ref_table),
    ref_column: text(k.ref_col),
  }));

  return { database, relations, columns, primaryKeys, foreignKeys };
}

async function currentDatabase(connection: mysql.Connection): Promise<string> {
  const [row] = await rows(connection, "SELECT DATABASE() AS name", []);
  const name = row?.name;
  if (name === null || name === undefined || name === "") throw new NoDatabaseSelected();
  return text(name);
}

// MariaDB stores JSON as LONGTEXT with a json_valid(`col`) check; MySQL has a native JSON type
// and no TABLE_NAME in CHECK_CONSTRAINTS, so the query failing there simply means "none".
async function mariadbJsonColumns(connection: mysql.Connection, database: string): Promise<Set<string>> {
  const found = new Set<string>();
  let checks: Row[];
  try {
    checks = await rows(
      connection,
      "SELECT TABLE_NAME AS tbl, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?",
      [database],
    );
  } catch {
    return found;
  }
  for (const check of checks) {
    const match = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(text(check.clause).trim());
    if (match) found.add(JSON.stringify([text(check.tbl), match[1]!.replaceAll("``", "`")]));
  }
  return found;
}

// MariaDB reports an implicit NULL default as the literal text NULL (a string default 'NULL'
// would be quoted); MySQL reports it as SQL NULL. Neither is a default a caller can rely on.
function hasExplicitDefault(value: unknown): boolean {
  return value !== null && value !== undefined && text(value) !== "NULL";
}

async function rows(connection: mysql.Connection, sql: string, params: unknown[]): Promise<Row[]> {
  const [result] = await connection.query(sql, params);
  return result as Row[];
}

// Some information_schema columns come back as Buffers depending on server version and charset.
function text(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return String(value);
}
