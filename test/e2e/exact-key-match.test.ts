// Tenant and key matches are exact on MariaDB, whose default collation (utf8mb4, case- and
// accent-insensitive, PAD SPACE) makes `tenant_id = 'acme'` also match 'ACME', 'acme ' and
// 'acmé'. Reads and proposals through a real MCP client on the compiled server, apply through
// the planned sql_update statements, and the handler helper each reach only the exact tenant's
// rows; EXPLAIN shows the planned statements still use the key's index.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { createDatabase, execAsAdmin, type TestDatabase } from "../support/databases.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";
import { signBody } from "../../runtime/executors/signing.ts";
import { createWritebackHandler, type HandlerRequest, type WritebackHandlerOptions } from "../../handler/index.ts";
import { CREDIT_ACTION, ENV, SECRET, TOKEN, billingHandlerOptions, schemaSql, selectRows, writebackRequest } from "../fixtures/handlers/billing-app.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { mysqlDialect } from "../../runtime/dialect/mysql.ts";

const TENANT = "acme";

/** A value for each planned parameter, by the source the manifest names, for EXPLAIN. */
function explainParams(statement: { parameters: Array<{ from: string; value?: unknown }> }): unknown[] {
  const byKind: Record<string, unknown> = { arg: "ORD-1", object_id: "ORD-1", context: TENANT, tenant: TENANT, version: "2026-01-01 00:00:00", patch: 1, receipt: "explain-k" };
  return statement.parameters.map((p) => (p.from === "fixed" ? p.value : byKind[p.from]));
}
/** Tenants MariaDB's default collation calls equal to 'acme': case, trailing space, accent. */
const LOOKALIKES = ["ACME", "acme ", "acmé"];

const SCHEMA = `
  CREATE TABLE orders (
    id VARCHAR(32) NOT NULL PRIMARY KEY,
    tenant_id VARCHAR(64) NOT NULL,
    status VARCHAR(16) NOT NULL,
    amount_cents INT NOT NULL,
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY orders_tenant (tenant_id, status)
  ) DEFAULT CHARSET=utf8mb4;
  INSERT INTO orders (id, tenant_id, status, amount_cents) VALUES
    ('ORD-1', 'acme', 'open', 100),
    ('ORD-2', 'ACME', 'open', 200),
    ('ORD-3', 'acme ', 'open', 300),
    ('ORD-4', 'acmé', 'open', 400),
    ('ORD-10', 'acme', 'open', 1000),
    ('ORD-11', 'acme', 'open', 1100),
    ('ORD-12', 'acme', 'open', 1200)`;

function config(receiptsSchema: string) {
  const target = { table: "orders", primary_key: "id", tenant_key: "tenant_id" };
  return {
    version: 1,
    mode: "review",
    sources: { shop: { engine: "mysql", read_url_env: "SHOP_READ_URL", write_url_env: "SHOP_WRITE_URL" } },
    executors: { direct: { type: "sql_update", receipts_schema: receiptsSchema } },
    capabilities: [
      {
        name: "orders.inspect_order",
        kind: "read",
        description: "Look up one order by id.",
        source: "shop",
        target,
        args: { order_id: { type: "string", required: true, max_length: 32 } },
        lookup: { id_from_arg: "order_id" },
        visible_columns: ["id", "status", "amount_cents"],
        max_rows: 1,
      },
      {
        name: "orders.list_open_orders",
        kind: "read",
        description: "List open orders.",
        source: "shop",
        target,
        lookup: { filters: [{ column: "status", fixed: "open" }], order_by: [{ column: "id" }] },
        visible_columns: ["id", "status"],
        max_rows: 20,
      },
      {
        name: "orders.propose_amount",
        kind: "proposal",
        description: "Propose a new amount for one order.",
        source: "shop",
        target,
        args: { order_id: { type: "string", required: true, max_length: 32 }, amount_cents: { type: "integer", required: true, minimum: 0 } },
        lookup: { id_from_arg: "order_id" },
        visible_columns: ["id", "status", "amount_cents"],
        patch: { amount_cents: { from_arg: "amount_cents" } },
        allowed_columns: ["amount_cents"],
        conflict_guard: { column: "updated_at" },
        approval: { mode: "human" },
        executor: "direct",
      },
    ],
  };
}

