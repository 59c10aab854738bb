// The handler helper through its framework-neutral handle() over a real Postgres: the
// request checks before any database work, the scoped tx's limits, start-up refusals, the
// receipts table, an unreachable database, and the version comparison across precisions;
// and the published protocol fixtures (schemas/fixtures) answered on Postgres and MariaDB.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { signBody } from "../../runtime/executors/signing.ts";
import { createWritebackHandler, handlerReceiptsDdl, versionsMatch, type HandlerRequest, type WritebackHandlerOptions } from "../../handler/index.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { CREDIT_ACTION, ENV, FAILING_ACTION, SECRET, TOKEN, billingHandlerOptions, schemaSql, selectRows, writebackRequest } from "../fixtures/handlers/billing-app.ts";
import type { WritebackRequest } from "../../runtime/executors/protocol.ts";
import { openHandlerDatabase } from "../../handler/database.ts";
import { databaseErrorClass } from "../../runtime/dialect/index.ts";
import { receiptFromReply } from "../../runtime/executors/handler-reply.ts";
import { assertMatchesSchema, fixture } from "../support/protocol-schemas.ts";

const URL_ENV = "TEST_HELPER_APP_DB_URL";

function signed(request: WritebackRequest | string, overrides: Partial<Record<string, string>> = {}): HandlerRequest {
  const body = typeof request === "string" ? request : JSON.stringify(request);
  const issuedAt = typeof request === "string" ? new Date().toISOString() : request.issued_at;
  return {
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${TOKEN}`,
      "x-synapsor-signature": signBody(SECRET, body),
      "x-synapsor-issued-at": issuedAt,
      ...overrides,
    },
    body,
  };
}

/** The billing capability with a different business function (same table and guards). */
function withApply(apply: WritebackHandlerOptions["capabilities"][string]["apply"], tables = ["credits"]): WritebackHandlerOptions {
  const base = billingHandlerOptions(URL_ENV, "postgres");
  return { ...base, capabilities: { [CREDIT_ACTION]: { ...base.capabilities[CREDIT_ACTION]!, tables, apply } } };
}

describe("handler helper (handle) on Postgres", () => {
  let db: TestDatabase;
  const open: Array<{ close(): Promise<void> }> = [];
  const make = (options: WritebackHandlerOptions) => {
    const h = createWritebackHandler(options);
    open.push(h);
    return h;
  };

  before(async () => {
    db = await createDatabase("postgres", "srhelp");
    await db.exec(schemaSql("postgres"));
    await db.exec("INSERT INTO credits VALUES ('CR-OTHER', 'globex', 'INV-2', 99, 'other tenant')");
    process.env[URL_ENV] = db.url;
    process.env[ENV.token] = TOKEN;
    process.env[ENV.secret] = SECRET;
  });
  after(async () => {
    for (const h of open) await h.close();
    await db?.drop();
  });

  test("malformed bodies and wrong protocol versions are 400 before any database work", async () => {
    // A database nobody listens on: any database work would turn into 503, not 400.
    process.env.TEST_HELPER_DEAD_DB_URL = "postgres://postgres@127.0.0.1:1/nothing";
    const h = make(billingHandlerOptions("TEST_HELPER_DEAD_DB_URL", "postgres"));
    const bad = [
      "not json",
      JSON.stringify({ ...writebackRequest({}), protocol_version: "2.0" }),
      JSON.stringify({ ...writebackRequest({}), change_set: { action: CREDIT_ACTION } }),
    ];
    for (const body of bad) {
      const response = await h.handle(signed(body));
      assert.equal(response.status, 400, body);
      const receipt = JSON.parse(response.body);
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.safe_error_code, "HANDLER_FAILED");
    }
  });

  test("a request for another table or tenant column than the capability's is refused", async () => {
    const h = make(billingHandlerOptions(URL_ENV, "postgres"));
    const otherTable = writebackRequest({});
    otherTable.change_set.target.table = "credits";
    const otherTenantColumn = writebackRequest({});
    otherTenantColumn.change_set.guards.tenant.column = "customer_id";
    const noVersion = writebackRequest({});
    otherTenantColumn.change_set.guards.expected_version = null;
    noVersion.change_set.guards.expected_version = null;
    for (const request of [otherTable, otherTenantColumn, noVersion]) {
      const response = await h.handle(signed(request));
      assert.equal(response.status, 400);
    }
  });

  test("the issued-at header must be present and inside the skew window", async () => {
    const h = make({ ...billingHandlerOptions(URL_ENV, "postgres"), maxSkewSeconds: 60 });
    const request = writebackRequest({ objectId: "INV-3" });
    for (const issuedAt of [undefined, new Date(Date.now() + 5 * 60_000).toISOString(), "yesterday"]) {
      const req = signed(request);
      req.headers["x-synapsor-issued-at"] = issuedAt;
      const response = await h.handle(req);
      assert.equal(response.status, 401, String(issuedAt));
      assert.equal(JSON.parse(response.body).safe_error_code, "HANDLER_REJECTED_AUTH");
    }
  });

  test("an issued-at header that differs from the signed body's issued_at is refused", async () => {
    const h = make(billingHandlerOptions(URL_ENV, "postgres"));
    // A captured request replayed later with a fresh (unsigned) header: the body still says 10 minutes ago.
    const request = writebackRequest({ objectId: "INV-3", issuedAt: new Date(Date.now() - 10 * 60_000).toISOString() });
    const response = await h.handle(signed(request, { "x-synapsor-issued-at": new Date().toISOString() }));
    assert.equal(response.status, 401);
    assert.equal(JSON.parse(response.body).safe_error_code, "HANDLER_REJECTED_AUTH");
  });

  test("without a token configured, HTTP requests are all refused", async () => {
    const { tokenEnv: _t, ...options } = billingHandlerOptions(URL_ENV, "postgres");
    const h = make(options);
    const response = await h.handle(signed(writebackRequest({ objectId: "INV-3" })));
    assert.equal(response.status, 401);
  });

  test("missing environment variables fail at start-up with the variable's name", () => {
    assert.throws(() => createWritebackHandler(billingHandlerOptions("TEST_HELPER_UNSET_URL", "postgres")), /TEST_HELPER_UNSET_URL/);
    assert.throws(() => createWritebackHandler({ ...billingHandlerOptions(URL_ENV, "postgres"), tokenEnv: "TEST_HELPER_UNSET_TOKEN" }), /TEST_HELPER_UNSET_TOKEN/);
  });

  test("the scoped tx sees and changes only the job's tenant, and only its configured tables", async () => {
    const seen: Record<string, unknown> = {};
    const h = make(
      withApply(async (job, tx) => {
        seen.credits = await tx.query("credits");
        seen.foreignUpdate = await tx.update("invoices", "INV-2", { credited_cents: 1 });
        seen.ownRow = job.row;
        return { effects: [] };
      }),
    );
    const response = await h.handle(signed(writebackRequest({ objectId: "INV-1" })));
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).status, "applied");
    assert.deepEqual(seen.credits, [], "globex's credit is invisible to an acme job");
    assert.deepEqual(seen.foreignUpdate, { rowCount: 0 });
    assert.equal((seen.ownRow as Record<string, unknown>).tenant_id, "acme");
    assert.equal((await selectRows(db, "SELECT credited_cents FROM invoices WHERE id = 'INV-2'"))[0]!.credited_cents, 0);
  });

  test("inserting for another tenant, touching an unlisted table or changing the tenant column rolls back", async () => {
    const misuses: Array<WritebackHandlerOptions["capabilities"][string]["apply"]> = [
      async (_job, tx) => void (await tx.insert("credits", { id: "CR-X1", tenant_id: "globex", invoice_id: "INV-2", amount_cents: 1, reason: "x" })),
      async (_job, tx) => void (await tx.insert("customers", { id: "X" })),
      async (job, tx) => {
        await tx.insert("credits", { id: "CR-X3", invoice_id: job.objectId, amount_cents: 1, reason: "x" });
        await tx.update("invoices", job.objectId, { tenant_id: "globex" });
      },
      async (job, tx) => void (await tx.update("invoices", job.objectId, { "no_such_column": 1 })),
    ];
    for (const apply of misuses) {
      const h = make(withApply(apply));
      const request = writebackRequest({ objectId: "INV-4" });
      const response = await h.handle(signed(request));
      const receipt = JSON.parse(response.body);
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.safe_error_code, "HANDLER_FAILED");
      assert.equal((await selectRows(db, "SELECT * FROM credits WHERE id LIKE 'CR-X%'")).length, 0);
      assert.equal((await selectRows(db, `SELECT * FROM synapsor_handler_receipts WHERE idempotency_key = '${request.idempotency_key}'`)).length, 0);
    }
  });

  test("with create: false and no receipts table, the answer is RECEIPTS_TABLE_MISSING; the documented DDL fixes it", async () => {
    const options = { ...billingHandlerOptions(URL_ENV, "postgres"), receiptsTable: { name: "app_receipts", create: false } };
    const h = make(options);
    const response = await h.handle(signed(writebackRequest({ objectId: "INV-5" })));
    assert.equal(JSON.parse(response.body).safe_error_code, "RECEIPTS_TABLE_MISSING");
    await db.exec(handlerReceiptsDdl("postgres", { name: "app_receipts" }));
    const retry = await h.handle(signed(writebackRequest({ objectId: "INV-5" })));
    assert.equal(JSON.parse(retry.body).status, "applied");
    assert.equal((await selectRows(db, "SELECT * FROM app_receipts")).length, 1);
  });

  test("an unreachable database is 503 WRITER_UNAVAILABLE without driver text", async () => {
    process.env.TEST_HELPER_DEAD_DB_URL = "postgres://postgres@127.0.0.1:1/nothing";
    const h = make(billingHandlerOptions("TEST_HELPER_DEAD_DB_URL", "postgres"));
    const response = await h.handle(signed(writebackRequest({ objectId: "INV-3" })));
    assert.equal(response.status, 503);
    assert.equal(JSON.parse(response.body).safe_error_code, "WRITER_UNAVAILABLE");
    assert.ok(!response.body.includes("ECONNREFUSED"));
  });
});

for (const engine of ["postgres", "mysql"] as const) {
  describe(`the handler's own ${engine} sessions`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createDatabase(engine, "srhses");
    });
    after(async () => {
      await db?.drop();
    });

    test("run in UTC with the runtime's statement timeout, inside and outside transactions", async () => {
      const handlerDb = await openHandlerDatabase(engine, { url: db.url, statementTimeoutMs: 300, maxConnections: 1 });
      try {
        const zone = engine === "postgres" ? "SELECT current_setting('TimeZone') AS tz" : "SELECT @@session.time_zone AS tz";
        assert.match(String((await handlerDb.run(zone, [])).rows[0]!.tz), /^(UTC|\+00:00)$/);
        const sleep = engine === "postgres" ? "SELECT pg_sleep(2)" : "SELECT SLEEP(2) AS slept";
        const timedOut = (err: unknown) => databaseErrorClass(err) === "unavailable";
        await assert.rejects(handlerDb.run(sleep, []), timedOut);
        await assert.rejects(
          handlerDb.transaction(async (session) => ({ commit: true, value: await session.run(sleep, []) })),
          timedOut,
        );
      } finally {
        await handlerDb.close();
      }
    });

    test("a URL whose parameters would change the session is refused at start-up and by the connection, with the fix", async () => {
      const hostile = engine === "postgres" ? "options=-c%20TimeZone%3DAmerica%2FNew_York" : "multipleStatements=true";
      const url = `${db.url}${db.url.includes("?") ? "&" : "?"}${hostile}`;
      const env = `TEST_HELPER_HOSTILE_URL_${engine.toUpperCase()}`;
      process.env[env] = url;
      process.env[ENV.token] = TOKEN;
      process.env[ENV.secret] = SECRET;
      const refused = new RegExp(`${env}.*'${engine === "postgres" ? "options" : "multipleStatements"}'.*Remove it from the URL`);
      assert.throws(() => createWritebackHandler(billingHandlerOptions(env, engine)), refused);
      await assert.rejects(
        openHandlerDatabase(engine, { url, statementTimeoutMs: 1000, maxConnections: 1 }),
        (err: Error) => (err as { code?: string }).code === "CONFIGURATION_ERROR" && /Remove it from the URL/.test(err.message) && !err.message.includes("New_York"),
      );
    });
  });
}

