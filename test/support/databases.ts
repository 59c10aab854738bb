// Real, throwaway databases for tests: each call creates a uniquely named database
// on the local PostgreSQL or MariaDB server and drops it on cleanup.

import { randomBytes } from "node:crypto";
import pg from "pg";
import mysql from "mysql2/promise";

export const PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const MYSQL_ADMIN_URL = process.env.TEST_MYSQL_ADMIN_URL ?? "mysql://root@127.0.0.1:3306/test";

export interface TestDatabase {
  engine: "postgres" | "mysql";
  name: string;
  /** Connection URL for the new database (no password on these local servers). */
  url: string;
  /** Runs one or more SQL statements (separated by ";" at line ends) against the new database. */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

export async function createPostgresDatabase(prefix = "sr"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    engine: "postgres",
    name,
    url: url.toString(),
    async exec(sql) {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function createMysqlDatabase(prefix = "sr"): Promise<TestDatabase> {
  const name = uniqueName(prefix);
  const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    engine: "mysql",
    name,
    url: url.toString(),
    async exec(sql) {
      const conn = await mysql.createConnection({ uri: url.toString(), multipleStatements: true });
      try {
        await conn.query(sql);
      } finally {
        await conn.end();
      }
    },
    async drop() {
      const c = await mysql.createConnection(MYSQL_ADMIN_URL);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export function createDatabase(engine: "postgres" | "mysql", prefix?: string): Promise<TestDatabase> {
  return engine === "postgres" ? createPostgresDatabase(prefix) : createMysqlDatabase(prefix);
}

/** Runs SQL on the server's admin database (for cluster-wide objects such as roles). */
export async function execAsAdmin(engine: "postgres" | "mysql", sql: string): Promise<void> {
  if (engine === "postgres") {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
    return;
  }
  const conn = await mysql.createConnection({ uri: MYSQL_ADMIN_URL, multipleStatements: true });
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}