describe("exact tenant and key matches on MariaDB", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;
  let env: NodeJS.ProcessEnv;
  let store: string;
  const users: string[] = [];

  before(async () => {
    db = await createDatabase("mysql", "srexact");
    await db.exec(SCHEMA);
    const migration = await runCli(["writeback", "migration", "--engine", "mysql", "--schema", db.name]);
    assert.equal(migration.code, 0, migration.stderr);
    await db.exec(migration.stdout);
    const suffix = db.name.slice(-8);
    const reader = `rx_${suffix}`;
    const writer = `wx_${suffix}`;
    users.push(reader, writer);
    await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'rx-pass-1'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%';
                   CREATE USER '${writer}'@'%' IDENTIFIED BY 'wx-pass-1'; GRANT SELECT, UPDATE, INSERT ON \`${db.name}\`.* TO '${writer}'@'%'`);
    env = {
      ...process.env,
      SHOP_READ_URL: `mysql://${reader}:rx-pass-1@127.0.0.1:3306/${db.name}`,
      SHOP_WRITE_URL: `mysql://${writer}:wx-pass-1@127.0.0.1:3306/${db.name}`,
      SYNAPSOR_TENANT_ID: TENANT,
      SYNAPSOR_PRINCIPAL: "agent-7",
    };
    built = await buildServer(config(db.name), env, "SHOP_READ_URL");
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
  });

  after(async () => {
    await session?.close();
    await db?.drop();
    for (const user of users) await execAsAdmin("mysql", `DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
  });

  const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));
  const cli = (args: string[]) => runCli(args, { env });

  test("reads see only the exact tenant's rows and the exact key", async () => {
    assert.equal((await call("orders.inspect_order", { order_id: "ORD-1" })).data.amount_cents, 100);
    for (const id of ["ORD-2", "ORD-3", "ORD-4", "ord-1", "ORD-1 ", "ÖRD-1"]) {
      const e = await call("orders.inspect_order", { order_id: id });
      assert.equal(e.ok, false, `${JSON.stringify(id)} must not be found in tenant acme`);
      assert.equal(e.error.code, "NOT_FOUND_IN_TENANT");
    }
    const list = await call("orders.list_open_orders", {});
    assert.equal(list.ok, true, list.summary);
    assert.deepEqual(
      list.data.rows.map((r: { id: string }) => r.id),
      ["ORD-1", "ORD-10", "ORD-11", "ORD-12"],
    );
  });

  test("proposals find only the exact tenant's row and the exact key", async () => {
    for (const id of ["ORD-2", "ORD-3", "ORD-4", "ord-1", "ORD-1 "]) {
      const e = await call("orders.propose_amount", { order_id: id, amount_cents: 5 });
      assert.equal(e.ok, false, `${JSON.stringify(id)} must not be proposable in tenant acme`);
      assert.equal(e.error.code, "NOT_FOUND_IN_TENANT");
    }
    const ok = await call("orders.propose_amount", { order_id: "ORD-1", amount_cents: 5 });
    assert.equal(ok.ok, true, ok.summary);
  });

  test("apply through sql_update does not write a row that moved to a look-alike tenant", async () => {
    const rows = ["ORD-10", "ORD-11", "ORD-12"];
    for (const [i, lookalike] of LOOKALIKES.entries()) {
      const id = rows[i]!;
      const p = await call("orders.propose_amount", { order_id: id, amount_cents: 7 });
      assert.equal(p.ok, true, p.summary);
      const approved = await cli(["proposals", "approve", p.proposal.id, "--store", store, "--actor", "dana", "--yes"]);
      assert.equal(approved.code, 0, approved.stderr);
      // The row now belongs to a tenant the collation calls equal to the proposal's; the version is kept.
      await db.exec(`UPDATE orders SET tenant_id = '${lookalike}', updated_at = updated_at WHERE id = '${id}'`);
      const applied = await cli(["apply", "--proposal", p.proposal.id, "--config", built.configPath, "--store", store, "--json"]);
      const receipt = JSON.parse(applied.stdout);
      assert.equal(receipt.status, "conflict", `${JSON.stringify(lookalike)}: ${applied.stdout}${applied.stderr}`);
      assert.equal(receipt.source_database_mutated, false);
      const [row] = await selectRows(db, `SELECT amount_cents FROM orders WHERE id = '${id}'`);
      assert.equal(Number(row!.amount_cents), (i + 10) * 100, `${id} keeps its amount`);
    }
  });

  test("EXPLAIN: the planned statements still use the key's index", async () => {
    const manifest = JSON.parse(readFileSync(join(built.outDir, "manifest.json"), "utf8"));
    const cap = (name: string) => manifest.capabilities.find((c: { name: string }) => c.name === name);
    const write = cap("orders.propose_amount").proposal.write.statements;
    const statements: Array<[string, string, unknown[]]> = [
      ["read by id", cap("orders.inspect_order").sql.mysql, explainParams(cap("orders.inspect_order"))],
      ["list", cap("orders.list_open_orders").sql.mysql, explainParams(cap("orders.list_open_orders"))],
      ["guarded update", write.update.sql.mysql, explainParams(write.update)],
      ["receipt read", write.read_receipt.sql.mysql, explainParams(write.read_receipt)],
    ];
    // A stored key, so MariaDB does not answer "impossible WHERE" from the unique index alone.
    await db.exec("INSERT INTO synapsor_writeback_receipts (idempotency_key, proposal_id, capability, tenant_id, object_id, status) VALUES ('explain-k', 'p', 'c', 'acme', 'ORD-1', 'pending')");
    const conn = await mysql.createConnection({ uri: db.url });
    try {
      for (const [label, text, params] of statements) {
        assert.equal(text.split("?").length - 1, params.length, `${label}: parameter count`);
        const [plan] = (await conn.query(`EXPLAIN ${text}`, params)) as unknown as [Array<Record<string, unknown>>];
        const row = plan[0]!;
        assert.notEqual(row.key, null, `${label}: ${JSON.stringify(plan)}`);
        assert.ok(["const", "eq_ref", "ref", "range"].includes(String(row.type)), `${label}: ${JSON.stringify(plan)}`);
      }
    } finally {
      await conn.end();
    }
  });
});

describe("exact tenant and key matches in the handler helper on MariaDB", () => {
  const URL_ENV = "TEST_EXACT_HANDLER_DB_URL";
  let db: TestDatabase;
  const open: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    db = await createDatabase("mysql", "srexacth");
    await db.exec(schemaSql("mysql"));
    await db.exec(`INSERT INTO invoices VALUES ('INV-6', 'ACME', 'C-1', 'overdue', 0, '2026-05-16 00:00:00.123456');
                   INSERT INTO invoices VALUES ('INV-7', 'acme ', 'C-1', 'overdue', 0, '2026-05-16 00:00:00.123456');
                   INSERT INTO invoices VALUES ('INV-8', 'acmé', 'C-1', 'overdue', 0, '2026-05-16 00:00:00.123456');
                   INSERT INTO credits VALUES ('CR-LOOKALIKE', 'ACME', 'INV-6', 99, 'look-alike tenant')`);
    process.env[URL_ENV] = db.url;
    process.env[ENV.token] = TOKEN;
    process.env[ENV.secret] = SECRET;
  });
  after(async () => {
    for (const h of open) await h.close();
    await db?.drop();
  });

  const signed = (request: WritebackRequest): HandlerRequest => {
    const body = JSON.stringify(request);
    return {
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${TOKEN}`,
        "x-synapsor-signature": signBody(SECRET, body),
        "x-synapsor-issued-at": request.issued_at,
      },
      body,
    };
  };

  test("the locked row, the scoped tx and the receipts are the exact tenant's only", async () => {
    const seen: { credits?: unknown[]; foreignUpdate?: number } = {};
    const base = billingHandlerOptions(URL_ENV, "mysql");
    const options: WritebackHandlerOptions = {
      ...base,
      capabilities: {
        [CREDIT_ACTION]: {
          ...base.capabilities[CREDIT_ACTION]!,
          async apply(_job, tx) {
            seen.credits = await tx.query("credits");
            seen.foreignUpdate = (await tx.update("invoices", "INV-6", { credited_cents: 1 })).rowCount;
            return { effects: [] };
          },
        },
      },
    };
    const h = createWritebackHandler(options);
    open.push(h);

    // Rows whose tenant only looks like acme are not acme's.
    for (const objectId of ["INV-6", "INV-7", "INV-8"]) {
      const response = await h.handle(signed(writebackRequest({ objectId, tenantId: TENANT, expectedVersion: "2026-05-16T00:00:00.123456Z" })));
      const receipt = JSON.parse(response.body);
      assert.equal(receipt.safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT", `${objectId}: ${response.body}`);
    }
    // Nor is a key that only looks like the row's.
    const lookalikeKey = await h.handle(signed(writebackRequest({ objectId: "inv-1", tenantId: TENANT, expectedVersion: "2026-05-16T00:00:00.123456Z" })));
    assert.equal(JSON.parse(lookalikeKey.body).safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT", lookalikeKey.body);

    // Inside acme's own transaction, the scoped tx sees and changes acme's rows only.
    const key = "exact-key-1";
    const response = await h.handle(signed(writebackRequest({ objectId: "INV-1", tenantId: TENANT, key, expectedVersion: "2026-05-16T00:00:00.123456Z" })));
    assert.equal(JSON.parse(response.body).status, "applied", response.body);
    assert.deepEqual(seen.credits, []);
    assert.equal(seen.foreignUpdate, 0);
    const [foreign] = await selectRows(db, "SELECT credited_cents FROM invoices WHERE id = 'INV-6'");
    assert.equal(Number(foreign!.credited_cents), 0);

    // A request whose idempotency key differs only by case or a trailing space is not the stored
    // one: it is neither answered with that receipt nor applied without a receipt of its own.
    for (const variant of ["EXACT-KEY-1", "exact-key-1 "]) {
      const again = await h.handle(signed(writebackRequest({ objectId: "INV-4", tenantId: TENANT, key: variant, expectedVersion: "2026-05-16T00:00:00.123456Z" })));
      const status = JSON.parse(again.body).status;
      assert.ok(status !== "already_applied" && status !== "applied", `${JSON.stringify(variant)}: ${again.body}`);
    }
    const [untouched] = await selectRows(db, "SELECT credited_cents FROM invoices WHERE id = 'INV-4'");
    assert.equal(Number(untouched!.credited_cents), 0);
  });
});

