// Issue 7 item 6: a big key must reach the database exactly, on both engines, through a real
// compiled server and the SDK client. JSON numbers past 2^53 lose digits (2^53+1 arrives as 2^53,
// the next row) and MySQL reads "1abc", " 1" or "1e0" as 1, so arguments are checked against the
// column they feed before any database call; numbers written as text are compared exactly.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";

const TWO_53 = "9007199254740992";
const TWO_53_PLUS_1 = "9007199254740993";

const SCHEMA = {
  postgres: `CREATE TABLE accounts (id bigint PRIMARY KEY, tenant_id text NOT NULL, balance numeric(12,2) NOT NULL, note text,
               updated_at timestamptz NOT NULL DEFAULT now())`,
  mysql: `CREATE TABLE accounts (id BIGINT PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL, balance DECIMAL(12,2) NOT NULL, note TEXT,
            updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`,
};
const SEED = `INSERT INTO accounts (id, tenant_id, balance, note) VALUES
  (1, 'tenant_acme', 12.50, 'one'), (${TWO_53}, 'tenant_acme', 10.00, 'two to the 53'),
  (${TWO_53_PLUS_1}, 'tenant_acme', 20.00, 'two to the 53 plus one'), (9007199254740994, 'tenant_other', 30.00, 'other tenant')`;