describe("versionsMatch", () => {
  test("an expected timestamp matches the range of its own precision, across notations (as sql_update)", () => {
    assert.ok(versionsMatch("2026-05-16T00:00:00.123Z", "2026-05-16T00:00:00.123456Z"));
    assert.ok(versionsMatch("2026-05-16T00:00:00Z", "2026-05-16 00:00:00.999999+00"));
    assert.ok(versionsMatch("2026-05-16T02:00:00.5+02:00", "2026-05-16T00:00:00.500Z"));
    assert.ok(versionsMatch(new Date("2026-05-16T00:00:00.123Z"), "2026-05-16T00:00:00.123999Z"));
    assert.ok(!versionsMatch("2026-05-16T00:00:00.124Z", "2026-05-16T00:00:00.123456Z"));
    assert.ok(!versionsMatch("2026-05-16T00:00:00.000000Z", "2026-05-16T00:00:00.000001Z"));
    assert.ok(!versionsMatch("2026-05-16T00:00:01Z", "2026-05-16T00:00:00.999999Z"));
    assert.ok(!versionsMatch("2026-05-16T00:00:00.5Z", "2026-05-16T00:00:00Z"), "a less precise current value is not inside the range");
  });
  test("other versions compare as text", () => {
    assert.ok(versionsMatch(7, "7"));
    assert.ok(versionsMatch("9007199254740993", "9007199254740993"));
    assert.ok(!versionsMatch(7, 8));
    assert.ok(!versionsMatch(null, "x"));
  });
});

