// The demo's embedded Postgres speaks the real wire protocol to the real pg driver:
// named prepared statements, timestamptz, reconnects, and a clean stop.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../operator/demo/embedded-postgres.ts";
import { exampleSql } from "../../operator/demo/example-files.ts";

const INSPECT_INVOICE = {
  name: "billing_inspect_invoice_v1",
  text: "SELECT id, tenant_id, late_fee_cents, status, updated_at FROM public.invoices WHERE id = $1 AND tenant_id = $2 LIMIT 2",
};

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

let embedded: EmbeddedPostgres | undefined;
let startMs = 0;

before(async () => {
  const started = performance.now();
  embedded = await startEmbeddedPostgres({ sql: exampleSql("postgres") });
  startMs = performance.now() - started;
  console.log(`# embedded Postgres with the example loaded started in ${startMs.toFixed(0)} ms`);
});

after(async () => {
  await embedded?.stop();
});

function running(): EmbeddedPostgres {
  assert.ok(embedded, "embedded Postgres did not start");
  return embedded;
}

describe("embedded Postgres", () => {
  test("listens on a loopback URL (start time reported, not asserted)", (t) => {
    assert.match(running().url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    t.diagnostic(`start took ${startMs} ms`);
  });

  test("a named prepared statement runs twice with different parameters", async () => {
    const pool = new pg.Pool({ connectionString: running().url, max: 1 });
    try {
      const acme = await pool.query({ ...INSPECT_INVOICE, values: ["INV-3001", "tenant_acme"] });
      assert.equal(acme.rows.length, 1);
      assert.equal(acme.rows[0].late_fee_cents, 2500);
      assert.equal(acme.rows[0].status, "overdue");

      const globex = await pool.query({ ...INSPECT_INVOICE, values: ["INV-4001", "tenant_globex"] });
      assert.deepEqual(
        globex.rows.map((r) => [r.id, r.tenant_id, r.late_fee_cents]),
        [["INV-4001", "tenant_globex", 2200]],
      );

      const wrongTenant = await pool.query({ ...INSPECT_INVOICE, values: ["INV-4001", "tenant_acme"] });
      assert.equal(wrongTenant.rows.length, 0);
    } finally {
      await pool.end();
    }
  });

  test("a new connection can prepare the same statement name again", async () => {
    // A pool that drops its idle connection and reconnects must not hit "already exists".
    for (const invoice of ["INV-3001", "INV-3003"]) {
      const client = new pg.Client({ connectionString: running().url });
      await client.connect();
      try {
        const result = await client.query({ ...INSPECT_INVOICE, values: [invoice, "tenant_acme"] });
        assert.equal(result.rows[0]?.id, invoice);
      } finally {
        await client.end();
      }
    }
  });

  test("a pool that recycles its idle connection keeps using the same statement name", async () => {
    const pool = new pg.Pool({ connectionString: running().url, max: 1, idleTimeoutMillis: 50 });
    try {
      for (const invoice of ["INV-3001", "INV-3005"]) {
        const result = await pool.query({ ...INSPECT_INVOICE, values: [invoice, "tenant_acme"] });
        assert.equal(result.rows[0]?.id, invoice);
        await new Promise((resolve) => setTimeout(resolve, 200)); // the pool closes the idle connection
        assert.equal(pool.totalCount, 0);
      }
    } finally {
      await pool.end();
    }
  });

  test("a reader pool and a writer pool can be connected at the same time", async () => {
    const reader = new pg.Pool({ connectionString: running().url, max: 1 });
    const writer = new pg.Pool({ connectionString: running().url, max: 1 });
    try {
      await reader.query({ ...INSPECT_INVOICE, values: ["INV-3001", "tenant_acme"] }); // keeps its connection open
      const updated = await writer.query(
        "UPDATE invoices SET waiver_reason = waiver_reason WHERE id = $1 AND tenant_id = $2",
        ["INV-3002", "tenant_acme"],
      );
      assert.equal(updated.rowCount, 1);
      assert.equal(reader.totalCount + writer.totalCount, 2);
      const again = await reader.query({ ...INSPECT_INVOICE, values: ["INV-3003", "tenant_acme"] });
      assert.equal(again.rows[0]?.id, "INV-3003");
    } finally {
      await Promise.all([reader.end(), writer.end()]);
    }
  });

  test("timestamptz round-trips with microseconds", async () => {
    const pool = new pg.Pool({ connectionString: running().url, max: 1 });
    try {
      const seeded = await pool.query(
        "SELECT updated_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS text FROM invoices WHERE id = $1",
        ["INV-3001"],
      );
      assert.equal(seeded.rows[0].text, "2026-05-16 09:30:00.123456");
      assert.ok(seeded.rows[0].updated_at instanceof Date);
      assert.equal(seeded.rows[0].updated_at.toISOString(), "2026-05-16T09:30:00.123Z");

      // Bound back as text with all six digits, the exact version must match (what a conflict guard does).
      const matched = await pool.query(
        "SELECT id FROM invoices WHERE id = $1 AND updated_at = $2::timestamptz",
        ["INV-3001", "2026-05-16T09:30:00.123456Z"],
      );
      assert.equal(matched.rowCount, 1);
      const echoed = await pool.query("SELECT $1::timestamptz AS t", [new Date("2026-01-02T03:04:05.678Z")]);
      assert.equal(echoed.rows[0].t.toISOString(), "2026-01-02T03:04:05.678Z");
    } finally {
      await pool.end();
    }
  });

  test("a failing script rejects with a message naming it", async () => {
    await assert.rejects(
      startEmbeddedPostgres({ sql: ["CREATE TABLE ok_table (id int);", "SELECT * FROM no_such_table;"] }),
      /SQL script 2 of 2 failed: .*no_such_table/,
    );
  });

  test("stop closes the port and can be called twice", async () => {
    const own = await startEmbeddedPostgres();
    const { port } = new URL(own.url);
    const pool = new pg.Pool({ connectionString: own.url, max: 1 });
    pool.on("error", () => {}); // stop() cuts the idle connection; the pool reports that as an error
    assert.equal((await pool.query("SELECT 1 AS one")).rows[0].one, 1);
    // A client still connected must not keep the server (or this process) alive.
    await own.stop();
    await own.stop();
    assert.equal(await portAcceptsConnections(Number(port)), false);
    await pool.end().catch(() => {});
  });
});
