// The whole loop as people run it, on both engines: the model proposes through MCP, a person
// approves with the CLI, a trusted process applies with the writer credential, and the
// receipt and replay tell what happened.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, execAsAdmin, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`writeback loop on ${engine}`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let session: StdioSession;
    let env: NodeJS.ProcessEnv;
    let store: string;
    const roles: string[] = [];

    before(async () => {
      db = await createDatabase(engine, "srwb");
      await seedExample(db);
      const migration = await runCli(["writeback", "migration", "--engine", engine, ...(engine === "mysql" ? ["--schema", db.name] : [])]);
      assert.equal(migration.code, 0, migration.stderr);
      await db.exec(migration.stdout);

      const config = exampleConfigFor(engine);
      if (engine === "mysql") config.executors.direct_sql.receipts_schema = db.name;
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
        await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'rd-pass-1'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%';
                       CREATE USER '${writer}'@'%' IDENTIFIED BY 'wr-pass-1';`);
        readUrl = `mysql://${reader}:rd-pass-1@127.0.0.1:3306/${db.name}`;
        writeUrl = `mysql://${writer}:wr-pass-1@127.0.0.1:3306/${db.name}`;
      }
      env = { ...process.env, SUPPORT_DB_READ_URL: readUrl, SUPPORT_DB_WRITE_URL: writeUrl, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-7" };
      built = await buildServer(config, env, "SUPPORT_DB_READ_URL");
      // The writer gets exactly the least-privilege grants the CLI prints for this config.
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
      await db?.drop();
      for (const role of roles) {
        await execAsAdmin(engine, engine === "postgres" ? `DROP ROLE IF EXISTS ${role}` : `DROP USER IF EXISTS '${role}'@'%'`).catch(() => undefined);
      }
    });

    const propose = async (invoice: string, fee = 0) =>
      envelopeOf(await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: invoice, new_late_fee_cents: fee, reason: "loop test" } }));
    const cli = (args: string[]) => runCli(args, { env });
    const inspect = async (invoice: string) =>
      envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: invoice } })).data;

    test("approve with the required role, apply, then apply again", async () => {
      const p = await propose("INV-3001");
      assert.equal(p.ok, true, p.summary);
      const id = p.proposal.id;

      const unapproved = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(unapproved.code, 0);
      assert.equal(JSON.parse(unapproved.stdout).error.code, "APPROVAL_REQUIRED");

      const noRole = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--yes"]);
      assert.notEqual(noRole.code, 0);
      assert.match(noRole.stderr, /billing_lead/);

      const approved = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.equal(approved.code, 0, approved.stderr);

      const applied = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      const receipt = JSON.parse(applied.stdout);
      assert.equal(receipt.status, "applied");
      assert.equal(receipt.rows_affected, 1);
      assert.equal(receipt.source_database_mutated, true);
      const row = await inspect("INV-3001");
      assert.equal(row.late_fee_cents, 0);
      assert.equal(row.status, "open");
      assert.equal(row.waiver_reason, "loop test");

      const again = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).status, "already_applied");

      const replay = await cli(["replay", "show", id, "--store", store, "--json"]);
      assert.equal(replay.code, 0, replay.stderr);
      const text = replay.stdout;
      for (const piece of ["tenant_acme", "agent-7", "dana", "billing_lead", "applied", p.evidence.bundle_id]) assert.ok(text.includes(piece), `replay mentions ${piece}`);
      assert.equal(text.includes("wr-pass-1") || text.includes("rd-pass-1"), false, "no secret in the replay");
    });

    test("a person edits the row first: conflict, and the row keeps the person's edit", async () => {
      const p = await propose("INV-3003", 100);
      const id = p.proposal.id;
      assert.equal((await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"])).code, 0);
      await db.exec("UPDATE invoices SET late_fee_cents = 4000 WHERE id = 'INV-3003'");
      const r = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(r.code, 0);
      const receipt = JSON.parse(r.stdout);
      assert.equal(receipt.status, "conflict");
      assert.equal(receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
      assert.equal((await inspect("INV-3003")).late_fee_cents, 4000);
    });

    /** Puts INV-3004 back into a waivable state and returns an approved proposal for it. */
    const approvedProposalFor3004 = async (fee: number) => {
      await db.exec("UPDATE invoices SET status = 'overdue', late_fee_cents = 1200 WHERE id = 'INV-3004'");
      const p = await propose("INV-3004", fee);
      assert.equal(p.ok, true, p.summary);
      const approved = await cli(["proposals", "approve", p.proposal.id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.equal(approved.code, 0, approved.stderr);
      return p.proposal.id as string;
    };
    const receiptRows = async (proposalId: string) => {
      const table = engine === "postgres" ? "synapsor.synapsor_writeback_receipts" : "synapsor_writeback_receipts";
      const rows: unknown[] = [];
      if (engine === "postgres") {
        const pg = (await import("pg")).default;
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          rows.push(...(await c.query(`SELECT status FROM ${table} WHERE proposal_id = $1`, [proposalId])).rows);
        } finally {
          await c.end();
        }
      } else {
        const mysql = (await import("mysql2/promise")).default;
        const c = await mysql.createConnection(db.url);
        try {
          rows.push(...((await c.query(`SELECT status FROM ${table} WHERE proposal_id = ?`, [proposalId]))[0] as unknown[]));
        } finally {
          await c.end();
        }
      }
      return rows;
    };

    test("two apply processes racing on one approved proposal: one applied, one receipt, one write", async () => {
      const id = await approvedProposalFor3004(100);
      const args = ["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"];
      const [a, b] = await Promise.all([cli(args), cli(args)]);
      const statuses = [a, b].map((r) => JSON.parse(r.stdout).status).sort();
      assert.deepEqual(statuses, ["already_applied", "applied"], a.stderr + b.stderr);
      assert.equal(a.code, 0);
      assert.equal(b.code, 0);
      assert.equal((await receiptRows(id)).length, 1, "one receipt row");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 100);
    });

    test("an apply process killed inside its transaction leaves the row untouched; a retry applies", async () => {
      const id = await approvedProposalFor3004(200);
      // Hold the row so the apply blocks inside its transaction, after claiming its receipt.
      const holder = engine === "postgres" ? await pgHolder(db.url) : await mysqlHolder(db.url);
      const { spawn } = await import("node:child_process");
      const { CLI } = await import("../support/cli.ts");
      const child = spawn(process.execPath, [CLI, "apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"], { env, stdio: "ignore" });
      try {
        await holder.waitForBlockedWriter();
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      } finally {
        await holder.release();
      }
      assert.equal((await inspect("INV-3004")).late_fee_cents, 1200, "the killed transaction wrote nothing");
      assert.equal((await receiptRows(id)).length, 0, "its receipt claim was rolled back too");
      const retry = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(retry.code, 0, retry.stderr + retry.stdout);
      assert.equal(JSON.parse(retry.stdout).status, "applied");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 200);
    });

    test("apply --job: the exported job applies; an edited job is refused", async () => {
      const id = await approvedProposalFor3004(300);
      const jobPath = join(built.runDir, `job-${id}.json`);
      const exported = await cli(["proposals", "writeback-job", id, "--store", store, "--output", jobPath]);
      assert.equal(exported.code, 0, exported.stderr);
      const { readFileSync, writeFileSync } = await import("node:fs");
      const job = JSON.parse(readFileSync(jobPath, "utf8"));
      const tampered = structuredClone(job);
      tampered.change_set.patch.late_fee_cents = 0;
      const tamperedPath = join(built.runDir, `job-${id}-edited.json`);
      writeFileSync(tamperedPath, JSON.stringify(tampered));
      const refused = await cli(["apply", "--job", tamperedPath, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(refused.code, 0);
      assert.equal(JSON.parse(refused.stdout).error.code, "POLICY_VIOLATION");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 1200);
      const applied = await cli(["apply", "--job", jobPath, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(JSON.parse(applied.stdout).status, "applied");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 300);
    });

    test("a rejected proposal never applies", async () => {
      const p = await propose("INV-3005", 0);
      const id = p.proposal.id;
      const rejected = await cli(["proposals", "reject", id, "--store", store, "--actor", "dana", "--reason", "not justified", "--yes"]);
      assert.equal(rejected.code, 0, rejected.stderr);
      const r = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(r.code, 0);
      assert.equal(JSON.parse(r.stdout).error.code, "APPROVAL_REQUIRED");
      assert.equal((await inspect("INV-3005")).late_fee_cents, 1500);
      const approveRejected = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.notEqual(approveRejected.code, 0);
    });
  });
}

interface RowHolder {
  waitForBlockedWriter(): Promise<void>;
  release(): Promise<void>;
}

/** Locks INV-3004 in an open transaction and can tell when another session waits on it. */
async function pgHolder(url: string): Promise<RowHolder> {
  const pg = (await import("pg")).default;
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  await holder.query("BEGIN");
  await holder.query("SELECT id FROM invoices WHERE id = 'INV-3004' FOR UPDATE");
  return {
    async waitForBlockedWriter() {
      for (let i = 0; i < 300; i++) {
        const r = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE%'");
        if (r.rows[0].n > 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the apply never blocked on the held row");
    },
    async release() {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
      await watcher.end();
    },
  };
}

async function mysqlHolder(url: string): Promise<RowHolder> {
  const mysql = (await import("mysql2/promise")).default;
  const holder = await mysql.createConnection(url);
  const watcher = await mysql.createConnection(url);
  await holder.query("START TRANSACTION");
  await holder.query("SELECT id FROM invoices WHERE id = 'INV-3004' FOR UPDATE");
  return {
    async waitForBlockedWriter() {
      for (let i = 0; i < 300; i++) {
        const [rows] = await watcher.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE %invoices%'");
        if (Number((rows as Array<{ n: number }>)[0]!.n) > 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the apply never blocked on the held row");
    },
    async release() {
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
      await watcher.end();
    },
  };
}
