// The http_handler executor against a real app handler built with the helper (node:http +
// createWritebackHandler) over real Postgres and MariaDB databases, plus bare servers that
// misbehave (hang, 500, non-receipt replies) and a port nobody listens on.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { createHmac } from "node:crypto";
import { createHttpHandlerExecutor } from "../../runtime/executors/http-handler.ts";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { schemaChecked } from "../support/protocol-schemas.ts";
import {
  CREDIT_ACTION,
  FAILING_ACTION,
  SECRET,
  SECRET_FAILURE_TEXT,
  TOKEN,
  closeServer,
  listen,
  schemaSql,
  selectRows,
  startBillingHandler,
  writebackRequest,
  type RunningHandler,
} from "../fixtures/handlers/billing-app.ts";

const URL_ENV = "TEST_HTTP_HANDLER_APP_DB_URL";

function executorFor(url: string, overrides: { token?: string; signingSecret?: string; timeoutMs?: number } = {}) {
  return schemaChecked(createHttpHandlerExecutor({ url, token: TOKEN, signingSecret: SECRET, timeoutMs: 5000, method: "POST", ...overrides }));
}

function assertNoLeak(receipt: Receipt, internal?: string) {
  const text = JSON.stringify(receipt);
  assert.ok(!text.includes(SECRET_FAILURE_TEXT), "handler failure text must not reach the receipt");
  assert.ok(!text.includes(TOKEN) && !text.includes(SECRET));
  if (internal) assert.ok(!internal.includes(TOKEN));
}