describe("exact tenant and key matches on Postgres", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;

  // Default (deterministic) text, a nondeterministic ICU collation that ignores case, citext, and
  // a domain over citext (format_type() prints the domain's name, not citext).
  const KINDS = [
    ["plain", "text"],
    ["icu", 'text COLLATE "ci_und"'],
    ["citext", "citext"],
    ["domain", "tenant_t"],
  ] as const;

  before(async () => {
    db = await createDatabase("postgres", "srexactpg");
    await db.exec(`CREATE COLLATION ci_und (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
                   CREATE EXTENSION citext;
                   CREATE DOMAIN tenant_t AS citext;`);
    for (const [kind, type] of KINDS) {
      await db.exec(`CREATE TABLE orders_${kind} (id ${type} PRIMARY KEY, tenant_id ${type} NOT NULL, status text NOT NULL DEFAULT 'open', amount_cents integer NOT NULL, updated_at timestamptz(6) NOT NULL DEFAULT now());
                     CREATE INDEX orders_${kind}_tenant ON orders_${kind} (tenant_id);
                     INSERT INTO orders_${kind} (id, tenant_id, amount_cents) VALUES ('ORD-1', 'acme', 100), ('ORD-2', 'ACME', 200), ('ORD-3', 'acme ', 300), ('ORD-4', 'acmé', 400)`);
    }
    const target = (kind: string) => ({ schema: "public", table: `orders_${kind}`, primary_key: "id", tenant_key: "tenant_id" });
    const cfg = {
      version: 1,
      mode: "review",
      sources: { shop: { engine: "postgres", read_url_env: "SHOP_PG_READ_URL", write_url_env: "SHOP_PG_WRITE_URL" } },
      capabilities: KINDS.flatMap(([kind]) => [
        {
          name: `orders.inspect_${kind}`,
          kind: "read",
          description: "Look up one order by id.",
          source: "shop",
          target: target(kind),
          args: { order_id: { type: "string", required: true, max_length: 32 } },
          lookup: { id_from_arg: "order_id" },
          visible_columns: ["id", "amount_cents"],
          max_rows: 1,
        },
        {
          name: `orders.list_${kind}`,
          kind: "read",
          description: "List orders.",
          source: "shop",
          target: target(kind),
          lookup: { filters: [{ column: "status", fixed: "open" }], order_by: [{ column: "id" }] },
          visible_columns: ["id"],
          max_rows: 20,
        },
        {
          name: `orders.propose_${kind}`,
          kind: "proposal",
          description: "Propose a new amount.",
          source: "shop",
          target: target(kind),
          args: { order_id: { type: "string", required: true, max_length: 32 }, amount_cents: { type: "integer", required: true, minimum: 0 } },
          lookup: { id_from_arg: "order_id" },
          visible_columns: ["id", "amount_cents"],
          patch: { amount_cents: { from_arg: "amount_cents" } },
          allowed_columns: ["amount_cents"],
          conflict_guard: { column: "updated_at" },
          approval: { mode: "human" },
        },
      ]),
    };
    const env = { ...process.env, SHOP_PG_READ_URL: db.url, SHOP_PG_WRITE_URL: `${db.url}?application_name=writer`, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent-7" };
    built = await buildServer(cfg, env, "SHOP_PG_READ_URL");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", join(built.runDir, "ledger.db")]);
  });

  after(async () => {
    await session?.close();
    await db?.drop();
  });

  const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));

  for (const [kind] of KINDS) {
    test(`${kind}: reads and proposals reach only the exact tenant and key`, async () => {
      assert.equal((await call(`orders.inspect_${kind}`, { order_id: "ORD-1" })).data.amount_cents, 100);
      for (const id of ["ORD-2", "ORD-3", "ORD-4", "ord-1"]) {
        assert.equal((await call(`orders.inspect_${kind}`, { order_id: id })).error?.code, "NOT_FOUND_IN_TENANT", `read ${id}`);
        assert.equal((await call(`orders.propose_${kind}`, { order_id: id, amount_cents: 1 })).error?.code, "NOT_FOUND_IN_TENANT", `propose ${id}`);
      }
      const list = await call(`orders.list_${kind}`, {});
      assert.deepEqual(list.data.rows.map((r: { id: string }) => r.id), ["ORD-1"]);
    });
  }

  test("EXPLAIN: the key and tenant indexes still serve the exact matches", async () => {
    const manifest = JSON.parse(readFileSync(join(built.outDir, "manifest.json"), "utf8"));
    const sqlOf = (name: string) => manifest.capabilities.find((c: { name: string }) => c.name === name);
    const client = new (await import("pg")).default.Client({ connectionString: db.url });
    await client.connect();
    try {
      // Tiny tables: without this the planner prefers a sequential scan whatever the predicate.
      await client.query("SET enable_seqscan = off");
      for (const [kind] of KINDS) {
        const update = sqlOf(`orders.propose_${kind}`).proposal.write.statements.update;
        const checks: Array<[string, string, unknown[]]> = [
          ["read by id", sqlOf(`orders.inspect_${kind}`).sql.postgres, explainParams(sqlOf(`orders.inspect_${kind}`))],
          ["list", sqlOf(`orders.list_${kind}`).sql.postgres, explainParams(sqlOf(`orders.list_${kind}`))],
          ["guarded update", update.sql.postgres, explainParams(update)],
        ];
        for (const [label, text, params] of checks) {
          const plan = (await client.query(`EXPLAIN (FORMAT JSON) ${text}`, params)).rows[0]["QUERY PLAN"];
          const json = JSON.stringify(plan);
          assert.match(json, /Index (Only )?Scan|Bitmap Index Scan/, `${kind} ${label}: ${text}\n${json}`);
          if (kind !== "plain") assert.match(text, /COLLATE "C"/, `${kind} ${label} compares exactly`);
          else assert.doesNotMatch(text, /COLLATE/, `${kind} ${label}: deterministic text needs no second comparison`);
        }
      }
    } finally {
      await client.end();
    }
  });
});

