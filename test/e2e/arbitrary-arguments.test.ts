// Whatever a model sends as tool arguments, the compiled server answers with an envelope: never a
// crash, a protocol error only for a name that is not a tool (-32602), an error code only from SPEC §5's fixed set, never raw driver text, and
// any row it returns belongs to the trusted tenant. One build of the example on Postgres, one SDK
// client session, many calls: a few chosen hostile inputs first, then a fast-check property
// (fixed seed, bounded runs) over arbitrary argument objects for every capability.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import pg from "pg";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

const TENANT = "tenant_acme";
const ERROR_CODES = new Set([
  "NOT_FOUND_IN_TENANT", "INVALID_ARGUMENT", "POLICY_VIOLATION", "CAPABILITY_NOT_FOUND", "VERSION_CONFLICT", "MULTI_ROW_BLOCKED",
  "APPROVAL_REQUIRED", "TEMPORARILY_UNAVAILABLE", "RATE_LIMITED", "CONFIGURATION_ERROR", "INTERNAL",
]);
// Words of driver, SQL and stack text that none of our messages use.
const RAW_TEXT = /syntax|violates|SQLSTATE|duplicate key|invalid input|relation "|\bpg\b|node_modules|node:internal|at \S+:\d+:\d+|Error:/i;
const MYSQL_CODE = /\bER_[A-Z]/;
const TWO_MB = 2 * 1024 * 1024;

