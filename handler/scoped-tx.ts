// The `tx` a business function receives. It can reach only the capability's table and the
// fixed extra tables the app configured, and on every table that has the tenant column it
// reads and writes only the job's tenant. Misuse throws, which rolls the transaction back.

import type { SqlSession } from "./database.ts";
import { dialectFor, Placeholders, type Dialect } from "../runtime/dialect/index.ts";
import type { KeyEquality } from "../runtime/dialect/dialect.ts";
import { parseTableName, tableKey, type TableRef } from "./table-ref.ts";
import type { BindValue, Engine, Row, ScopedTx, TargetTable } from "./types.ts";

/** A business function used the tx outside its scope; a bug in the app's code, not in the request. */
export class ScopeError extends Error {
  override name = "ScopeError";
}

interface TableInfo {
  ref: TableRef;
  /** Each column and how its `=` compares (see describeTable). */
  columns: Map<string, KeyEquality>;
  primaryKey: string | undefined;
  /** The tenant column, when this table has one. */
  tenantKey: string | undefined;
}

const MAX_QUERY_ROWS = 1000;

export interface ScopedTxState {
  tx: ScopedTx;
  /** Rows inserted or updated through the tx so far. */
  rowsAffected(): number;
}

export function createScopedTx(options: {
  engine: Engine;
  session: SqlSession;
  target: TargetTable;
  extraTables: readonly string[];
  tenantId: string;
}): ScopedTxState {
  const { session, target, tenantId } = options;
  const dialect = dialectFor(options.engine);
  const tableName = (ref: TableRef) => dialect.qualifiedName(ref.schema, ref.name);
  const targetRef: TableRef = target.schema ? { schema: target.schema, name: target.name } : { name: target.name };
  const allowed = new Map<string, TableRef>([[tableKey(targetRef), targetRef]]);
  allowed.set(target.name, targetRef);
  for (const name of options.extraTables) allowed.set(name, parseTableName(name));
  const infos = new Map<string, Promise<TableInfo>>();
  let affected = 0;
  // The tenant and key matches are exact whatever a text column's collation; other types keep their own `=`.
  const exactMatch = (info: TableInfo, column: string, bind: () => string) =>
    dialect.exactMatch(dialect.quote(column), bind, info.columns.get(column) ?? "unknown");

  const resolve = (table: string): Promise<TableInfo> => {
    const ref = allowed.get(table);
    if (!ref) throw new ScopeError(`Table ${table} is not one of this capability's tables.`);
    const key = tableKey(ref);
    let info = infos.get(key);
    if (!info) {
      const isTarget = ref === targetRef;
      info = describeTable(session, dialect, ref).then((d) => {
        if (d.columns.size === 0) throw new ScopeError(`Table ${table} does not exist or is not visible to the handler's credential.`);
        return {
          ref,
          columns: d.columns,
          primaryKey: isTarget ? target.primaryKey : d.primaryKey,
          tenantKey: isTarget || d.columns.has(target.tenantKey) ? target.tenantKey : undefined,
        };
      });
      infos.set(key, info);
    }
    return info;
  };

  const checkColumns = (info: TableInfo, columns: string[]) => {
    for (const c of columns) {
      if (!info.columns.has(c)) throw new ScopeError(`Column ${c} is not a column of ${tableKey(info.ref)}.`);
    }
  };
  const defined = (values: Record<string, BindValue | undefined>) =>
    Object.entries(values).filter((e): e is [string, BindValue] => e[1] !== undefined).map(([k, v]) => [k, bindable(k, v)] as const);

  const tx: ScopedTx = {
    async insert(table, row) {
      const info = await resolve(table);
      const entries = defined(row);
      if (info.tenantKey) {
        const given = entries.find(([k]) => k === info.tenantKey);
        if (given && String(given[1]) !== tenantId) throw new ScopeError(`Refusing to insert into ${table} for another tenant.`);
        if (!given) entries.push([info.tenantKey, tenantId]);
      }
      if (entries.length === 0) throw new ScopeError(`Nothing to insert into ${table}.`);
      checkColumns(info, entries.map(([k]) => k));
      const values = new Placeholders<BindValue>(dialect);
      const sql = `INSERT INTO ${tableName(info.ref)} (${entries.map(([k]) => dialect.quote(k)).join(", ")}) VALUES (${entries.map(([, v]) => values.bind(v)).join(", ")})`;
      const result = await session.run(sql, values.items);
      affected += result.rowCount;
      return { rowCount: result.rowCount };
    },

    async update(table, id, patch) {
      const info = await resolve(table);
      if (!info.primaryKey) throw new ScopeError(`Table ${table} has no single-column primary key; update it by key is not possible.`);
      const entries = defined(patch);
      if (entries.length === 0) throw new ScopeError(`Nothing to update in ${table}.`);
      if (info.tenantKey && entries.some(([k]) => k === info.tenantKey)) throw new ScopeError(`Refusing to change the tenant column of ${table}.`);
      checkColumns(info, entries.map(([k]) => k));
      const values = new Placeholders<BindValue>(dialect);
      const set = entries.map(([k, v]) => `${dialect.quote(k)} = ${values.bind(v)}`).join(", ");
      const key = bindable(info.primaryKey, id);
      let where = exactMatch(info, info.primaryKey, () => values.bind(key));
      if (info.tenantKey) where += ` AND ${exactMatch(info, info.tenantKey, () => values.bind(tenantId))}`;
      const result = await session.run(`UPDATE ${tableName(info.ref)} SET ${set} WHERE ${where}`, values.items);
      affected += result.rowCount;
      return { rowCount: result.rowCount };
    },

    async query(table, where = {}) {
      const info = await resolve(table);
      const entries = Object.entries(where).map(([k, v]) => [k, bindable(k, v)] as const);
      checkColumns(info, entries.map(([k]) => k));
      const values = new Placeholders<BindValue>(dialect);
      const conditions = entries.map(([k, v]) => `${dialect.quote(k)} = ${values.bind(v)}`);
      if (info.tenantKey) conditions.push(exactMatch(info, info.tenantKey, () => values.bind(tenantId)));
      const whereSql = conditions.length ? ` WHERE ${conditions.join(" AND ")}` : "";
      const result = await session.run(`SELECT * FROM ${tableName(info.ref)}${whereSql} LIMIT ${MAX_QUERY_ROWS}`, values.items);
      return result.rows;
    },
  };
  return { tx, rowsAffected: () => affected };
}

