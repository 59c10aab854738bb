// An optional argument feeding a patch, end to end on both engines: left out, its column is
// absent from the patch, the `after` row, the diff the model gets and the change set an app
// handler receives, and the one planned UPDATE leaves the column as it is; given, it is applied.
// A proposal whose every column-setting argument is left out is refused before any database call.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createWritebackHandler, type Job } from "../../handler/index.ts";
import { createDatabase, execAsAdmin, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { approveInProcess, proposalIds, storedProposal } from "../support/review.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

const TOKEN = "optional-patch-handler-token-0123";

/** Both column-setting arguments optional, nothing fixed: a proposal must give at least one. */
function adjustment(engine: "postgres" | "mysql"): Record<string, any> {
  return {
    name: "billing.propose_invoice_adjustment",
    kind: "proposal",
    description: "Propose a new late fee, a waiver reason, or both; an argument left out leaves its column as it is.",
    source: "app_db",
    target: { ...(engine === "postgres" ? { schema: "public" } : {}), table: "invoices", primary_key: "id", tenant_key: "tenant_id" },
    args: {
      invoice_id: { type: "string", required: true, max_length: 64 },
      new_late_fee_cents: { type: "integer", minimum: 0 },
      reason: { type: "string", max_length: 500 },
    },
    lookup: { id_from_arg: "invoice_id" },
    visible_columns: ["id", "late_fee_cents", "status", "waiver_reason", "updated_at"],
    patch: { late_fee_cents: { from_arg: "new_late_fee_cents" }, waiver_reason: { from_arg: "reason" } },
    allowed_columns: ["late_fee_cents", "waiver_reason"],
    numeric_bounds: { late_fee_cents: { minimum: 0, maximum: 10000 } },
    conflict_guard: { column: "updated_at" },
    approval: { mode: "human" },
    executor: "direct_sql",
  };
}

/** The same, applied by the app team's handler over HTTP. */
function handledAdjustment(engine: "postgres" | "mysql"): Record<string, any> {
  return { ...adjustment(engine), name: "billing.propose_handled_adjustment", executor: "billing_app" };
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`optional patch arguments on ${engine}`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let session: StdioSession;
    let env: NodeJS.ProcessEnv;
    let store: string;
    let server: Server;
    let handler: ReturnType<typeof createWritebackHandler>;
    const jobs: Job[] = [];
    const roles: string[] = [];

    before(async () => {
      db = await createDatabase(engine, "sropt");
      await seedExample(db);
      const migration = await runCli(["writeback", "migration", "--engine", engine, ...(engine === "mysql" ? ["--schema", db.name] : [])]);
      assert.equal(migration.code, 0, migration.stderr);
      await db.exec(migration.stdout);

      const handlerUrlEnv = `OPT_PATCH_HANDLER_DB_${engine.toUpperCase()}`;
      process.env[handlerUrlEnv] = db.url;
      process.env.OPT_PATCH_HANDLER_TOKEN = TOKEN;
      handler = createWritebackHandler({
        tokenEnv: "OPT_PATCH_HANDLER_TOKEN",
        source: { engine, urlEnv: handlerUrlEnv },
        capabilities: {
          "billing.propose_handled_adjustment": {
            table: { ...(engine === "postgres" ? { schema: "public" } : {}), name: "invoices", primaryKey: "id", tenantKey: "tenant_id", versionColumn: "updated_at" },
            async apply(job, tx) {
              jobs.push(job);
              await tx.update("invoices", job.objectId, job.patch);
              return { effects: [{ type: "db.update", table: "invoices", id: job.objectId }] };
            },
          },
        },
      });
      server = createServer(handler.node);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));

      const config = exampleConfigFor(engine);
      if (engine === "mysql") config.executors.direct_sql.receipts_schema = db.name;
      config.executors.billing_app = { type: "http_handler", url_env: "BILLING_HANDLER_URL", auth: { type: "bearer_env", token_env: "BILLING_HANDLER_TOKEN" } };
      // The example's waiver, with its reason made optional: the fee and status are still always set.
      const waiver = config.capabilities.find((c: any) => c.name === "billing.propose_late_fee_waiver");
      waiver.args.reason.required = false;
      config.capabilities.push(adjustment(engine), handledAdjustment(engine));

      const suffix = db.name.slice(-8);
      const reader = `rd_${suffix}`;
      const writer = `wr_${suffix}`;
      roles.push(reader, writer);
      let readUrl: string;
      let writeUrl: string;
      if (engine === "postgres") {
        await db.exec(`CREATE ROLE ${reader} LOGIN; GRANT USAGE ON SCHEMA public TO ${reader}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${reader};
                       CREATE ROLE ${writer} LOGIN;`);
        const u = new URL(db.url);
        u.username = reader;
        readUrl = u.toString();
        u.username = writer;
        writeUrl = u.toString();
      } else {
        await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'rd-pass-2'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%';
                       CREATE USER '${writer}'@'%' IDENTIFIED BY 'wr-pass-2';`);
        readUrl = `mysql://${reader}:rd-pass-2@127.0.0.1:3306/${db.name}`;
        writeUrl = `mysql://${writer}:wr-pass-2@127.0.0.1:3306/${db.name}`;
      }
      env = {
        ...process.env,
        SUPPORT_DB_READ_URL: readUrl,
        SUPPORT_DB_WRITE_URL: writeUrl,
        SYNAPSOR_TENANT_ID: "tenant_acme",
        SYNAPSOR_PRINCIPAL: "agent-7",
        BILLING_HANDLER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/writeback`,
        BILLING_HANDLER_TOKEN: TOKEN,
      };
      built = await buildServer(config, env, "SUPPORT_DB_READ_URL");
      const grants = await runCli(
        ["writeback", "grants", "--engine", engine, "--writer-role", engine === "postgres" ? writer : `'${writer}'@'%'`, "--config", built.configPath, ...(engine === "mysql" ? ["--schema", db.name] : [])],
        { env },
      );
      assert.equal(grants.code, 0, grants.stderr);
      await db.exec(grants.stdout);
      store = join(built.runDir, "ledger.db");
      session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
    });

    after(async () => {
      await session?.close();
      await new Promise((r) => server?.close(r));
      await handler?.close();
      await db?.drop();
      for (const role of roles) {
        await execAsAdmin(engine, engine === "postgres" ? `DROP ROLE IF EXISTS ${role}` : `DROP USER IF EXISTS '${role}'@'%'`).catch(() => undefined);
      }
    });

    const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));
    const cli = (args: string[]) => runCli(args, { env });
    const inspect = async (invoice: string) => (await call("billing.inspect_invoice", { invoice_id: invoice })).data;
    // Approving and reading the stored proposal only set up and check what apply does: in process,
    // through the ledger functions the review commands call. Apply itself runs as the real CLI.
    const approveAndApply = async (id: string, role?: string) => {
      await approveInProcess(store, id, "dana", role);
      const applied = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      return JSON.parse(applied.stdout);
    };

    test("left out: the column is absent from diff, patch and after; apply changes the other columns and keeps it", async () => {
      await db.exec("UPDATE invoices SET waiver_reason = 'kept note' WHERE id = 'INV-3001'");
      const p = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 0 });
      assert.equal(p.ok, true, p.summary);
      assert.deepEqual(Object.keys(p.proposal.diff).sort(), ["late_fee_cents", "status"]);
      assert.doesNotMatch(p.summary, /waiver_reason/);

      const proposal = await storedProposal(store, p.proposal.id);
      assert.deepEqual(Object.keys(proposal.patch).sort(), ["late_fee_cents", "status"]);
      assert.equal(proposal.after.waiver_reason, "kept note", "after keeps the row's value");
      assert.equal(proposal.before.waiver_reason, "kept note");

      const receipt = await approveAndApply(p.proposal.id, "billing_lead");
      assert.equal(receipt.status, "applied");
      assert.equal(receipt.rows_affected, 1);
      assert.deepEqual(receipt.details.effects[0].columns, ["late_fee_cents", "status"]);
      const row = await inspect("INV-3001");
      assert.equal(row.late_fee_cents, 0);
      assert.equal(row.status, "open");
      assert.equal(row.waiver_reason, "kept note");

      const replay = await cli(["replay", "show", p.proposal.id, "--store", store]);
      assert.equal(replay.code, 0, replay.stderr);
    });

    test("given: the column is in the diff and is written", async () => {
      const p = await call("billing.propose_late_fee_waiver", { invoice_id: "INV-3005", new_late_fee_cents: 100, reason: "outage credit" });
      assert.equal(p.ok, true, p.summary);
      assert.deepEqual(Object.keys(p.proposal.diff).sort(), ["late_fee_cents", "status", "waiver_reason"]);
      const receipt = await approveAndApply(p.proposal.id, "billing_lead");
      assert.equal(receipt.status, "applied");
      assert.deepEqual(receipt.details.effects[0].columns, ["late_fee_cents", "waiver_reason", "status"]);
      const row = await inspect("INV-3005");
      assert.deepEqual([row.late_fee_cents, row.status, row.waiver_reason], [100, "open", "outage credit"]);
    });

    test("only optional columns: one given is applied alone; none given is INVALID_ARGUMENT before any read; null is not 'left out'", async () => {
      await db.exec("UPDATE invoices SET waiver_reason = 'keep me', late_fee_cents = 5000 WHERE id = 'INV-3003'");
      const before = await proposalIds(store);
      const none = await call("billing.propose_invoice_adjustment", { invoice_id: "INV-3003" });
      assert.equal(none.ok, false);
      assert.equal(none.error.code, "INVALID_ARGUMENT");
      assert.match(none.error.message, /left out/);
      assert.equal(none.evidence, null);
      const nulled = await call("billing.propose_invoice_adjustment", { invoice_id: "INV-3003", reason: null });
      assert.equal(nulled.ok, false);
      assert.equal(nulled.error.code, "INVALID_ARGUMENT");
      assert.deepEqual(await proposalIds(store), before, "nothing was stored");

      const p = await call("billing.propose_invoice_adjustment", { invoice_id: "INV-3003", new_late_fee_cents: 250 });
      assert.equal(p.ok, true, p.summary);
      assert.deepEqual(Object.keys(p.proposal.diff), ["late_fee_cents"]);
      const receipt = await approveAndApply(p.proposal.id);
      assert.equal(receipt.status, "applied");
      assert.deepEqual(receipt.details.effects[0].columns, ["late_fee_cents"]);
      const row = await inspect("INV-3003");
      assert.deepEqual([row.late_fee_cents, row.waiver_reason], [250, "keep me"]);
    });

    test("writeback doctor runs the planned UPDATE with its CASE as the least-privilege writer: ready", async () => {
      const doctor = await cli(["writeback", "doctor", "--config", built.configPath, "--from-env", "SUPPORT_DB_READ_URL", "--json"]);
      assert.equal(doctor.code, 0, doctor.stderr + doctor.stdout);
    });

    test("an app handler gets a change set without the column and leaves it as it is", async () => {
      await db.exec("UPDATE invoices SET waiver_reason = 'handler keeps', late_fee_cents = 900 WHERE id = 'INV-3004'");
      const p = await call("billing.propose_handled_adjustment", { invoice_id: "INV-3004", new_late_fee_cents: 10 });
      assert.equal(p.ok, true, p.summary);
      assert.equal(p.proposal.writeback.mode, "app_handler");
      assert.deepEqual(Object.keys(p.proposal.diff), ["late_fee_cents"]);
      const receipt = await approveAndApply(p.proposal.id);
      assert.equal(receipt.status, "applied", JSON.stringify(receipt));
      const job = jobs.at(-1)!;
      assert.deepEqual(job.patch, { late_fee_cents: 10 });
      assert.equal(job.after.waiver_reason, "handler keeps");
      const row = await inspect("INV-3004");
      assert.deepEqual([row.late_fee_cents, row.waiver_reason], [10, "handler keeps"]);
    });
  });
}