describe("arbitrary arguments through the compiled example on postgres", () => {
  let db: TestDatabase;
  let session: StdioSession;
  let toolNames: string[];
  let propertyNames: Map<string, string[]>;
  const tenantRows = { invoices: new Set<string>(), support_tickets: new Set<string>() };

  before(async () => {
    db = await createDatabase("postgres", "srprop");
    await seedExample(db);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      for (const table of ["invoices", "support_tickets"] as const) {
        const { rows } = await client.query(`SELECT id FROM ${table} WHERE tenant_id = $1`, [TENANT]);
        for (const r of rows) tenantRows[table].add(r.id);
      }
    } finally {
      await client.end();
    }
    const env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: "agent-prop" };
    const built = await buildServer(exampleConfigFor("postgres"), { ...process.env, ...env, SUPPORT_DB_WRITE_URL: `${db.url}?w=1` }, "SUPPORT_DB_READ_URL");
    session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "ledger.db")]);
    const { tools } = await session.client.listTools();
    toolNames = tools.map((t) => t.name);
    propertyNames = new Map(tools.map((t) => [t.name, Object.keys(t.inputSchema.properties ?? {})]));
  });

  after(async () => {
    await session?.close();
    await db?.drop();
  });

  /** One call and every rule that holds for any answer; returns the envelope and the result's size. */
  async function callChecked(name: string, args: Record<string, unknown>) {
    if (!toolNames.includes(name)) return unknownToolChecked(name, args);
    const result = await session.client.callTool({ name, arguments: args });
    const e = envelopeOf(result);
    const size = JSON.stringify(result).length;
    assert.equal(typeof e.ok, "boolean");
    assert.equal(e.source_database_changed, false);
    assert.equal(e._meta.tenant_id, TENANT);
    if (!e.ok) {
      assert.ok(ERROR_CODES.has(e.error.code), `code ${e.error.code} is not in the fixed set`);
      // An unknown argument's name is the caller's own text, echoed bounded; the rest is ours.
      const ours = String(e.error.message).replace(/Unknown argument '.*'; this tool accepts/s, "Unknown argument; this tool accepts");
      assert.doesNotMatch(ours, RAW_TEXT, "raw driver or stack text reached the caller");
      assert.doesNotMatch(ours, MYSQL_CODE, "a MySQL error code reached the caller");
      assert.ok(size < 8192, `an error answer stays small (${size} characters)`);
    } else if (e.kind === "read" && name === "billing.inspect_invoice") {
      assert.equal(e.data.tenant_id, TENANT);
      assert.ok(tenantRows.invoices.has(e.data.id));
    } else if (e.kind === "read") {
      for (const row of e.data.rows) assert.ok(tenantRows.support_tickets.has(row.id), `ticket ${row.id} is not the tenant's`);
    } else {
      const [table, id] = String(e.proposal.target).split(":");
      assert.equal(table, "invoices");
      assert.ok(tenantRows.invoices.has(id!), `proposal on ${id} outside the tenant`);
    }
    return { e, size };
  }

  /**
   * A name that is not a tool is the spec's protocol error (-32602, data.code CAPABILITY_NOT_FOUND),
   * its message small and free of raw text; returned in the envelope's error shape for the tally.
   */
  async function unknownToolChecked(name: string, args: Record<string, unknown>) {
    const error = await session.client.callTool({ name, arguments: args }).then(
      () => assert.fail("an unknown tool must be a protocol error"),
      (err: { code?: number; message?: string; data?: { code?: string } }) => err,
    );
    assert.equal(error.code, -32602);
    assert.equal(error.data?.code, "CAPABILITY_NOT_FOUND");
    const size = JSON.stringify({ message: error.message, data: error.data }).length;
    assert.ok(size < 512, `an unknown tool's answer stays small (${size} characters)`);
    assert.doesNotMatch(String(error.message).replace(/Unknown tool '.*'\./s, ""), RAW_TEXT);
    return { e: { ok: false, error: { code: error.data?.code, message: String(error.message) } } as Record<string, any>, size };
  }

  describe("chosen hostile inputs", () => {
    test("a lone UTF-16 surrogate is refused with INVALID_ARGUMENT, a well-formed pair is not", async () => {
      for (const id of ["INV-\ud800", "INV-\udfff3001", "\ud83d"]) {
        const { e } = await callChecked("billing.inspect_invoice", { invoice_id: id });
        assert.equal(e.error?.code, "INVALID_ARGUMENT", JSON.stringify(id));
        assert.match(e.error.message, /Argument 'invoice_id' contains a lone UTF-16 surrogate/);
      }
      const { e } = await callChecked("billing.inspect_invoice", { invoice_id: "INV-\ud83d\ude00" });
      assert.equal(e.error?.code, "NOT_FOUND_IN_TENANT");
    });

    test("control and bidi characters in a string argument are refused; tab, line feed and carriage return are not", async () => {
      const base = { invoice_id: "INV-3001", new_late_fee_cents: 0 };
      for (const reason of ["outage \u001b[2J approved", "ok\u0000", "a\u0007b", "x\u007f", "x\u009b31m", "refund \u202eevil", "x\u2066y\u2069"]) {
        const { e } = await callChecked("billing.propose_late_fee_waiver", { ...base, reason });
        assert.equal(e.error?.code, "INVALID_ARGUMENT", JSON.stringify(reason));
        assert.match(e.error.message, /^Argument 'reason' contains (a|the) (NUL|control|bidi control) character/);
        assert.match(e.error.message, /U\+[0-9A-F]{4}/);
      }
      const { e } = await callChecked("billing.propose_late_fee_waiver", { ...base, reason: "Outage on May 3:\n\tticket T-1001\r\nwaive it" });
      assert.equal(e.ok, true, JSON.stringify(e.error));
    });

    test("a 2 MB unknown argument name gives a small answer with the name cut and escaped", async () => {
      const huge = "\u001b[31m" + "k".repeat(TWO_MB);
      const { e, size } = await callChecked("billing.inspect_invoice", { invoice_id: "INV-3001", [huge]: 1 });
      assert.equal(e.error.code, "INVALID_ARGUMENT");
      assert.ok(size < 4096, `${size} characters for a 2 MB name`);
      assert.match(e.error.message, /^Unknown argument '\\u001b\[31mk+…'; this tool accepts only: invoice_id\.$/);
    });

    test("a 2 MB unknown tool name and a 2 MB resource URI are echoed bounded", async () => {
      const { e, size } = await callChecked("x".repeat(TWO_MB), {});
      assert.equal(e.error.code, "CAPABILITY_NOT_FOUND");
      assert.ok(size < 4096, `${size} characters for a 2 MB tool name`);
      const uri = `synapsor://evidence/${"\u202e".repeat(10)}${"e".repeat(TWO_MB)}`;
      const error = await session.client.readResource({ uri }).then(
        () => assert.fail("an unknown resource must not be found"),
        (err: { code?: number; data?: { uri?: string } }) => err,
      );
      assert.equal(error.code, -32002);
      assert.ok(JSON.stringify(error.data).length < 512, "the URI is echoed bounded");
      assert.match(error.data!.uri!, /^synapsor:\/\/evidence\/(\\u202e)+e+…$/);
    });
  });

  describe("property", () => {
    const hostileChar = fc.oneof(
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("\u0000", "\u001b", "\u007f", "\u009b", "\u202e", "\u2066", "\t", "\n", "'", '"', "\\", ";", "%", "_"),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.string({ unit: hostileChar, maxLength: 20 }),
      fc.constantFrom("INV-3001", "INV-3003", "INV-4001", "C-101", "C-201", "' OR 1=1 --", "1abc", " 1", "1e0", "01", "0x10", "Infinity", ""),
      fc.nat({ max: 3000 }).map((n) => "y".repeat(n)),
    );
    const number = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.constantFrom(0, -1, 10000, 10001, 2 ** 53, -(2 ** 53), 1e300, Number.MAX_SAFE_INTEGER),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    );
    const value = fc.oneof(
      { arbitrary: text, weight: 4 },
      { arbitrary: number, weight: 3 },
      { arbitrary: fc.constantFrom(true, false, null), weight: 1 },
      { arbitrary: fc.oneof(fc.array(text, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 3 })), weight: 1 },
    );

    test("every capability answers arbitrary argument objects within the rules", async () => {
      const names = ["invoice_id", "customer_id", "new_late_fee_cents", "reason", "tenant_id", "__proto__", "constructor"];
      const key = fc.oneof({ arbitrary: fc.constantFrom(...names), weight: 4 }, { arbitrary: fc.string({ unit: hostileChar, maxLength: 12 }), weight: 1 });
      const anyShape = fc.dictionary(key, value, { maxKeys: 5 });
      // Most calls use the tool's own argument names, so values get past the names to the checks behind them.
      const ownShape = (name: string) =>
        fc.record(Object.fromEntries((propertyNames.get(name) ?? []).map((p) => [p, value])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
      const tool = fc.oneof({ arbitrary: fc.constantFrom(...toolNames), weight: 9 }, { arbitrary: fc.string({ maxLength: 30 }), weight: 1 });
      const call = tool.chain((name) => fc.tuple(fc.constant(name), fc.oneof({ arbitrary: anyShape, weight: 1 }, { arbitrary: ownShape(name), weight: 3 })));
      const seen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(call, async ([name, a]) => {
          const { e } = await callChecked(name, a);
          seen.add(e.ok ? `ok:${e.kind}` : e.error.code);
        }),
        { seed: 20261130, numRuns: 800 },
      );
      // The run reached past validation: rows were read, and the database's own answers were met.
      for (const outcome of ["INVALID_ARGUMENT", "NOT_FOUND_IN_TENANT", "CAPABILITY_NOT_FOUND", "ok:read"]) assert.ok(seen.has(outcome), `${outcome} not met: ${[...seen].join(", ")}`);
    });
  });
});