function configFor(engine: "postgres" | "mysql") {
  const target = { ...(engine === "postgres" ? { schema: "public" } : {}), table: "accounts", primary_key: "id", tenant_key: "tenant_id" };
  const visible = ["id", "balance", "note", "updated_at"];
  return {
    version: 1,
    mode: "review",
    sources: { app: { engine, read_url_env: "ACC_READ_URL", write_url_env: "ACC_WRITE_URL" } },
    executors: { direct_sql: { type: "sql_update" } },
    capabilities: [
      {
        name: "ledger.inspect_account",
        kind: "read",
        description: "Look up one account by its numeric id.",
        source: "app",
        target,
        args: { account_id: { type: "integer", required: true, description: "Account id." } },
        lookup: { id_from_arg: "account_id" },
        visible_columns: visible,
        max_rows: 1,
      },
      {
        name: "ledger.inspect_account_text",
        kind: "read",
        description: "Look up one account by its id written as text.",
        source: "app",
        target,
        args: { account_id: { type: "string", required: true } },
        lookup: { id_from_arg: "account_id" },
        visible_columns: visible,
        max_rows: 1,
      },
      {
        name: "ledger.propose_balance",
        kind: "proposal",
        description: "Propose a new balance for one account.",
        source: "app",
        target,
        args: { account_id: { type: "integer", required: true }, new_balance: { type: "string", required: true } },
        lookup: { id_from_arg: "account_id" },
        visible_columns: visible,
        max_rows: 1,
        patch: { balance: { from_arg: "new_balance" } },
        allowed_columns: ["balance"],
        numeric_bounds: { balance: { minimum: 0, maximum: 100 } },
        conflict_guard: { column: "updated_at" },
        approval: { mode: "human" },
        executor: "direct_sql",
      },
    ],
  };
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`exact arguments on ${engine}`, () => {
    let db: TestDatabase;
    let session: StdioSession;

    before(async () => {
      db = await createDatabase(engine, "srexact");
      await db.exec(SCHEMA[engine]);
      await db.exec(SEED);
      const env = { ACC_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-exact" };
      const writeUrl = new URL(db.url);
      writeUrl.username = "writer"; // never used: these tests make proposals, nothing applies them
      const built = await buildServer(configFor(engine), { ...process.env, ...env, ACC_WRITE_URL: writeUrl.toString() }, "ACC_READ_URL");
      session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "ledger.db")]);
    });

    after(async () => {
      await session?.close();
      await db?.drop();
    });

    const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));

    test("the inputSchema says which forms a bigint key accepts", async () => {
      const { tools } = await session.client.listTools();
      const byInteger = tools.find((t) => t.name === "ledger.inspect_account")!.inputSchema.properties!.account_id as any;
      assert.deepEqual(byInteger.anyOf, [
        { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 },
        { type: "string", pattern: "^(0|-?[1-9][0-9]{0,18})$", format: "int64" },
      ]);
      const byText = tools.find((t) => t.name === "ledger.inspect_account_text")!.inputSchema.properties!.account_id as any;
      assert.equal(byText.pattern, "^(0|-?[1-9][0-9]{0,18})$");
      const balance = tools.find((t) => t.name === "ledger.propose_balance")!.inputSchema.properties!.new_balance as any;
      assert.equal(balance.pattern, "^-?(0|[1-9][0-9]{0,9})(\\.[0-9]{1,2})?$", "numeric(12,2): ten digits before the point, two after");
    });

    test("2^53+1 written as text reads its own row, next to 2^53", async () => {
      for (const [name, id] of [["ledger.inspect_account", TWO_53_PLUS_1], ["ledger.inspect_account", TWO_53], ["ledger.inspect_account_text", TWO_53_PLUS_1]] as const) {
        const e = await call(name, { account_id: id });
        assert.equal(e.ok, true, JSON.stringify(e.error));
        assert.equal(String(e.data.id), id, `${name} ${id}`);
      }
    });

    test("a JSON number past 2^53−1 is refused, never rounded to the neighbouring row", async () => {
      // The client itself cannot even write 2^53+1 as a JSON number: it sends 2^53.
      const e = await call("ledger.inspect_account", { account_id: Number(TWO_53_PLUS_1) });
      assert.equal(e.ok, false);
      assert.equal(e.error.code, "INVALID_ARGUMENT");
      assert.match(e.error.message, /JSON integer from -9007199254740991 to 9007199254740991/);
      assert.match(e.error.message, /string of digits/);
      const p = await call("ledger.propose_balance", { account_id: Number(TWO_53_PLUS_1), new_balance: "50.00" });
      assert.equal(p.error?.code, "INVALID_ARGUMENT");
    });

    test("loosely written numbers are refused before the database, saying what is accepted", async () => {
      for (const name of ["ledger.inspect_account", "ledger.inspect_account_text"]) {
        for (const loose of ["1abc", " 1", "1 ", "1e0", "01", "+1", "0x1", "1.0", "", "-0", "١"]) {
          const e = await call(name, { account_id: loose });
          assert.equal(e.ok, false, `${name} ${JSON.stringify(loose)} must not find a row`);
          assert.equal(e.error.code, "INVALID_ARGUMENT", `${name} ${JSON.stringify(loose)}`);
          assert.match(e.error.message, /no spaces, '\+', exponent, leading zeros or hex/);
        }
      }
      const plain = await call("ledger.inspect_account_text", { account_id: "1" });
      assert.equal(plain.ok, true);
      assert.equal(String(plain.data.id), "1");
    });

    test("text beyond the column's 64-bit range is refused; the range's edge is accepted and simply not found", async () => {
      const over = await call("ledger.inspect_account", { account_id: "9223372036854775808" });
      assert.equal(over.error.code, "INVALID_ARGUMENT");
      assert.match(over.error.message, /from -9223372036854775808 to 9223372036854775807/);
      const edge = await call("ledger.inspect_account", { account_id: "9223372036854775807" });
      assert.equal(edge.error.code, "NOT_FOUND_IN_TENANT");
      const under = await call("ledger.inspect_account_text", { account_id: "-9223372036854775809" });
      assert.equal(under.error.code, "INVALID_ARGUMENT");
    });

    test("a proposal on 2^53+1 targets that row; another tenant's big key is not found", async () => {
      const e = await call("ledger.propose_balance", { account_id: TWO_53_PLUS_1, new_balance: "50.00" });
      assert.equal(e.ok, true, JSON.stringify(e.error));
      assert.equal(e.proposal.target, `accounts:${TWO_53_PLUS_1}`);
      assert.equal(Number(e.proposal.diff.balance.before), 20);
      const other = await call("ledger.propose_balance", { account_id: "9007199254740994", new_balance: "50.00" });
      assert.equal(other.error.code, "NOT_FOUND_IN_TENANT");
    });

    test("decimal text: the column's scale, exact bounds and a numeric no-op check", async () => {
      const tooFine = await call("ledger.propose_balance", { account_id: 1, new_balance: "50.001" });
      assert.equal(tooFine.error.code, "INVALID_ARGUMENT", "numeric(12,2) would round 50.001");
      const over = await call("ledger.propose_balance", { account_id: 1, new_balance: "100.01" });
      assert.equal(over.error.code, "POLICY_VIOLATION");
      assert.match(over.error.message, /above the allowed maximum of 100/);
      const same = await call("ledger.propose_balance", { account_id: 1, new_balance: "12.5" });
      assert.equal(same.error?.code, "POLICY_VIOLATION", "12.5 is the row's 12.50: nothing would change");
      assert.match(same.error.message, /would not change anything/);
      const edge = await call("ledger.propose_balance", { account_id: 1, new_balance: "100.00" });
      assert.equal(edge.ok, true, JSON.stringify(edge.error));
    });
  });
}
