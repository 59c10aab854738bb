// The whole product path on both engines: build against a live database, copy server.mjs
// alone into an empty directory, and drive it with the MCP SDK client over stdio and HTTP.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import { buildServer, connectHttp, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

const SECRET_PASSWORD = "Pw-7c1e-NEVER-LEAK-93f2";
const SECRET_TOKEN = "tok-5a8d-NEVER-LEAK-d41b-0000";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`compiled server on ${engine}`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let readUrl: string;
    let env: Record<string, string>;
    let session: StdioSession;

    before(async () => {
      db = await createDatabase(engine, "srsrv");
      await seedExample(db);
      if (engine === "mysql") {
        // A least-privilege reader with a real password, so the secret is exercised end to end.
        const user = `r_${db.name.slice(-8)}`;
        await db.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY '${SECRET_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.* TO '${user}'@'%'`);
        readUrl = `mysql://${user}:${SECRET_PASSWORD}@127.0.0.1:3306/${db.name}`;
      } else {
        // Local Postgres uses trust auth, which accepts (and ignores) the password.
        const u = new URL(db.url);
        u.password = SECRET_PASSWORD;
        readUrl = u.toString();
      }
      env = { SUPPORT_DB_READ_URL: readUrl, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-e2e" };
      built = await buildServer(exampleConfigFor(engine), { ...process.env, ...env, SUPPORT_DB_WRITE_URL: `${readUrl}?w=${SECRET_PASSWORD}` }, "SUPPORT_DB_READ_URL");
      session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "ledger.db")]);
    });

    after(async () => {
      await session?.close();
      if (engine === "mysql") await db.exec(`DROP USER IF EXISTS 'r_${db.name.slice(-8)}'@'%'`).catch(() => undefined);
      await db?.drop();
    });

    const call = async (name: string, args: unknown) => envelopeOf(await session.client.callTool({ name, arguments: args as Record<string, unknown> }));

    test("tools are exactly the configured capabilities, with schemas and annotations", async () => {
      const { tools } = await session.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"]);
      const read = tools.find((t) => t.name === "billing.inspect_invoice")!;
      // Only the hints away from the MCP defaults: read-only and closed-world.
      assert.deepEqual(read.annotations, { readOnlyHint: true, openWorldHint: false });
      // Its own result typed: ok, and the row (or null, in an error envelope); only ok is required.
      const output = read.outputSchema as any;
      assert.deepEqual(output.required, ["ok"]);
      assert.deepEqual(Object.keys(output.properties), ["ok", "data"]);
      assert.deepEqual(output.properties.data.type, ["object", "null"]);
      assert.deepEqual(output.properties.data.properties.waiver_reason, { type: ["string", "null"] });
      assert.equal((read.inputSchema.properties as any).invoice_id.maxLength, 64);
      // The evidence handle is explained once (instructions, each result's note), not in every description.
      assert.doesNotMatch(read.description ?? "", /evidence handle/);
      assert.match(session.client.getInstructions() ?? "", /evidence handle/);
      const proposal = tools.find((t) => t.name === "billing.propose_late_fee_waiver")!;
      // Not read-only (the default), but not destructive either: it records a proposal, nothing else.
      assert.deepEqual(proposal.annotations, { destructiveHint: false, openWorldHint: false });
      assert.equal(proposal._meta, undefined);
      assert.deepEqual(Object.keys((proposal.outputSchema as any).properties), ["ok", "proposal"]);
      assert.match(proposal.description ?? "", /Nothing changes until a person approves it\.$/);
    });

    test("a single-row read returns only visible columns, scoped to the tenant", async () => {
      const e = await call("billing.inspect_invoice", { invoice_id: "INV-3001" });
      assert.equal(e.ok, true);
      assert.equal(e.kind, "read");
      assert.equal(e.data.id, "INV-3001");
      assert.equal(e.data.late_fee_cents, 2500);
      assert.equal(e.data.updated_at, "2026-05-16T09:30:00.123456Z");
      assert.equal("internal_notes" in e.data, false, "hidden column must not leave the database");
      assert.match(e.evidence.bundle_id, /^ev_/);
      assert.equal(e.source_database_changed, false);
      assert.deepEqual(e._meta, { tenant_id: "tenant_acme", principal: "agent-e2e", provenance: "environment", canonical_capability: "billing.inspect_invoice" });
    });

    test("another tenant's row is indistinguishable from a missing one", async () => {
      const other = await call("billing.inspect_invoice", { invoice_id: "INV-4001" });
      const missing = await call("billing.inspect_invoice", { invoice_id: "INV-9999" });
      assert.equal(other.ok, false);
      assert.equal(other.error.code, "NOT_FOUND_IN_TENANT");
      assert.deepEqual(other.error, missing.error);
      assert.equal(other.summary, missing.summary);
      assert.equal(other.data, null);
    });

    test("a list read filters, orders and stays in the tenant", async () => {
      const e = await call("support.list_open_tickets", { customer_id: "C-101" });
      assert.equal(e.ok, true);
      assert.deepEqual(e.data.rows.map((r: any) => r.id), ["T-1001", "T-1003"]);
      assert.equal(e.data.truncated, false);
      assert.ok(e.data.rows.every((r: any) => r.status === "open"));
      const foreign = await call("support.list_open_tickets", { customer_id: "C-201" });
      assert.deepEqual(foreign.data.rows, []);
    });

    test("bad input gets stable codes and never raw driver text", async () => {
      const cases: Array<[string, unknown, string]> = [
        ["billing.inspect_invoice", { invoice_id: "x".repeat(10_240) }, "INVALID_ARGUMENT"],
        ["billing.inspect_invoice", { invoice_id: "INV-3001' OR '1'='1" }, "NOT_FOUND_IN_TENANT"],
        ["billing.inspect_invoice", { invoice_id: "'; DROP TABLE invoices; --" }, "NOT_FOUND_IN_TENANT"],
        ["billing.inspect_invoice", { invoice_id: 3001 }, "INVALID_ARGUMENT"],
        ["billing.inspect_invoice", { invoice_id: "INV-3001", tenant_id: "tenant_globex" }, "INVALID_ARGUMENT"],
        ["billing.inspect_invoice", {}, "INVALID_ARGUMENT"],
        ["billing.inspect_invoice", { invoice_id: "INV\u00003001" }, "INVALID_ARGUMENT"],
        ["billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 1.5, reason: "x" }, "INVALID_ARGUMENT"],
      ];
      for (const [name, args, code] of cases) {
        const e = await call(name, args);
        assert.equal(e.ok, false, `${name} ${JSON.stringify(args).slice(0, 60)}`);
        assert.equal(e.error.code, code, `${JSON.stringify(args).slice(0, 60)} → ${e.error.message}`);
        assert.doesNotMatch(e.error.message, /syntax|SQL|ECONN|ER_|relation|column "|xxxxxxxx/i);
      }
      // An unknown tool is the spec's protocol error: -32602 with the stable code in data.
      for (const name of ["billing.drop_everything", "t".repeat(20_000)]) {
        const error = await session.client.callTool({ name, arguments: {} }).then(
          () => assert.fail(`${name.slice(0, 30)} must be an unknown tool`),
          (err: { code?: number; message?: string; data?: unknown }) => err,
        );
        assert.equal(error.code, -32602);
        assert.deepEqual(error.data, { code: "CAPABILITY_NOT_FOUND", retryable: false });
        assert.ok(String(error.message).length < 300, "a 20,000-character tool name is echoed only in a bounded form");
      }
      // The table is still there.
      assert.equal((await call("billing.inspect_invoice", { invoice_id: "INV-3001" })).ok, true);
    });

    test("a proposal stores a diff for review and leaves the source row untouched", async () => {
      const e = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3003", new_late_fee_cents: 0, reason: "Outage on May 3 (T-1001)" });
      assert.equal(e.ok, true, e.summary);
      assert.equal(e.kind, "proposal");
      assert.equal(e.data, null);
      assert.match(e.proposal.id, /^wrp_/);
      assert.equal(e.proposal.state, "review_required");
      assert.equal(e.proposal.target, "invoices:INV-3003");
      assert.deepEqual(e.proposal.diff, {
        late_fee_cents: { before: 5000, proposed: 0 },
        waiver_reason: { before: null, proposed: "Outage on May 3 (T-1001)" },
        status: { before: "overdue", proposed: "open" },
      });
      assert.equal(e.proposal.approval_required, true);
      assert.deepEqual(e.proposal.writeback, { mode: "direct_update", applied: false });
      assert.equal(e.source_database_changed, false);
      const after = await call("billing.inspect_invoice", { invoice_id: "INV-3003" });
      assert.equal(after.data.late_fee_cents, 5000);
      assert.equal(after.data.status, "overdue");

      const resource = await session.client.readResource({ uri: `synapsor://proposals/${e.proposal.id}` });
      const body = JSON.parse((resource.contents[0] as { text: string }).text);
      assert.equal(body.id, e.proposal.id);
      assert.equal(body.state, "review_required");
      // An unkeyed hash of the change set (hidden before/after values included) would let a
      // caller test guesses of hidden values offline: reviewers see it, the model does not.
      assert.equal("hash" in body, false);
      assert.equal(body.review, null, "no decision yet");
      const evidence = await session.client.readResource({ uri: `synapsor://evidence/${e.evidence.bundle_id}` });
      assert.match((evidence.contents[0] as { text: string }).text, /INV-3003/);

      // A person rejects it (the ledger rules every review front end uses); the agent reads why, not who.
      const ledger = await openLedger({ path: join(built.runDir, "ledger.db") });
      try {
        const decided = await ledger.proposals.decide({ proposalId: e.proposal.id, decision: "rejected", actor: "dana", reason: "Already credited in May." });
        assert.equal(decided.ok, true);
      } finally {
        await ledger.close();
      }
      const rejected = JSON.parse(((await session.client.readResource({ uri: `synapsor://proposals/${e.proposal.id}` })).contents[0] as { text: string }).text);
      assert.equal(rejected.state, "rejected");
      assert.equal(rejected.review.decision, "rejected");
      assert.equal(rejected.review.reason, "Already credited in May.");
      assert.match(rejected.review.decided_at, /^\d{4}-\d{2}-\d{2}T/);
      assert.equal(JSON.stringify(rejected).includes("dana"), false);
    });

    test("policy: transition guard, numeric bounds and other tenants' rows", async () => {
      const paid = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3002", new_late_fee_cents: 0, reason: "x" });
      assert.equal(paid.error.code, "POLICY_VIOLATION");
      assert.match(paid.error.message, /status/);
      const tooHigh = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 20_000, reason: "x" });
      assert.equal(tooHigh.error.code, "POLICY_VIOLATION");
      assert.match(tooHigh.error.message, /maximum of 10000/);
      const foreign = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-4001", new_late_fee_cents: 0, reason: "x" });
      assert.equal(foreign.error.code, "NOT_FOUND_IN_TENANT");
    });

    test("resources are scoped to the trusted tenant", async () => {
      const e = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3005", new_late_fee_cents: 500, reason: "goodwill" });
      // A second server on the first one's store, on purpose: the store's lease refuses that without the flag.
      const globex = await connectStdio(built.serverPath, built.runDir, { ...env, SYNAPSOR_TENANT_ID: "tenant_globex" }, [
        "--store",
        join(built.runDir, "ledger.db"),
        "--allow-concurrent-store",
      ]);
      try {
        await assert.rejects(globex.client.readResource({ uri: `synapsor://proposals/${e.proposal.id}` }), /not found/i);
        await assert.rejects(globex.client.readResource({ uri: `synapsor://evidence/${e.evidence.bundle_id}` }), /not found/i);
      } finally {
        await globex.close();
      }
    });

    test("Streamable HTTP serves the same tools behind a bearer token", async () => {
      const http = await connectHttp(built.serverPath, built.runDir, env, SECRET_TOKEN, ["--store", join(built.runDir, "ledger-http.db")]);
      try {
        const e = envelopeOf(await http.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
        assert.equal(e.ok, true);
        const list = envelopeOf(await http.client.callTool({ name: "support.list_open_tickets", arguments: { customer_id: "C-102" } }));
        assert.deepEqual(list.data.rows.map((r: any) => r.id), ["T-1005"]);
        const proposal = envelopeOf(
          await http.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "http" } }),
        );
        assert.equal(proposal.proposal.state, "review_required");
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
        const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
        const none = await fetch(http.url, { method: "POST", headers, body });
        assert.equal(none.status, 401);
        const wrong = await fetch(http.url, { method: "POST", headers: { ...headers, authorization: "Bearer wrong-token-wrong-token" }, body });
        assert.equal(wrong.status, 401);
        assert.doesNotMatch(await wrong.text(), /billing/);
      } finally {
        await http.close();
      }
    });

    test("no secret appears in generated files, the bundle, results, the ledger or logs", async () => {
      const files = listFiles(built.dir).concat(listFiles(built.runDir));
      for (const file of files) {
        const bytes = readFileSync(file);
        assert.equal(bytes.includes(SECRET_PASSWORD), false, `${file} contains the database password`);
        assert.equal(bytes.includes(SECRET_TOKEN), false, `${file} contains the HTTP token`);
      }
      const results = JSON.stringify(await session.client.listTools()) + session.stderr() + built.buildOutput.stdout + built.buildOutput.stderr;
      assert.equal(results.includes(SECRET_PASSWORD), false);
      assert.ok(files.some((f) => f.endsWith("ledger.db")), "the ledger file was checked");
    });
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
