// Every tool publishes its own result shape in tools/list (outputSchema: `ok` and the read's row or
// the proposal's diff typed per column, null in an error envelope), and every result it returns
// validates against it: ok and error envelopes, single reads, lists of 0, 1 and n rows, proposals
// and refusals, on both engines, through a compiled server and the SDK Clients of both lines, 1.x
// and 2.x (which themselves reject a result that does not validate). Every envelope also validates
// against the full published envelope schema (schemas/result-envelope.v1.schema.json), every
// successful result against the typed result schema the build publishes in manifest.json, and
// every row has exactly its columns. A table of awkward types
// (bigint past 2^53, decimal, float NaN, boolean, JSON, arrays, enums, nulls) checks the column
// types against what the drivers really return.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { Client as Client2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as Stdio2 } from "@modelcontextprotocol/client/stdio";
import { REPO_ROOT } from "../support/cli.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

const GADGETS = {
  postgres: `
CREATE TYPE gadget_mood AS ENUM ('happy', 'sad');
CREATE TABLE public.gadgets (
  id bigint PRIMARY KEY, tenant_id text NOT NULL, price numeric(12,2) NOT NULL, weight double precision NOT NULL,
  active boolean NOT NULL, spec jsonb, made_on date, ref uuid, tags text[], note text, mood gadget_mood, seen_at timestamptz);
INSERT INTO public.gadgets VALUES
  (9007199254740993, 'tenant_acme', 12.50, 'NaN', true, '{"a":[1,"x"]}', '2026-01-02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{a,"b c"}', 'n', 'happy', '2026-05-16 09:30:00.123456+00'),
  (2, 'tenant_acme', -0.01, 1.5, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL);`,
  mysql: `
CREATE TABLE gadgets (
  id bigint PRIMARY KEY, tenant_id varchar(64) NOT NULL, price decimal(12,2) NOT NULL, weight double NOT NULL,
  active tinyint(1) NOT NULL, spec json, made_on date, ref char(36), tags varchar(100), note text, mood ENUM('happy','sad'), seen_at datetime(6));
INSERT INTO gadgets VALUES
  (9007199254740993, 'tenant_acme', 12.50, 1e300, 1, '{"a":[1,"x"]}', '2026-01-02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a,b c', 'n', 'happy', '2026-05-16 09:30:00.123456'),
  (2, 'tenant_acme', -0.01, 1.5, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL);`,
} as const;