describe("http_handler executor → helper-built handler on Postgres", () => {
  let db: TestDatabase;
  let app: RunningHandler;

  before(async () => {
    db = await createDatabase("postgres", "srhh");
    await db.exec(schemaSql("postgres"));
    app = await startBillingHandler(db, URL_ENV);
  });
  after(async () => {
    await app?.close();
    await db?.drop();
  });

  const credits = async (invoice: string) => selectRows(db, `SELECT * FROM credits WHERE invoice_id = '${invoice}'`);
  const storedReceipts = async (key: string) => selectRows(db, `SELECT * FROM synapsor_handler_receipts WHERE idempotency_key = '${key}'`);

  test("a signed request is applied: business insert visible, receipt stored in the same database", async () => {
    const request = writebackRequest({ objectId: "INV-1" });
    const { receipt, internal } = await executorFor(app.url).execute(request);
    assert.equal(receipt.status, "applied", JSON.stringify({ receipt, internal }));
    assert.equal(receipt.rows_affected, 2);
    assert.equal(receipt.source_database_mutated, true);
    assert.equal(receipt.previous_version, "2026-05-16T00:00:00.123456Z");
    assert.notEqual(receipt.new_version, receipt.previous_version);
    assert.deepEqual(receipt.details.effects, [{ type: "db.insert", table: "credits", id: "CR-INV-1" }]);
    const rows = await credits("INV-1");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.tenant_id, "acme", "the helper fills in the tenant column");
    const stored = await storedReceipts(request.idempotency_key);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.status, "applied");
    const invoice = await selectRows(db, "SELECT credited_cents FROM invoices WHERE id = 'INV-1'");
    assert.equal(invoice[0]!.credited_cents, 1500);
  });

  test("the same idempotency key twice writes once; the second answer is already_applied", async () => {
    const first = writebackRequest({ objectId: "INV-4" });
    const executor = executorFor(app.url);
    const a = await executor.execute(first);
    assert.equal(a.receipt.status, "applied");
    // A retry is a new request (new issued_at, new signature) with the same key.
    const b = await executor.execute({ ...first, issued_at: new Date().toISOString() });
    assert.equal(b.receipt.status, "already_applied");
    assert.equal(b.receipt.rows_affected, 0);
    assert.equal(b.receipt.source_database_mutated, false);
    assert.deepEqual(b.receipt.details.effects, a.receipt.details.effects);
    assert.equal((await credits("INV-4")).length, 1);
    const invoice = await selectRows(db, "SELECT credited_cents FROM invoices WHERE id = 'INV-4'");
    assert.equal(invoice[0]!.credited_cents, 1500, "the update ran once");
  });

  test("two concurrent deliveries of one key: one applied, one already_applied, one write", async () => {
    const request = writebackRequest({ objectId: "INV-5" });
    const executor = executorFor(app.url);
    const results = await Promise.all([executor.execute(request), executor.execute(request)]);
    assert.deepEqual(results.map((r) => r.receipt.status).sort(), ["already_applied", "applied"]);
    assert.equal((await credits("INV-5")).length, 1);
  });

  test("a row changed after the proposal is a conflict, and nothing is written", async () => {
    const { receipt } = await executorFor(app.url).execute(writebackRequest({ objectId: "INV-3", expectedVersion: "2026-05-16T00:00:01Z" }));
    assert.equal(receipt.status, "conflict");
    assert.equal(receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
    assert.equal((await credits("INV-3")).length, 0);
  });

  test("a status outside the transition guard is a conflict", async () => {
    const { receipt } = await executorFor(app.url).execute(writebackRequest({ objectId: "INV-3" }));
    assert.equal(receipt.status, "conflict");
    assert.equal(receipt.safe_error_code, "TRANSITION_NOT_ALLOWED");
    assert.equal((await credits("INV-3")).length, 0);
  });

  test("another tenant's row is not found", async () => {
    const { receipt } = await executorFor(app.url).execute(writebackRequest({ objectId: "INV-2", tenantId: "acme" }));
    assert.equal(receipt.status, "conflict");
    assert.equal(receipt.safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT");
    assert.equal((await credits("INV-2")).length, 0);
  });

  test("a bad signature, a stale issued_at and a missing token are refused without a write", async () => {
    const cases = [
      { name: "bad signature", executor: executorFor(app.url, { signingSecret: "not-the-secret" }), request: writebackRequest({ objectId: "INV-3" }) },
      {
        name: "stale issued_at",
        executor: executorFor(app.url),
        request: writebackRequest({ objectId: "INV-3", issuedAt: new Date(Date.now() - 10 * 60_000).toISOString() }),
      },
      { name: "missing token", executor: schemaChecked(createHttpHandlerExecutor({ url: app.url, signingSecret: SECRET, timeoutMs: 5000, method: "POST" })), request: writebackRequest({ objectId: "INV-3" }) },
      { name: "wrong token", executor: executorFor(app.url, { token: "guess" }), request: writebackRequest({ objectId: "INV-3" }) },
    ];
    for (const c of cases) {
      const { receipt, internal } = await c.executor.execute(c.request);
      assert.equal(receipt.status, "failed", c.name);
      assert.equal(receipt.safe_error_code, "HANDLER_REJECTED_AUTH", c.name);
      assertNoLeak(receipt, internal);
      assert.equal((await storedReceipts(c.request.idempotency_key)).length, 0, c.name);
    }
    assert.equal((await credits("INV-3")).length, 0);
  });

  test("a throwing business function rolls back and answers HANDLER_FAILED with no raw text", async () => {
    const errors: unknown[] = [];
    const local = await startBillingHandler(db, URL_ENV, (o) => ({ ...o, onError: (err) => errors.push(err) }));
    try {
      const request = writebackRequest({ action: FAILING_ACTION, objectId: "INV-1", expectedVersion: undefined });
      const current = await selectRows(db, "SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS v FROM invoices WHERE id = 'INV-1'");
      request.change_set.guards.expected_version = { column: "updated_at", value: String(current[0]!.v) };
      const { receipt, internal } = await executorFor(local.url).execute(request);
      assert.equal(receipt.status, "failed", JSON.stringify(receipt));
      assert.equal(receipt.safe_error_code, "HANDLER_FAILED");
      assertNoLeak(receipt, internal);
      assert.ok(!(internal ?? "").includes(SECRET_FAILURE_TEXT));
      assert.equal((await selectRows(db, "SELECT * FROM credits WHERE id LIKE 'CR-BROKEN-%'")).length, 0, "the insert before the throw was rolled back");
      assert.equal((await storedReceipts(request.idempotency_key)).length, 0, "no receipt for a rolled-back change");
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), new RegExp(SECRET_FAILURE_TEXT), "the app's onError hook sees the cause");
    } finally {
      await local.close();
    }
  });

  test("an action the handler does not know is UNKNOWN_ACTION", async () => {
    const { receipt } = await executorFor(app.url).execute(writebackRequest({ action: "billing.propose_something_else", objectId: "INV-3" }));
    assert.equal(receipt.status, "failed");
    assert.equal(receipt.safe_error_code, "UNKNOWN_ACTION");
  });
});