describe("keys that are not text", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: a ${engine === "postgres" ? "uuid key given in upper case" : "integer key given with leading zeros"} matches as the column's own = does`, async () => {
      const db = await createDatabase(engine, "srhkey");
      const env = `TEST_HELPER_KEY_URL_${engine.toUpperCase()}`;
      let h: ReturnType<typeof createWritebackHandler> | undefined;
      try {
        const idType = engine === "postgres" ? "uuid" : "integer";
        const stored = engine === "postgres" ? "6f1c2a9e-0b7d-4c1e-9a3f-2b8d5e7c4a10" : "42";
        const given = engine === "postgres" ? stored.toUpperCase() : "0042";
        const ddl = schemaSql(engine).replace(/CREATE TABLE invoices \(\s*id \S+ PRIMARY KEY/, `CREATE TABLE invoices (id ${idType} PRIMARY KEY`).split("INSERT")[0]!;
        await db.exec(ddl);
        await db.exec(`INSERT INTO invoices VALUES ('${stored}', 'acme', 'C-1', 'overdue', 0, '2026-05-16 00:00:00.123456')`);
        process.env[env] = db.url;
        process.env[ENV.token] = TOKEN;
        process.env[ENV.secret] = SECRET;
        h = createWritebackHandler(billingHandlerOptions(env, engine));
        const response = await h.handle(signed(writebackRequest({ objectId: given })));
        const receipt = JSON.parse(response.body);
        assert.equal(receipt.status, "applied", response.body);
        assert.deepEqual((await selectRows(db, "SELECT credited_cents FROM invoices")).map((r) => Number(r.credited_cents)), [1500]);
      } finally {
        await h?.close();
        await db.drop();
      }
    });
  }
});