function gadgetCapability(engine: "postgres" | "mysql") {
  return {
    name: "catalog.inspect_gadget",
    kind: "read",
    description: "Look up one gadget by id.",
    source: "app_db",
    target: { ...(engine === "postgres" ? { schema: "public" } : {}), table: "gadgets", primary_key: "id", tenant_key: "tenant_id" },
    args: { gadget_id: { type: "string", required: true, max_length: 20, description: "Gadget id in digits." } },
    lookup: { id_from_arg: "gadget_id" },
    visible_columns: ["id", "price", "weight", "active", "spec", "made_on", "ref", "tags", "note", "mood", "seen_at"],
    evidence: "required",
    max_rows: 1,
  };
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`outputSchema and structuredContent on ${engine}`, () => {
    let db: TestDatabase;
    let session: StdioSession;
    let client2: Client2;
    const validators = new Map<string, ReturnType<Ajv["compile"]>>();
    const schemas = new Map<string, any>();
    /** Each capability's typed result (manifest.json's result_schema) and its validator. */
    const results = new Map<string, { schema: any; validate: ReturnType<Ajv["compile"]> }>();
    const fullSchema = JSON.parse(readFileSync(join(REPO_ROOT, "schemas/result-envelope.v1.schema.json"), "utf8"));
    const validateFull = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }).compile(fullSchema);

    before(async () => {
      db = await createDatabase(engine, "sroutschema");
      await seedExample(db);
      await db.exec(GADGETS[engine]);
      const config = exampleConfigFor(engine);
      config.capabilities.push(gadgetCapability(engine));
      // The ticket list cut at one row, to see a truncated list's summary and shape.
      const tickets = config.capabilities.find((c: { name: string }) => c.name === "support.list_open_tickets");
      config.capabilities.push({ ...structuredClone(tickets), name: "support.first_open_ticket", max_rows: 1 });
      const env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-e2e" };
      const built = await buildServer(config, { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
      session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "ledger.db")]);
      // Strict: an unknown keyword or format in a published schema is an error, not a warning (a type
    // list such as ["integer", "string"] is standard JSON Schema and allowed).
      const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
      for (const tool of (await session.client.listTools()).tools) {
        schemas.set(tool.name, tool.outputSchema);
        validators.set(tool.name, ajv.compile(tool.outputSchema!));
      }
      const manifest = JSON.parse(readFileSync(join(built.outDir, "manifest.json"), "utf8"));
      for (const c of manifest.capabilities) results.set(c.name, { schema: c.result_schema, validate: ajv.compile(c.result_schema) });
      // The 2.x line validates structuredContent only against a tools/list it has seen.
      client2 = new Client2({ name: "output-schema-v2", version: "1.0.0" });
      await client2.connect(
        new Stdio2({
          command: process.execPath,
          args: [built.serverPath, "serve", "--transport", "stdio", "--store", join(built.runDir, "ledger-v2.db")],
          cwd: built.runDir,
          env: { PATH: process.env.PATH ?? "", ...env },
          stderr: "ignore",
        }),
      );
      assert.equal((await client2.listTools()).tools.length, schemas.size);
    });
    after(async () => {
      await client2?.close();
      await session?.close();
      await db?.drop();
    });

    /**
     * Calls through the SDK Clients of both lines (they validate too) and validates each envelope
     * again with strict Ajv, against the tool's outputSchema and the full envelope schema, and a
     * successful result against its typed result schema; a row must carry exactly its columns.
     */
    async function call(name: string, args: Record<string, unknown>) {
      const envelope = envelopeOf(await session.client.callTool({ name, arguments: args }));
      const envelope2 = envelopeOf(await client2.callTool({ name, arguments: args }));
      assert.deepEqual([envelope2.ok, envelope2.error?.code], [envelope.ok, envelope.error?.code], `${name}: same outcome on the 2.x client`);
      for (const e of [envelope, envelope2] as any[]) {
        const where = `${name} ${JSON.stringify(args)}: ${JSON.stringify(e)}`;
        const validate = validators.get(name)!;
        assert.ok(validate(e), `${where}\n${JSON.stringify(validate.errors)}`);
        assert.ok(validateFull(e), `${where}\nfull schema: ${JSON.stringify(validateFull.errors)}`);
        // (The validators' type guards narrow `e` to unknown.)
        const { schema, validate: validateResult } = results.get(name)!;
        const result = (e as any).data ?? (e as any).proposal;
        assert.equal(result === null, !(e as any).ok, `${where}: a result exactly when ok`);
        if (result !== null) assert.ok(validateResult(result), `${where}\nresult schema: ${JSON.stringify(validateResult.errors)}`);
        const isList = schema.properties.rows?.type === "array";
        const columns = Object.keys((isList ? schema.properties.rows.items : schema).properties ?? {});
        const value = (e as any).data;
        const rows = value === null ? [] : isList ? value.rows : [value];
        for (const row of rows) assert.deepEqual(Object.keys(row), columns, `${where}: exactly the visible columns`);
        const diff = (e as any).proposal?.diff;
        const published = Object.keys(schema.properties.diff?.properties ?? {});
        for (const column of Object.keys(diff ?? {})) assert.ok(published.includes(column), `${where}: ${column} is a published diff column`);
      }
      return envelope;
    }

    test("tools/list: each tool's outputSchema is ok and its result typed per column (manifest.json's result_schema), or null", () => {
      for (const [name, schema] of schemas) {
        const field = schema.properties.data ? "data" : "proposal";
        // Only what differs between tools, and ok: the other envelope fields are in the full schema.
        assert.deepEqual(Object.keys(schema.properties), ["ok", field], name);
        assert.deepEqual(schema.required, ["ok"], name);
        assert.deepEqual(schema.properties[field], { ...results.get(name)!.schema, type: ["object", "null"] }, name);
      }
      const invoice = results.get("billing.inspect_invoice")!.schema;
      assert.equal(invoice.type, "object");
      assert.deepEqual(invoice.required, ["id", "tenant_id", "customer_id", "amount_cents", "late_fee_cents", "status", "waiver_reason", "due_at", "updated_at"]);
      assert.deepEqual(invoice.properties.late_fee_cents, { type: "integer" });
      assert.deepEqual(invoice.properties.waiver_reason, { type: ["string", "null"] });
      const tickets = results.get("support.list_open_tickets")!.schema;
      assert.deepEqual(tickets.required, ["rows", "count", "truncated"]);
      assert.deepEqual(Object.keys(tickets.properties.rows.items.properties), ["id", "customer_id", "subject", "status", "priority", "created_at"]);
      assert.equal(tickets.properties.rows.maxItems, 20);
      assert.equal(results.get("support.first_open_ticket")!.schema.properties.rows.maxItems, 1);
      const waiver = results.get("billing.propose_late_fee_waiver")!.schema;
      assert.deepEqual(waiver.required, ["id", "state", "diff"]);
      assert.deepEqual(waiver.properties.diff.properties.late_fee_cents, { type: "object", required: ["before", "proposed"], properties: { before: { type: "integer" }, proposed: { type: "integer" } } });
      const gadget = results.get("catalog.inspect_gadget")!.schema.properties;
      assert.deepEqual(gadget.id, { type: "string", pattern: "^-?[0-9]+$" });
      assert.deepEqual(gadget.price, { type: "string" });
      assert.deepEqual(gadget.weight, { type: ["number", "null"] });
      assert.deepEqual(gadget.active, { type: "boolean" });
      assert.deepEqual(gadget.spec, {});
      assert.deepEqual(gadget.made_on, { type: ["string", "null"] });
    });

    test("single reads, ok and not found, validate; the summary names the row", async () => {
      const found = await call("billing.inspect_invoice", { invoice_id: "INV-3001" });
      assert.equal(found.summary, "Found the invoices row INV-3001 in your tenant.");
      const missing = await call("billing.inspect_invoice", { invoice_id: "INV-9999" });
      assert.equal(missing.error.code, "NOT_FOUND_IN_TENANT");
      const invalid = await call("billing.inspect_invoice", { invoice_id: 42 });
      assert.equal(invalid.error.code, "INVALID_ARGUMENT");
    });

    test("lists of 0, 1 and n rows validate and are counted in plain words", async () => {
      assert.equal((await call("support.list_open_tickets", { customer_id: "C-999" })).summary, "Found no rows of support_tickets in your tenant.");
      const one = await call("support.list_open_tickets", { customer_id: "C-102" });
      assert.equal(one.data.count, 1);
      assert.equal(one.summary, "Found 1 row of support_tickets in your tenant.");
      const two = await call("support.list_open_tickets", { customer_id: "C-101" });
      assert.equal(two.summary, "Found 2 rows of support_tickets in your tenant.");
      assert.equal((await call("support.list_open_tickets", {})).error.code, "INVALID_ARGUMENT");
      const cut = await call("support.first_open_ticket", { customer_id: "C-101" });
      assert.equal(cut.data.truncated, true);
      assert.equal(cut.summary, "Found 1 row of support_tickets in your tenant (the first is shown; more exist).");
    });

    test("proposals and their refusals validate; the summary names the row", async () => {
      const ok = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3003", new_late_fee_cents: 0, reason: "Outage on May 3" });
      assert.equal(ok.ok, true, ok.summary);
      assert.match(ok.summary, /^Proposal wrp_\S+ for the invoices row INV-3003 awaits human review \(late_fee_cents 5000 → 0, /);
      const refused = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3002", new_late_fee_cents: 0, reason: "paid already" });
      assert.equal(refused.error.code, "POLICY_VIOLATION");
      const missing = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-9999", new_late_fee_cents: 0, reason: "x" });
      assert.equal(missing.error.code, "NOT_FOUND_IN_TENANT");
    });

    test("awkward column types arrive as the schema says (bigint text, decimal text, NaN, JSON, arrays, nulls)", async () => {
      const full = await call("catalog.inspect_gadget", { gadget_id: "9007199254740993" });
      assert.equal(full.ok, true, full.summary);
      assert.equal(full.data.id, "9007199254740993");
      assert.equal(full.data.active, true);
      assert.deepEqual(engine === "postgres" ? full.data.spec : JSON.parse(JSON.stringify(full.data.spec)), full.data.spec);
      if (engine === "postgres") {
        assert.equal(full.data.weight, null, "NaN has no JSON number");
        assert.deepEqual(full.data.tags, ["a", "b c"]);
      }
      const sparse = await call("catalog.inspect_gadget", { gadget_id: "2" });
      assert.equal(sparse.data.price, "-0.01");
      assert.equal(sparse.data.active, false);
      assert.equal(sparse.data.mood, null);
    });
  });
}