describe("http_handler executor → helper on MariaDB", () => {
  let db: TestDatabase;
  let app: RunningHandler;

  before(async () => {
    db = await createDatabase("mysql", "srhh");
    await db.exec(schemaSql("mysql"));
    app = await startBillingHandler(db, URL_ENV);
  });
  after(async () => {
    await app?.close();
    await db?.drop();
  });

  test("applied, then already_applied for the same key, then a version conflict", async () => {
    const executor = executorFor(app.url);
    const request = writebackRequest({ objectId: "INV-1" });
    const first = await executor.execute(request);
    assert.equal(first.receipt.status, "applied", JSON.stringify(first));
    assert.equal(first.receipt.previous_version, "2026-05-16T00:00:00.123456Z");
    const again = await executor.execute({ ...request, issued_at: new Date().toISOString() });
    assert.equal(again.receipt.status, "already_applied");
    assert.equal((await selectRows(db, "SELECT * FROM credits WHERE invoice_id = 'INV-1'")).length, 1);
    const stored = await selectRows(db, `SELECT status FROM synapsor_handler_receipts WHERE idempotency_key = '${request.idempotency_key}'`);
    assert.deepEqual(stored, [{ status: "applied" }]);

    const stale = await executor.execute(writebackRequest({ objectId: "INV-4", expectedVersion: "2026-05-16T00:00:00.124Z" }));
    assert.equal(stale.receipt.status, "conflict");
    assert.equal(stale.receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
    assert.equal((await selectRows(db, "SELECT * FROM credits WHERE invoice_id = 'INV-4'")).length, 0);
  });
});

describe("http_handler executor → misbehaving or absent handlers", () => {
  test("sends the documented headers, and the signature covers the exact body bytes", async () => {
    let seen: { headers: IncomingMessage["headers"]; body: string } | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: "v1", new_version: "v2", extra: "dropped", message: "handler prose" }));
      });
    });
    const url = await listen(server);
    try {
      const request = writebackRequest({});
      const { receipt } = await executorFor(url).execute(request);
      assert.equal(receipt.status, "applied");
      assert.equal((receipt as unknown as Record<string, unknown>).extra, undefined, "unknown fields are dropped");
      assert.notEqual(receipt.message, "handler prose", "the message is ours");
      assert.ok(seen);
      assert.equal(seen.headers["content-type"], "application/json");
      assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(seen.headers["idempotency-key"], request.idempotency_key);
      assert.equal(seen.headers["x-synapsor-proposal-id"], request.proposal_id);
      assert.equal(seen.headers["x-synapsor-issued-at"], request.issued_at);
      assert.equal(seen.headers["x-synapsor-signature"], `sha256=${createHmac("sha256", SECRET).update(seen.body).digest("hex")}`);
      assert.deepEqual(JSON.parse(seen.body), request);
    } finally {
      await closeServer(server);
    }
  });

  test("a handler that does not answer in time is HANDLER_TIMEOUT", async () => {
    const server = createServer(() => {
      /* never answers */
    });
    const url = await listen(server);
    try {
      // The server never answers, so an answer at all means the timeout ended the wait.
      const { receipt } = await executorFor(url, { timeoutMs: 300 }).execute(writebackRequest({}));
      assert.equal(receipt.status, "failed");
      assert.equal(receipt.safe_error_code, "HANDLER_TIMEOUT");
    } finally {
      await closeServer(server);
    }
  });

  test("HTTP 500, non-JSON, unknown status and missing fields are failed receipts without the handler's text", async () => {
    const replies: Array<{ status: number; body: string; code: string }> = [
      { status: 500, body: "stack trace at db.internal:5432", code: "HANDLER_HTTP_ERROR" },
      { status: 403, body: "forbidden", code: "HANDLER_REJECTED_AUTH" },
      { status: 200, body: "<html>oops db.internal:5432</html>", code: "HANDLER_BAD_RESPONSE" },
      { status: 200, body: JSON.stringify({ status: "done", rows_affected: 1, source_database_mutated: true }), code: "HANDLER_BAD_RESPONSE" },
      { status: 200, body: JSON.stringify({ status: "applied" }), code: "HANDLER_BAD_RESPONSE" },
      { status: 200, body: JSON.stringify({ status: "failed", rows_affected: 0, source_database_mutated: false, safe_error_code: "db.internal:5432 said no" }), code: "HANDLER_BAD_RESPONSE" },
    ];
    for (const reply of replies) {
      const server = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(reply.status, { "content-type": "application/json" });
          res.end(reply.body);
        });
      });
      const url = await listen(server);
      try {
        const { receipt, internal } = await executorFor(url).execute(writebackRequest({}));
        assert.equal(receipt.status, "failed", reply.body);
        assert.equal(receipt.safe_error_code, reply.code, reply.body);
        assert.ok(!JSON.stringify(receipt).includes("db.internal"), "handler text stays out of the receipt");
        assert.ok(internal?.includes(reply.body.slice(0, 20)), "the ledger gets an excerpt");
      } finally {
        await closeServer(server);
      }
    }
  });

  test("a port nobody listens on is HANDLER_UNREACHABLE", async () => {
    const server = createServer();
    const url = await listen(server);
    await closeServer(server);
    const { receipt, internal } = await executorFor(url).execute(writebackRequest({}));
    assert.equal(receipt.safe_error_code, "HANDLER_UNREACHABLE");
    assert.match(internal ?? "", /ECONNREFUSED/);
  });
});