describe("an idempotency key the receipts table's collation confuses with a stored one", () => {
  test("mysql: a failed IDEMPOTENCY_KEY_COLLISION receipt, nothing mutated, the first receipt untouched", async () => {
    const db = await createDatabase("mysql", "srhcol");
    const env = "TEST_HELPER_COLLISION_URL";
    let h: ReturnType<typeof createWritebackHandler> | undefined;
    try {
      await db.exec(schemaSql("mysql"));
      // A case-folding collation on the key column, as a hand-made receipts table might have.
      await db.exec(handlerReceiptsDdl("mysql").replace("varchar(255)", "varchar(255) COLLATE utf8mb4_general_ci"));
      process.env[env] = db.url;
      process.env[ENV.token] = TOKEN;
      process.env[ENV.secret] = SECRET;
      h = createWritebackHandler(billingHandlerOptions(env, "mysql"));
      const first = JSON.parse((await h.handle(signed(writebackRequest({ objectId: "INV-1", key: "wrp_collide:KEY" })))).body);
      assert.equal(first.status, "applied", JSON.stringify(first));
      const response = await h.handle(signed(writebackRequest({ objectId: "INV-4", key: "wrp_collide:key" })));
      const receipt = JSON.parse(response.body);
      assert.equal(receipt.status, "failed", response.body);
      assert.equal(receipt.safe_error_code, "IDEMPOTENCY_KEY_COLLISION");
      assert.equal(receipt.source_database_mutated, false);
      assert.equal(response.status, 200);
      const credited = await selectRows(db, "SELECT id, credited_cents FROM invoices WHERE id IN ('INV-1', 'INV-4') ORDER BY id");
      assert.deepEqual(credited.map((r) => Number(r.credited_cents)), [1500, 0]);
    } finally {
      await h?.close();
      await db.drop();
    }
  });
});

