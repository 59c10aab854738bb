// The support-billing example loads on both engines, with the same rows, working
// tenant-safe foreign keys and CHECKs, and microsecond versions the conflict guard relies on.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import pg from "pg";
import mysql from "mysql2/promise";
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_CONFIG_PATH, seedExample } from "../support/example.ts";
import type { Contract } from "../../compiler/config/contract.ts";

type Rows = Array<Record<string, unknown>>;

async function query(db: TestDatabase, sql: string): Promise<Rows> {
  if (db.engine === "postgres") {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const conn = await mysql.createConnection(db.url);
  try {
    const [rows] = await conn.query(sql);
    return rows as Rows;
  } finally {
    await conn.end();
  }
}

/** updated_at as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, so both engines compare exactly. */
function versionText(db: TestDatabase, column: string): string {
  return db.engine === "postgres"
    ? `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
    : `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s.%f')`;
}

function byId(rows: Rows): Rows {
  return [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

const engines: Record<"postgres" | "mysql", TestDatabase | undefined> = { postgres: undefined, mysql: undefined };

before(async () => {
  engines.postgres = await createPostgresDatabase("example");
  engines.mysql = await createMysqlDatabase("example");
  await seedExample(engines.postgres);
  await seedExample(engines.mysql);
});

after(async () => {
  await engines.postgres?.drop();
  await engines.mysql?.drop();
});

function both(): [TestDatabase, TestDatabase] {
  assert.ok(engines.postgres && engines.mysql, "databases were not created");
  return [engines.postgres, engines.mysql];
}

describe("support-billing example", () => {
  test("both engines hold the same number of rows per table", async () => {
    for (const db of both()) {
      const rows = await query(
        db,
        `SELECT (SELECT COUNT(*) FROM tenants) AS tenants, (SELECT COUNT(*) FROM customers) AS customers,
                (SELECT COUNT(*) FROM invoices) AS invoices, (SELECT COUNT(*) FROM support_tickets) AS tickets`,
      );
      const counts = Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
      assert.deepEqual(counts, { tenants: 2, customers: 5, invoices: 6, tickets: 8 }, db.engine);
    }
  });

  test("ids, tenants, amounts and versions line up across engines", async () => {
    const [pgDb, myDb] = both();
    const invoiceSql = (db: TestDatabase) =>
      `SELECT id, tenant_id, customer_id, amount_cents, late_fee_cents, status, waiver_reason,
              ${versionText(db, "due_at")} AS due_at, ${versionText(db, "updated_at")} AS updated_at FROM invoices`;
    assert.deepEqual(byId(await query(myDb, invoiceSql(myDb))), byId(await query(pgDb, invoiceSql(pgDb))));

    const ticketSql = (db: TestDatabase) =>
      `SELECT id, tenant_id, customer_id, subject, status, priority,
              ${versionText(db, "created_at")} AS created_at, ${versionText(db, "updated_at")} AS updated_at
       FROM support_tickets`;
    assert.deepEqual(byId(await query(myDb, ticketSql(myDb))), byId(await query(pgDb, ticketSql(pgDb))));

    const customerSql = "SELECT id, tenant_id, name, email, plan FROM customers";
    assert.deepEqual(byId(await query(myDb, customerSql)), byId(await query(pgDb, customerSql)));

    const globex = await query(pgDb, "SELECT id FROM invoices WHERE tenant_id = 'tenant_globex'");
    assert.deepEqual(globex, [{ id: "INV-4001" }]);
  });

  test("updated_at keeps microseconds on both engines", async () => {
    for (const db of both()) {
      const rows = await query(db, `SELECT ${versionText(db, "updated_at")} AS v FROM invoices WHERE id = 'INV-3001'`);
      assert.deepEqual(rows, [{ v: "2026-05-16 09:30:00.123456" }], db.engine);
    }
  });

  test("an invoice cannot reference a missing customer or another tenant's customer", async () => {
    for (const db of both()) {
      const insert = (tenant: string, customer: string) =>
        db.exec(
          `INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, status, due_at)
           VALUES ('INV-9999', '${tenant}', '${customer}', 100, 0, 'open', '2026-07-01 00:00:00')`,
        );
      await assert.rejects(insert("tenant_acme", "C-999"), /foreign key/i, `${db.engine}: missing customer`);
      await assert.rejects(insert("tenant_acme", "C-201"), /foreign key/i, `${db.engine}: cross-tenant customer`);
      await assert.rejects(
        db.exec("INSERT INTO support_tickets (id, tenant_id, customer_id, subject, status) VALUES ('T-9999', 'tenant_globex', 'C-101', 'x', 'open')"),
        /foreign key/i,
        `${db.engine}: cross-tenant ticket`,
      );
    }
  });

  test("status and priority values outside the documented sets are rejected", async () => {
    for (const db of both()) {
      await assert.rejects(db.exec("UPDATE invoices SET status = 'refunded' WHERE id = 'INV-3001'"), /check|constraint/i, db.engine);
      await assert.rejects(db.exec("UPDATE support_tickets SET priority = 'urgent' WHERE id = 'T-1001'"), /check|constraint/i, db.engine);
      await assert.rejects(db.exec("UPDATE invoices SET late_fee_cents = -1 WHERE id = 'INV-3001'"), /check|constraint/i, db.engine);
    }
  });

  test("the example config names only real columns and never exposes internal_notes", async () => {
    const [pgDb] = both();
    const contract = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8")) as Contract;
    const columns = await query(pgDb, "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'");
    const known = new Set(columns.map((c) => `${String(c.table_name)}.${String(c.column_name)}`));
    assert.equal(contract.capabilities.length, 3);
    for (const capability of contract.capabilities) {
      const table = capability.target.table;
      const named = [
        capability.target.primary_key,
        capability.target.tenant_key,
        ...capability.visible_columns,
        ...(capability.lookup.filters ?? []).map((f) => f.column),
        ...(capability.lookup.order_by ?? []).map((o) => o.column),
        ...(capability.kind === "proposal" ? [...capability.allowed_columns, ...Object.keys(capability.patch)] : []),
      ];
      for (const column of named) assert.ok(known.has(`${table}.${column}`), `${capability.name}: ${table}.${column}`);
      assert.ok(!capability.visible_columns.includes("internal_notes"), capability.name);
    }
  });

  // Runs last: it changes a row the cross-engine comparison above relies on.
  test("an update moves updated_at on both engines, so the conflict guard sees app edits", async () => {
    for (const db of both()) {
      await db.exec("UPDATE invoices SET internal_notes = 'touched by test' WHERE id = 'INV-3004'");
      const rows = await query(db, `SELECT ${versionText(db, "updated_at")} AS v FROM invoices WHERE id = 'INV-3004'`);
      assert.notEqual(rows[0]?.v, "2026-05-01 07:00:00.500000", db.engine);
    }
  });
});
