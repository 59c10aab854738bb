// The doctor's own read-only statements, per engine: whether the read login may change a table,
// whether a table the catalog did not show exists for this login, and whether the trusted tenant
// has rows. Identifiers come from the reviewed config and are quoted by the engine's dialect;
// values are bound. Every statement runs through the read-only adapter the MCP server uses.

import type { Adapter, FixedStatement } from "../../runtime/db/adapter.ts";
import { dialectFor } from "../../runtime/dialect/index.ts";

/** Rows counted for the tenant at most: enough to say "has rows", cheap on a large table. */
export const TENANT_ROWS_CAP = 1000;

const POSTGRES_CAN_WRITE: FixedStatement = {
  name: "synapsor_doctor_can_write",
  text:
    "SELECT pg_catalog.pg_is_in_recovery() AS standby, " +
    "(pg_catalog.has_any_column_privilege(c.oid, 'INSERT, UPDATE') OR pg_catalog.has_table_privilege(c.oid, 'DELETE, TRUNCATE')) AS can_write " +
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
};

// The current login's grants at every level (global, database, table, column), plus those of its
// enabled roles. information_schema shows a login its own grants.
const MYSQL_GRANTEE = "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
const MYSQL_CAN_WRITE: FixedStatement = {
  name: "synapsor_doctor_can_write",
  text:
    "SELECT COUNT(*) AS can_write FROM (" +
    "SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES " +
    "UNION ALL SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE COALESCE(?, DATABASE()) LIKE TABLE_SCHEMA " +
    "UNION ALL SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? " +
    "UNION ALL SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.COLUMN_PRIVILEGES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?" +
    ") p WHERE p.PRIVILEGE_TYPE IN ('INSERT', 'UPDATE', 'DELETE') AND (p.GRANTEE = " +
    MYSQL_GRANTEE +
    " OR p.GRANTEE IN (SELECT CONCAT('''', ROLE_NAME, '''') FROM information_schema.ENABLED_ROLES))",
};

export interface TableRef {
  schema?: string | undefined;
  table: string;
}

/** Whether the login behind `adapter` may INSERT, UPDATE or DELETE the table; a Postgres standby can write nothing. */
export async function loginCanWrite(adapter: Adapter, ref: TableRef): Promise<boolean> {
  if (adapter.engine === "postgres") {
    const [row] = await adapter.query(POSTGRES_CAN_WRITE, [ref.schema ?? "public", ref.table]);
    return row !== undefined && truthy(row.can_write) && !truthy(row.standby);
  }
  const schema = ref.schema ?? null;
  const [row] = await adapter.query(MYSQL_CAN_WRITE, [schema, schema, ref.table, schema, ref.table]);
  if (Number(row?.can_write ?? 0) > 0) return true;
  return rolesCanWrite(adapter, ref);
}

// MariaDB does not list a role's privileges in information_schema, even for an enabled role, and
// a login may SET ROLE to any role granted to it: so every applicable role's grants are read.
const MYSQL_APPLICABLE_ROLES: FixedStatement = {
  name: "synapsor_doctor_applicable_roles",
  text: "SELECT DATABASE() AS db, r.ROLE_NAME AS role FROM (SELECT 1 AS one) x LEFT JOIN information_schema.APPLICABLE_ROLES r ON 1 = 1",
};

/**
 * Whether a role the login may use can INSERT, UPDATE or DELETE the table, from SHOW GRANTS read
 * conservatively: a grant of ALL, INSERT, UPDATE or DELETE on every database, on the table's
 * database, or on the table counts. A grant that cannot be read rejects, so doctor warns instead.
 */
async function rolesCanWrite(adapter: Adapter, ref: TableRef): Promise<boolean> {
  const rows = await adapter.query(MYSQL_APPLICABLE_ROLES, []);
  const dialect = dialectFor(adapter.engine);
  const database = ref.schema ?? (typeof rows[0]?.db === "string" ? rows[0].db : undefined);
  for (const row of rows) {
    if (typeof row.role !== "string" || row.role === "") continue;
    const grants = await adapter.query({ name: "synapsor_doctor_role_grants", text: `SHOW GRANTS FOR ${dialect.quote(row.role)}` }, []);
    for (const grant of grants) {
      const line = String(Object.values(grant)[0] ?? "");
      if (grantWrites(line, database, ref.table)) return true;
    }
  }
  return false;
}

/** Whether one SHOW GRANTS line gives a write privilege covering `database`.`table`. */
export function grantWrites(line: string, database: string | undefined, table: string): boolean {
  const m = /^GRANT (.+?) ON (\S+) TO /i.exec(line);
  if (!m) return false;
  const privileges = m[1]!.replace(/\([^)]*\)/g, "");
  if (!/\b(ALL|INSERT|UPDATE|DELETE)\b/i.test(privileges)) return false;
  const target = m[2]!;
  if (target === "*.*") return true;
  const unquote = (part: string) => part.replace(/^`|`$/g, "").replace(/``/g, "`");
  const dot = /^(`(?:[^`]|``)*`|[^.`]+)\.(.+)$/.exec(target);
  // A target this reading does not understand counts as covering the table: better a false alarm than a missed writer.
  if (!dot) return true;
  const [db, what] = [unquote(dot[1]!), dot[2]!];
  if (database !== undefined && db.toLowerCase() !== database.toLowerCase()) return false;
  return what === "*" || unquote(what).toLowerCase() === table.toLowerCase();
}

/** Reads no row of the table; rejects with the driver's error when the table is missing or may not be read. */
export async function probeTable(adapter: Adapter, ref: TableRef): Promise<void> {
  const dialect = dialectFor(adapter.engine);
  await adapter.query({ name: "synapsor_doctor_table_probe", text: `SELECT 1 AS one FROM ${dialect.qualifiedName(ref.schema, ref.table)} WHERE 1 = 0` }, []);
}

/** Reads no row; rejects with the driver's error when the column is missing or may not be read (MySQL 1143). */
export async function probeColumn(adapter: Adapter, ref: TableRef, column: string): Promise<void> {
  const dialect = dialectFor(adapter.engine);
  await adapter.query({ name: "synapsor_doctor_column_probe", text: `SELECT ${dialect.quote(column)} FROM ${dialect.qualifiedName(ref.schema, ref.table)} WHERE 1 = 0` }, []);
}

/** Rows of the tenant in the table, counted up to TENANT_ROWS_CAP. `index` keeps Postgres statement names distinct. */
export async function tenantRows(adapter: Adapter, ref: TableRef & { tenantKey: string }, tenantId: string, index: number): Promise<number> {
  const dialect = dialectFor(adapter.engine);
  const text =
    `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM ${dialect.qualifiedName(ref.schema, ref.table)} ` +
    `WHERE ${dialect.quote(ref.tenantKey)} = ${dialect.placeholder(1)} LIMIT ${TENANT_ROWS_CAP}) capped`;
  const [row] = await adapter.query({ name: `synapsor_doctor_tenant_rows_${index}`, text }, [tenantId]);
  return Number(row?.n ?? 0);
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t" || value === "true";
}