// schemas/fixtures/app-handler-request.v1.json is the request other languages' helpers test
// against; the TypeScript helper answers it here, re-signed with this test's secret and time,
// on both engines, once per receipt status, each answer checked against the published schema
// and shaped like the receipt fixture of its status.
describe("the protocol fixtures against the helper", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: the request fixture is applied, then already_applied; variants give conflict and failed`, async () => {
      const db = await createDatabase(engine, "srhfix");
      const env = `TEST_HELPER_FIXTURE_URL_${engine.toUpperCase()}`;
      let h: ReturnType<typeof createWritebackHandler> | undefined;
      try {
        await db.exec(schemaSql(engine));
        process.env[env] = db.url;
        process.env[ENV.token] = TOKEN;
        process.env[ENV.secret] = SECRET;
        h = createWritebackHandler(billingHandlerOptions(env, engine));
        const base = fixture("app-handler-request.v1.json") as WritebackRequest;
        assert.equal(base.change_set.action, CREDIT_ACTION, "the fixture is the billing app's credit action");
        // The fixture's issued_at is fixed; a handler refuses it as stale, so each use is re-issued now.
        const fresh = (change: (r: WritebackRequest) => void = () => {}): WritebackRequest => {
          const request = structuredClone(base);
          change(request);
          request.issued_at = new Date().toISOString();
          return request;
        };
        const answer = async (request: WritebackRequest) => {
          assertMatchesSchema("app-handler-request.v1", request, "the re-signed fixture");
          const response = await h!.handle(signed(request));
          const receipt = JSON.parse(response.body) as Record<string, unknown>;
          assertMatchesSchema("app-handler-receipt.v1", receipt, `the helper's ${String(receipt.status)} receipt`);
          const recorded = receiptFromReply(response.body, "app handler").receipt;
          assertMatchesSchema("execution-receipt.v1", recorded, "the runner's record of it");
          return { status: response.status, receipt };
        };
        const sameShape = (receipt: Record<string, unknown>, status: string) =>
          assert.deepEqual(Object.keys(receipt).sort(), Object.keys(fixture(`app-handler-receipt.${status}.v1.json`) as object).sort(), status);

        const applied = await answer(fresh());
        assert.equal(applied.receipt.status, "applied", JSON.stringify(applied.receipt));
        assert.deepEqual(applied.receipt.details, (fixture("app-handler-receipt.applied.v1.json") as { details: unknown }).details);
        sameShape(applied.receipt, "applied");
        assert.deepEqual((await selectRows(db, "SELECT amount_cents FROM credits WHERE invoice_id = 'INV-1'")).map((r) => Number(r.amount_cents)), [1500]);

        const again = await answer(fresh());
        assert.equal(again.receipt.status, "already_applied");
        sameShape(again.receipt, "already_applied");

        const conflict = await answer(fresh((r) => {
          r.idempotency_key = `${r.proposal_id}:INV-4`;
          r.change_set.scope.object_id = "INV-4";
          r.change_set.target.primary_key.value = "INV-4";
          r.change_set.guards.expected_version = { column: "updated_at", value: "2026-05-16T00:00:01Z" };
        }));
        assert.equal(conflict.receipt.status, "conflict");
        assert.equal(conflict.receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
        sameShape(conflict.receipt, "conflict");

        const failed = await answer(fresh((r) => {
          r.idempotency_key = `${r.proposal_id}:INV-5`;
          r.change_set.action = FAILING_ACTION;
          r.change_set.scope.object_id = "INV-5";
          r.change_set.target.primary_key.value = "INV-5";
        }));
        assert.equal(failed.receipt.status, "failed");
        assert.equal(failed.receipt.safe_error_code, "HANDLER_FAILED");
        sameShape(failed.receipt, "failed");
        assert.equal((await selectRows(db, "SELECT * FROM credits WHERE invoice_id <> 'INV-1'")).length, 0, "only the applied request wrote");
      } finally {
        await h?.close();
        await db.drop();
      }
    });
  }
});
