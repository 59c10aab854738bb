// The sql_update executor against real Postgres and MariaDB, running the statements the build
// planned for the example's waiver (compiled here against the live schema), connected as a
// least-privilege writer that holds exactly the GRANTs `writeback grants` prints, with the
// receipts table from `writeback migration`: applied, exactly-once, conflicts, tenant and
// transition guards, timestamp precision, racing applies, a writer killed mid-transaction,
// and safe failures.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import mysql from "mysql2/promise";
import { createDatabase, MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { runCli } from "../support/cli.ts";
import { openAdapter } from "../../runtime/db/index.ts";
import { createSqlUpdateExecutor } from "../../runtime/executors/sql-update.ts";
import { plannedWriteFrom } from "../../runtime/executors/planned-write.ts";
import type { SqlUpdatePlan } from "../../runtime/executors/write-plan.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import { inspectDatabase } from "../../compiler/inspect/index.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { planContract } from "../../compiler/pipeline.ts";
import type { Receipt, WritebackRequest } from "../../runtime/executors/protocol.ts";
import { normaliseTimestamp, type Scalar } from "../../runtime/values.ts";

const SQL_UPDATE_MODULE = new URL("../../runtime/executors/sql-update.ts", import.meta.url).href;
const PLANNED_WRITE_MODULE = new URL("../../runtime/executors/planned-write.ts", import.meta.url).href;
const WAIVER = "billing.propose_late_fee_waiver";
/** Driver phrases that must never reach a receipt. */
const RAW_DRIVER_TEXT = [
  /duplicate key|violates|relation "|does not exist|doesn't exist|denied for|command denied|syntax|sqlstate|econnrefused|postgres:\/\/|mysql:\/\//i,
  /\bER_[A-Z_]+/,
];

interface Sql {
  query(text: string, params?: unknown[]): Promise<Array<Record<string, any>>>;
  close(): Promise<void>;
}

/** One admin connection to a database (Postgres in UTC, so inserted timestamps mean what they say). */
async function connect(engine: "postgres" | "mysql", url: string): Promise<Sql> {
  if (engine === "postgres") {
    const client = new pg.Client({ connectionString: url, options: "-c TimeZone=UTC" });
    await client.connect();
    return { query: async (text, params) => (await client.query(text, params)).rows, close: () => client.end() };
  }
  const conn = await mysql.createConnection({ uri: url, timezone: "Z", dateStrings: true });
  await conn.query("SET time_zone = '+00:00'");
  return { query: async (text, params) => (await conn.query(text, params))[0] as any[], close: () => conn.end() };
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`sql_update executor on ${engine}`, () => {
    const p = (n: number) => (engine === "postgres" ? `$${n}` : "?");
    const receiptsTable = engine === "postgres" ? "synapsor.synapsor_writeback_receipts" : "synapsor_writeback_receipts";
    const role = `sr_writer_${randomBytes(4).toString("hex")}`;
    let db: TestDatabase;
    let admin: Sql;
    let writerUrl: string;
    let grantsScript: string;
    let configPath: string;
    let snapshot: SchemaSnapshot;
    let waiverPlan: SqlUpdatePlan;
    const receipts: Receipt[] = [];
    const opened: Array<{ close(): Promise<void> }> = [];

    /** The planned write of one capability of the example config (optionally edited), compiled against `schema`. */
    function planWrite(edit: (config: Record<string, any>) => void = () => {}, capability = WAIVER, schema = snapshot): SqlUpdatePlan {
      const config = exampleConfigFor(engine);
      edit(config);
      const validated = validateContract(config);
      assert.ok(validated.ok, JSON.stringify(!validated.ok && validated.diagnostics));
      const planned = planContract({ contract: validated.value, snapshot: schema, configPath, configSha256: "0".repeat(64) });
      assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
      const write = planned.plan.capabilities.find((c) => c.name === capability)?.proposal?.write;
      assert.ok(write, `${capability} has a planned sql_update write`);
      return write;
    }

    /** An executor on the writer credential; every receipt it returns is kept for the leak check. */
    function executor(overrides: { writeUrl?: string; plan?: SqlUpdatePlan } = {}) {
      const ex = createSqlUpdateExecutor({
        write: plannedWriteFrom(overrides.plan ?? waiverPlan),
        writeUrl: overrides.writeUrl ?? writerUrl,
        statementTimeoutMs: 5000,
      });
      opened.push(ex);
      return {
        async execute(request: WritebackRequest) {
          const result = await ex.execute(request);
          receipts.push(result.receipt);
          return result;
        },
      };
    }

    before(async () => {
      db = await createDatabase(engine, "srwb");
      await seedExample(db);
      const dir = tempDir("synapsor-writeback-");
      configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, JSON.stringify(exampleConfigFor(engine), null, 2));

      const migration = await runCli(["writeback", "migration", "--engine", engine]);
      assert.equal(migration.code, 0, migration.stderr);
      await db.exec(migration.stdout);

      const inspected = await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "TEST_DB_URL" });
      assert.ok(inspected.ok);
      snapshot = inspected.snapshot;
      waiverPlan = planWrite();

      // grants reads the compiled plan; without a snapshot it compiles against the read URL's live schema.
      const grants = await runCli(["writeback", "grants", "--engine", engine, "--writer-role", role, "--config", configPath], {
        env: { ...process.env, SUPPORT_DB_READ_URL: db.url },
      });
      assert.equal(grants.code, 0, grants.stderr);
      grantsScript = grants.stdout;
      const server = await connect(engine, engine === "postgres" ? PG_ADMIN_URL : MYSQL_ADMIN_URL);
      try {
        if (engine === "postgres") await server.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'writer-pw'`);
        else await server.query(`CREATE USER '${role}'@'%' IDENTIFIED BY 'writer-pw'`);
      } finally {
        await server.close();
      }
      await db.exec(grantsScript);
      const url = new URL(db.url);
      url.username = role;
      url.password = "writer-pw";
      writerUrl = url.toString();
      admin = await connect(engine, db.url);
    });

    after(async () => {
      for (const ex of opened) await ex.close();
      await admin?.close();
      await db?.drop();
      const server = await connect(engine, engine === "postgres" ? PG_ADMIN_URL : MYSQL_ADMIN_URL);
      try {
        await server.query(engine === "postgres" ? `DROP ROLE IF EXISTS "${role}"` : `DROP USER IF EXISTS '${role}'@'%'`);
      } finally {
        await server.close();
      }
    });

    /** A fresh overdue invoice of tenant_acme, last updated at 2026-05-16 09:30:00.123456 UTC. */
    async function overdueInvoice(): Promise<string> {
      const id = `INV-T${randomBytes(3).toString("hex")}`;
      await admin.query(
        `INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, status, due_at, updated_at) ` +
          `VALUES (${p(1)}, 'tenant_acme', 'C-101', 10000, 2500, 'overdue', '2026-04-30 23:59:59', '2026-05-16 09:30:00.123456')`,
        [id],
      );
      return id;
    }

    async function invoice(id: string): Promise<Record<string, any>> {
      const version = engine === "postgres" ? "updated_at::text" : "updated_at";
      const [row] = await admin.query(`SELECT late_fee_cents, status, waiver_reason, ${version} AS updated_at FROM invoices WHERE id = ${p(1)}`, [id]);
      return { ...row!, updated_at: normaliseTimestamp(row!.updated_at) };
    }

    async function receiptRows(key: string): Promise<Array<Record<string, any>>> {
      return admin.query(`SELECT status, rows_affected, previous_version, new_version FROM ${receiptsTable} WHERE idempotency_key = ${p(1)}`, [key]);
    }

    function request(id: string, options: { expected?: Scalar; tenant?: string; noVersion?: boolean; patch?: Record<string, Scalar> } = {}): WritebackRequest {
      const tenant = options.tenant ?? "tenant_acme";
      const proposal = `prop_${randomBytes(6).toString("hex")}`;
      return {
        protocol_version: "1.0",
        proposal_id: proposal,
        idempotency_key: `${proposal}:${id}`,
        issued_at: new Date().toISOString(),
        change_set: {
          action: "billing.propose_late_fee_waiver",
          scope: { tenant_id: tenant, object_id: id },
          principal: { id: "agent-7" },
          target: { schema: engine === "postgres" ? "public" : null, table: "invoices", primary_key: { column: "id", value: id } },
          before: { late_fee_cents: 2500, waiver_reason: null, status: "overdue" },
          patch: options.patch ?? { late_fee_cents: 0, waiver_reason: "May 3 outage (T-1001)", status: "open" },
          after: { late_fee_cents: 0, waiver_reason: "May 3 outage (T-1001)", status: "open" },
          guards: {
            tenant: { column: "tenant_id", value: tenant },
            expected_version: options.noVersion ? null : { column: "updated_at", value: options.expected ?? "2026-05-16T09:30:00.123456Z" },
            transitions: [{ column: "status", from: ["overdue"], to: ["open"] }],
          },
          evidence: { bundle_id: "ev_test" },
        },
        approval: { actor: "dana", role: "billing_lead", approved_at: new Date().toISOString(), proposal_hash: "sha256:test" },
      };
    }

    test("adapter transactions run in a UTC session, commit on resolve and roll back on reject", async () => {
      const adapter = await openAdapter(engine, { url: db.url, statementTimeoutMs: 300, maxConnections: 1 });
      try {
        const zone = engine === "postgres" ? "SELECT current_setting('TimeZone') AS tz" : "SELECT @@session.time_zone AS tz";
        const tz = await adapter.transaction(async (tx) => (await tx.execute({ name: "tz", text: zone }, [])).rows[0]!.tz);
        assert.match(String(tz), /^(UTC|\+00:00)$/);
        await assert.rejects(
          adapter.transaction(async (tx) => {
            await tx.execute({ name: "ins", text: `INSERT INTO tenants (id, name) VALUES (${p(1)}, 'Rolled back')` }, ["tenant_rb"]);
            throw new Error("work failed");
          }),
          /work failed/,
        );
        assert.equal((await admin.query(`SELECT id FROM tenants WHERE id = 'tenant_rb'`)).length, 0);
        const inserted = await adapter.transaction((tx) => tx.execute({ name: "ins_kept", text: `INSERT INTO tenants (id, name) VALUES (${p(1)}, 'Kept')` }, ["tenant_kept"]));
        assert.equal(inserted.rowCount, 1);
        assert.equal((await admin.query(`SELECT id FROM tenants WHERE id = 'tenant_kept'`)).length, 1);
        if (engine === "postgres") {
          // The statement timeout applies inside transactions too, and the connection stays usable.
          await assert.rejects(adapter.transaction((tx) => tx.execute({ name: "sleep", text: "SELECT pg_sleep(2)" }, [])), { code: "57014" });
          assert.equal((await adapter.query({ name: "one", text: "SELECT 1 AS one" }, []))[0]!.one, 1);
        }
      } finally {
        await adapter.close();
      }
    });

    test("the writer holds only the printed grants: receipts table plus column-level UPDATE", () => {
      assert.match(grantsScript, /GRANT SELECT, INSERT, UPDATE ON .*synapsor_writeback_receipts/);
      assert.match(grantsScript, /GRANT UPDATE \(.late_fee_cents., .waiver_reason., .status., .updated_at.\) ON /);
      assert.doesNotMatch(grantsScript, /internal_notes|ALL PRIVILEGES|DELETE/);
    });

    test("applied: the row changes, the receipt row is stored, the version moves forward", async () => {
      const id = await overdueInvoice();
      const req = request(id);
      const { receipt } = await executor().execute(req);
      assert.equal(receipt.status, "applied", receipt.message);
      assert.equal(receipt.rows_affected, 1);
      assert.equal(receipt.source_database_mutated, true);
      assert.equal(receipt.safe_error_code, null);
      assert.equal(receipt.previous_version, "2026-05-16T09:30:00.123456Z");
      assert.ok(Date.parse(String(receipt.new_version)) > Date.parse(String(receipt.previous_version)));
      const row = await invoice(id);
      assert.equal(row.late_fee_cents, 0);
      assert.equal(row.status, "open");
      assert.equal(row.waiver_reason, "May 3 outage (T-1001)");
      const stored = await receiptRows(req.idempotency_key);
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.status, "applied");
      assert.equal(stored[0]!.rows_affected, 1);
      assert.equal(stored[0]!.new_version, receipt.new_version);
    });

    test("a second execute of the same request is already_applied and writes nothing", async () => {
      const id = await overdueInvoice();
      const req = request(id);
      const first = await executor().execute(req);
      assert.equal(first.receipt.status, "applied");
      const afterFirst = await invoice(id);
      const second = await executor().execute(req);
      assert.equal(second.receipt.status, "already_applied", second.receipt.message);
      assert.equal(second.receipt.rows_affected, 0);
      assert.equal(second.receipt.source_database_mutated, false);
      assert.equal(second.receipt.new_version, first.receipt.new_version);
      assert.deepEqual(await invoice(id), afterFirst);
      assert.equal((await receiptRows(req.idempotency_key)).length, 1);
    });

    test("a person edits the row after the proposal: conflict, the edit stays", async () => {
      const id = await overdueInvoice();
      await admin.query(`UPDATE invoices SET late_fee_cents = 1000 WHERE id = ${p(1)}`, [id]);
      const req = request(id);
      const { receipt } = await executor().execute(req);
      assert.equal(receipt.status, "conflict");
      assert.equal(receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
      assert.equal(receipt.source_database_mutated, false);
      const row = await invoice(id);
      assert.equal(row.late_fee_cents, 1000);
      assert.equal(row.status, "overdue");
      assert.equal((await receiptRows(req.idempotency_key)).length, 0, "the receipt claim was rolled back");
    });

    test("another tenant's row: conflict ROW_NOT_FOUND_OR_WRONG_TENANT, nothing changes", async () => {
      const id = await overdueInvoice();
      const { receipt } = await executor().execute(request(id, { tenant: "tenant_globex" }));
      assert.equal(receipt.status, "conflict");
      assert.equal(receipt.safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT");
      assert.equal((await invoice(id)).late_fee_cents, 2500);
      const missing = await executor().execute(request("INV-NOPE"));
      assert.equal(missing.receipt.safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT");
    });

    test("the transition guard holds at apply time: a row moved to 'paid' is not reopened", async () => {
      const id = await overdueInvoice();
      await admin.query(`UPDATE invoices SET status = 'paid' WHERE id = ${p(1)}`, [id]);
      const guarded = await executor().execute(request(id));
      assert.equal(guarded.receipt.status, "conflict");
      assert.equal(guarded.receipt.safe_error_code, "TRANSITION_NOT_ALLOWED");
      // Built without a version guard, only the transition guard stands between the patch and the row.
      const plan = planWrite((config) => void delete config.capabilities.find((c: any) => c.name === WAIVER).conflict_guard);
      const unversioned = await executor({ plan }).execute(request(id, { noVersion: true }));
      assert.equal(unversioned.receipt.safe_error_code, "TRANSITION_NOT_ALLOWED");
      const row = await invoice(id);
      assert.equal(row.status, "paid");
      assert.equal(row.late_fee_cents, 2500);
    });

    test("a millisecond-precision expected version matches the microsecond column; a different millisecond does not", async () => {
      const id = await overdueInvoice();
      const stale = await executor().execute(request(id, { expected: "2026-05-16T09:30:00.124Z" }));
      assert.equal(stale.receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
      const { receipt } = await executor().execute(request(id, { expected: "2026-05-16T09:30:00.123Z" }));
      assert.equal(receipt.status, "applied", receipt.message);
      assert.equal((await invoice(id)).late_fee_cents, 0);
    });

    test("two executors racing on one request: one applied, one already_applied, one receipt, one write", async () => {
      const id = await overdueInvoice();
      const req = request(id);
      const results = await Promise.all([executor().execute(req), executor().execute(req)]);
      assert.deepEqual(results.map((r) => r.receipt.status).sort(), ["already_applied", "applied"]);
      const applied = results.find((r) => r.receipt.status === "applied")!.receipt;
      const stored = await receiptRows(req.idempotency_key);
      assert.equal(stored.length, 1);
      // The row's version is the one the single applied write set.
      assert.equal((await invoice(id)).updated_at, applied.new_version);
      assert.equal(stored[0]!.new_version, applied.new_version);
    });

    test("a writer killed mid-transaction leaves the row untouched; a retry ends applied", async () => {
      const id = await overdueInvoice();
      const req = request(id);
      // Hold the row lock, so the child's transaction (receipt already claimed) blocks in its UPDATE.
      const blocker = await connect(engine, db.url);
      await blocker.query(engine === "postgres" ? "BEGIN" : "START TRANSACTION");
      await blocker.query(`SELECT id FROM invoices WHERE id = ${p(1)} FOR UPDATE`, [id]);

      const script = join(tempDir("synapsor-crash-"), "apply-child.mjs");
      writeFileSync(
        script,
        `import { createSqlUpdateExecutor } from ${JSON.stringify(SQL_UPDATE_MODULE)};\n` +
          `import { plannedWriteFrom } from ${JSON.stringify(PLANNED_WRITE_MODULE)};\n` +
          `const options = JSON.parse(process.env.EXECUTOR_OPTIONS);\n` +
          `const ex = createSqlUpdateExecutor({ ...options, write: plannedWriteFrom(options.plan) });\n` +
          `process.stdout.write("started\\n");\n` +
          `const r = await ex.execute(JSON.parse(process.env.WRITEBACK_REQUEST));\n` +
          `process.stdout.write(JSON.stringify(r.receipt) + "\\n");\n` +
          `await ex.close();\n`,
      );
      const child = spawn(process.execPath, [script], {
        env: {
          ...process.env,
          EXECUTOR_OPTIONS: JSON.stringify({ plan: waiverPlan, writeUrl: writerUrl, statementTimeoutMs: 30000 }),
          WRITEBACK_REQUEST: JSON.stringify(req),
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let childOut = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (childOut += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (childOut += d));
      const exited = new Promise((resolve) => child.on("exit", resolve));
      try {
        await waitFor(async () => (await lockWaiters()) > 0, 15_000, () => `the child never blocked on the row lock: ${childOut}`);
        child.kill("SIGKILL");
        await exited;
      } finally {
        await blocker.query("ROLLBACK");
        await blocker.close();
      }
      assert.doesNotMatch(childOut, /applied/, "the child was killed before it finished");
      await waitFor(async () => (await writerSessions()) === 0, 15_000, "the killed writer's session did not end");

      const row = await invoice(id);
      assert.equal(row.late_fee_cents, 2500);
      assert.equal(row.status, "overdue");
      assert.equal((await receiptRows(req.idempotency_key)).length, 0);
      const retry = await executor().execute(req);
      assert.equal(retry.receipt.status, "applied", retry.receipt.message);
      assert.equal((await invoice(id)).late_fee_cents, 0);
    });

    async function lockWaiters(): Promise<number> {
      const [row] =
        engine === "postgres"
          ? await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = $2 AND wait_event_type = 'Lock'`, [db.name, role])
          : // MariaDB's innodb_trx does not list the waiting prepared statement; the processlist does.
            await admin.query(`SELECT count(*) AS n FROM information_schema.processlist WHERE user = ? AND info LIKE '/* synapsor:% */ UPDATE \`invoices\`%'`, [role]);
      return Number(row!.n);
    }

    /** Writer sessions doing something; idle pooled connections of earlier executors do not count. */
    async function writerSessions(): Promise<number> {
      const [row] =
        engine === "postgres"
          ? await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state <> 'idle'`, [role])
          : await admin.query(`SELECT count(*) AS n FROM information_schema.processlist WHERE user = ? AND command <> 'Sleep'`, [role]);
      return Number(row!.n);
    }

    test("a change set that is not the planned write is refused before any SQL", async () => {
      const id = await overdueInvoice();
      const cases: Array<[string, (r: WritebackRequest) => void]> = [
        ["an extra patch column", (r) => void (r.change_set.patch.internal_notes = "x")],
        ["a missing patch column", (r) => void delete r.change_set.patch.waiver_reason],
        ["another table", (r) => void (r.change_set.target.table = "customers")],
        ["another key column", (r) => void (r.change_set.target.primary_key.column = "customer_id")],
        ["another tenant column", (r) => void (r.change_set.guards.tenant.column = "customer_id")],
        ["a tenant guard that is not the scope's", (r) => void (r.change_set.guards.tenant.value = "tenant_globex")],
        ["another capability", (r) => void (r.change_set.action = "billing.other")],
        ["no expected version", (r) => void (r.change_set.guards.expected_version = null)],
        ["a version that is no timestamp", (r) => void (r.change_set.guards.expected_version = { column: "updated_at", value: 7 })],
      ];
      for (const [label, edit] of cases) {
        const req = request(id);
        edit(req);
        const { receipt } = await executor().execute(req);
        assert.equal(receipt.status, "failed", label);
        assert.equal(receipt.safe_error_code, "INTERNAL", label);
        assert.match(receipt.message, /nothing was sent to the database/, label);
        assert.equal((await receiptRows(req.idempotency_key)).length, 0, label);
      }
      assert.equal((await invoice(id)).late_fee_cents, 2500);
    });

    test("a column the writer may not update: WRITE_PERMISSION_DENIED, the receipt claim rolled back", async () => {
      const id = await overdueInvoice();
      // A build that also patches internal_notes, run by a writer granted for the example's build.
      const plan = planWrite((config) => {
        const cap = config.capabilities.find((c: any) => c.name === WAIVER);
        cap.allowed_columns.push("internal_notes");
        cap.patch.internal_notes = { fixed: "x" };
      });
      const req = request(id, { patch: { late_fee_cents: 0, waiver_reason: "May 3 outage (T-1001)", status: "open", internal_notes: "x" } });
      const result = await executor({ plan }).execute(req);
      assert.equal(result.receipt.status, "failed");
      assert.equal(result.receipt.safe_error_code, "WRITE_PERMISSION_DENIED");
      assert.match(result.internal ?? "", /denied/i, "the driver's text is kept for the ledger only");
      assert.equal((await receiptRows(req.idempotency_key)).length, 0);
    });

    test("a missing receipts table: failed RECEIPTS_TABLE_MISSING naming the migration command", async () => {
      const id = await overdueInvoice();
      // The admin credential, so the database reports a missing table rather than a missing grant.
      const plan = planWrite((config) => void (config.executors.direct_sql.receipts_schema = "no_receipts_here"));
      const result = await executor({ writeUrl: db.url, plan }).execute(request(id));
      assert.equal(result.receipt.status, "failed");
      assert.equal(result.receipt.safe_error_code, "RECEIPTS_TABLE_MISSING");
      assert.match(result.receipt.message, /synapsor-runner writeback migration/);
      assert.equal((await invoice(id)).late_fee_cents, 2500);
    });

    test("an unreachable writer: failed WRITER_UNAVAILABLE", async () => {
      const url = new URL(writerUrl);
      url.port = "1";
      const result = await executor({ writeUrl: url.toString() }).execute(request("INV-3001"));
      assert.equal(result.receipt.status, "failed");
      assert.equal(result.receipt.safe_error_code, "WRITER_UNAVAILABLE");
    });

    test("a write URL naming a database the server does not have: WRITER_UNAVAILABLE saying so, and doctor fails at connect", async () => {
      // The admin login, so the server answers "no such database" rather than refusing the login.
      const url = new URL(db.url);
      url.pathname = `/${db.name}_gone`;
      const id = await overdueInvoice();
      const result = await executor({ writeUrl: url.toString() }).execute(request(id));
      assert.equal(result.receipt.status, "failed");
      assert.equal(result.receipt.safe_error_code, "WRITER_UNAVAILABLE");
      assert.equal(result.receipt.message, "The write URL names a database the server does not have; fix the source's write_url_env. Nothing changed.");
      assert.equal((await invoice(id)).late_fee_cents, 2500);

      const doctor = await runCli(["writeback", "doctor", "--config", configPath, "--json"], {
        env: { ...process.env, SUPPORT_DB_READ_URL: db.url, SUPPORT_DB_WRITE_URL: url.toString() },
      });
      assert.equal(doctor.code, 2, doctor.stderr);
      const checks = JSON.parse(doctor.stdout).checks;
      assert.deepEqual(checks.map((c: any) => [c.check, c.status]), [["connect", "connection_failed"]]);
      assert.match(checks[0].message, /: the URL names a database the server does not have\.$/);
    });

    test("an update matching more than one row is rolled back: MULTI_ROW_BLOCKED", async () => {
      // A table whose configured key is not actually unique (admin credential: the writer has no grant on it).
      await admin.query(`CREATE TABLE loose_rows (id varchar(20), tenant_id varchar(20), status varchar(20), note varchar(20))`);
      await admin.query(`INSERT INTO loose_rows VALUES ('L-1', 'tenant_acme', 'overdue', 'a'), ('L-1', 'tenant_acme', 'overdue', 'b')`);
      // The snapshot the build used says id is its key; the live table has no key at all.
      const inspected = await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "TEST_DB_URL" });
      assert.ok(inspected.ok);
      const drifted = structuredClone(inspected.snapshot);
      drifted.tables.find((t) => t.name === "loose_rows")!.primary_key = ["id"];
      const plan = planWrite(
        (config) => {
          const cap = structuredClone(config.capabilities.find((c: any) => c.name === WAIVER));
          Object.assign(cap, {
            name: "ops.propose_note",
            target: { ...cap.target, table: "loose_rows" },
            args: { row_id: { type: "string", required: true, max_length: 20 } },
            lookup: { id_from_arg: "row_id" },
            visible_columns: ["id", "note"],
            patch: { note: { fixed: "changed" } },
            allowed_columns: ["note"],
            approval: { mode: "human" },
          });
          delete cap.numeric_bounds;
          delete cap.transition_guards;
          delete cap.conflict_guard;
          config.capabilities = [cap];
        },
        "ops.propose_note",
        drifted,
      );
      const req = request("L-1", { noVersion: true, patch: { note: "changed" } });
      req.change_set.action = "ops.propose_note";
      req.change_set.target = { schema: engine === "postgres" ? "public" : null, table: "loose_rows", primary_key: { column: "id", value: "L-1" } };
      req.change_set.guards.transitions = [];
      const result = await executor({ writeUrl: db.url, plan }).execute(req);
      assert.equal(result.receipt.status, "failed");
      assert.equal(result.receipt.safe_error_code, "MULTI_ROW_BLOCKED");
      const notes = await admin.query(`SELECT note FROM loose_rows ORDER BY note`);
      assert.deepEqual(notes.map((r) => r.note), ["a", "b"]);
      assert.equal((await receiptRows(req.idempotency_key)).length, 0);
    });

    test("writeback doctor: every writer check passes with rollback-only probes and never prints the URL", async () => {
      const env = { ...process.env, SUPPORT_DB_READ_URL: db.url, SUPPORT_DB_WRITE_URL: writerUrl };
      const result = await runCli(["writeback", "doctor", "--config", configPath, "--json"], { env });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const report = JSON.parse(result.stdout);
      assert.equal(report.ok, true);
      assert.deepEqual(report.checks.map((c: any) => [c.check, c.status]), [
        ["connect", "ok"],
        ["receipts_table", "ok"],
        ["update billing.propose_late_fee_waiver", "ok"],
      ]);
      assert.doesNotMatch(result.stdout + result.stderr, /writer-pw|127\.0\.0\.1/);
      const probes = await admin.query(`SELECT count(*) AS n FROM ${receiptsTable} WHERE idempotency_key LIKE 'synapsor-doctor-probe:%'`);
      assert.equal(Number(probes[0]!.n), 0, "the probe receipt was rolled back");
      const human = await runCli(["writeback", "doctor", "--config", configPath], { env });
      assert.match(human.stdout, /The writer path is ready\./);
    });

    test("writeback doctor: a refused login and a missing receipts table are reported as safe categories", async () => {
      const stranger = new URL(writerUrl);
      stranger.username = `${role}_nobody`;
      const refused = await runCli(["writeback", "doctor", "--config", configPath, "--json"], {
        env: { ...process.env, SUPPORT_DB_READ_URL: db.url, SUPPORT_DB_WRITE_URL: stranger.toString() },
      });
      assert.equal(refused.code, 2);
      assert.deepEqual(JSON.parse(refused.stdout).checks.map((c: any) => [c.check, c.status]), [["connect", "authentication_failed"]]);

      const config = exampleConfigFor(engine);
      config.executors.direct_sql.receipts_schema = "no_receipts_here";
      const elsewhere = join(tempDir("synapsor-doctor-"), "synapsor.runner.json");
      writeFileSync(elsewhere, JSON.stringify(config));
      const missing = await runCli(["writeback", "doctor", "--config", elsewhere], {
        env: { ...process.env, SUPPORT_DB_READ_URL: db.url, SUPPORT_DB_WRITE_URL: writerUrl },
      });
      assert.equal(missing.code, 2);
      // Postgres reports the missing schema; MariaDB reports a database the writer has no grant on.
      assert.match(missing.stdout, engine === "postgres" ? /FAIL .*receipts_table .*configured object not found/ : /FAIL .*receipts_table .*permission denied/);
      assert.match(missing.stdout, /^ok .*update billing\.propose_late_fee_waiver/m);
      assert.doesNotMatch(missing.stdout, /writer-pw|relation|doesn't exist|denied to user/);
    });

    test("writeback grants refuses a role name that is not a plain name, and accepts MySQL's account spellings", async () => {
      const result = await runCli(["writeback", "grants", "--engine", engine, "--writer-role", "x'; DROP TABLE invoices; --"]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      if (engine === "mysql") {
        for (const spelling of ["app_writer@%", "'app_writer'@'%'", "`app_writer`@`%`"]) {
          const ok = await runCli(["writeback", "grants", "--engine", engine, "--writer-role", spelling]);
          assert.match(ok.stdout, /TO 'app_writer'@'%';$/m, spelling);
        }
      }
    });

    test("writeback grants --config compiles from --schema-snapshot or --from-env the same way, and says what it needs without either", async () => {
      const snapshotPath = join(tempDir("synapsor-grants-"), "synapsor.schema.json");
      writeFileSync(snapshotPath, JSON.stringify(snapshot));
      const base = ["writeback", "grants", "--engine", engine, "--writer-role", role, "--config", configPath];
      const fromSnapshot = await runCli([...base, "--schema-snapshot", snapshotPath]);
      assert.equal(fromSnapshot.code, 0, fromSnapshot.stderr);
      assert.equal(fromSnapshot.stdout, grantsScript);
      const fromEnv = await runCli([...base, "--from-env", "GRANTS_TEST_DB_URL"], { env: { ...process.env, GRANTS_TEST_DB_URL: db.url } });
      assert.equal(fromEnv.stdout, grantsScript, fromEnv.stderr);
      const blind = await runCli(base, { env: { ...process.env, SUPPORT_DB_READ_URL: "" } });
      assert.equal(blind.code, 1);
      assert.equal(blind.stdout, "");
      assert.match(blind.stderr, /NO_SCHEMA[\s\S]*pass --schema-snapshot synapsor\.schema\.json/, "the fix names the flag grants takes for a snapshot");
      const help = await runCli(["writeback", "grants", "--help"]);
      assert.match(help.stdout, /--schema-snapshot <file>/);
      assert.match(help.stdout, /--schema <name> +receipts schema/);
    });

    test("no receipt carries raw driver text", () => {
      assert.ok(receipts.length >= 15);
      for (const receipt of receipts) for (const pattern of RAW_DRIVER_TEXT) assert.doesNotMatch(JSON.stringify(receipt), pattern);
    });
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, failure: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(typeof failure === "string" ? failure : failure());
}