describe("exact matches on MariaDB columns in other character sets", () => {
  let db: TestDatabase;
  let conn: mysql.Connection;
  const CHARSETS = ["latin1", "utf8mb4", "ucs2", "utf16"] as const;

  before(async () => {
    db = await createDatabase("mysql", "srexactcs");
    for (const charset of CHARSETS) {
      await db.exec(`CREATE TABLE t_${charset} (id INT PRIMARY KEY, tenant_id VARCHAR(32) CHARACTER SET ${charset} NOT NULL, KEY t_${charset}_tenant (tenant_id));
                     INSERT INTO t_${charset} VALUES (1, 'acmé'), (2, 'ACMÉ'), (3, 'acme'), (4, 'acmé '), (5, 'x1'), (6, 'x2'), (7, 'x3'), (8, 'x4')`);
    }
    conn = await mysql.createConnection(db.url);
  });

  after(async () => {
    await conn?.end();
    await db?.drop();
  });

  const where = mysqlDialect.exactMatch("`tenant_id`", () => "?", "folding");

  for (const charset of CHARSETS) {
    test(`${charset}: a non-ASCII tenant matches exactly its own rows, through the index`, async () => {
      const sql = `SELECT id FROM t_${charset} WHERE ${where} ORDER BY id`;
      const [rows] = await conn.query(sql, ["acmé", "acmé"]);
      assert.deepEqual((rows as Array<{ id: number }>).map((r) => r.id), [1], sql);
      const [plan] = await conn.query(`EXPLAIN ${sql}`, ["acmé", "acmé"]);
      const row = (plan as Array<{ type: string; key: string | null }>)[0]!;
      assert.equal(row.key, `t_${charset}_tenant`, JSON.stringify(plan));
    });
  }
});