function bindable(column: string, value: BindValue): BindValue {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return typeof value === "bigint" ? value.toString() : value;
  }
  if (value instanceof Date) return value;
  throw new ScopeError(`Column ${column}: only strings, numbers, booleans, bigints, Dates and null can be written.`);
}

// String types, whose `=` may fold case, accents or trailing spaces under the column's collation,
// get the byte-exact comparison too; any other type (uuid, integer, numeric...) keeps its own `=`
// (the planned sql_update's), since comparing its text would miss '0042' = 42 or an upper-case uuid.
// Postgres domains report their base type; citext is a user-defined type named by udt_name.
const STRING_TYPES = new Set(["text", "character varying", "character", "citext", "char", "varchar", "tinytext", "mediumtext", "longtext", "enum", "set"]);

/** The table's columns with how each compares as a key, and its single-column primary key. */
export async function describeTable(
  session: SqlSession,
  dialect: Dialect,
  ref: TableRef,
): Promise<{ columns: Map<string, KeyEquality>; primaryKey: string | undefined }> {
  const schemaExpr = `COALESCE(${dialect.placeholder(1)}, ${dialect.currentSchema})`;
  const p2 = dialect.placeholder(2);
  const udtName = dialect.engine === "postgres" ? ", LOWER(udt_name) AS udt_name" : ""; // MySQL has no udt_name
  const columns = await session.run(
    `SELECT column_name AS column_name, LOWER(data_type) AS data_type${udtName} FROM information_schema.columns WHERE table_schema = ${schemaExpr} AND table_name = ${p2}`,
    [ref.schema ?? null, ref.name],
  );
  const keys = await session.run(
    `SELECT kcu.column_name AS column_name
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = ${schemaExpr} AND tc.table_name = ${p2}`,
    [ref.schema ?? null, ref.name],
  );
  const equality = (row: Row): KeyEquality =>
    STRING_TYPES.has(String(row.data_type)) || (row.data_type === "user-defined" && row.udt_name === "citext") ? "unknown" : "exact";
  const pk = keys.rows.map((r) => String(r.column_name));
  return {
    columns: new Map(columns.rows.map((r) => [String(r.column_name), equality(r)])),
    primaryKey: pk.length === 1 ? pk[0] : undefined,
  };
}
