// The example project wired for writeback on one engine, as the writeback e2e tests need it: a
// seeded database with the receipts table, a least-privilege reader and writer, a built server
// on stdio with a ledger, and helpers to propose, approve, apply and look at rows and receipts.

import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, execAsAdmin, type TestDatabase } from "./databases.ts";
import { seedExample } from "./example.ts";
import { runCli, type RunResult } from "./cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "./compiled-server.ts";

export type Engine = "postgres" | "mysql";

export interface WritebackProject {
  engine: Engine;
  db: TestDatabase;
  built: Awaited<ReturnType<typeof buildServer>>;
  session: StdioSession;
  env: NodeJS.ProcessEnv;
  store: string;
  cli(args: string[]): Promise<RunResult>;
  propose(invoice: string, fee?: number): Promise<any>;
  inspect(invoice: string): Promise<any>;
  /** `proposals approve` with the role the example requires; asserts it worked. */
  approve(id: string): Promise<void>;
  /** The rows of synapsor_writeback_receipts for a proposal, read as the admin. */
  receiptRows(proposalId: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** How the server keeps its ledger: default a SQLite --store in its run directory. */
export interface LedgerSetup {
  /** More environment for the server and the CLI (a Postgres ledger's URL and key variables). */
  env?: Record<string, string>;
  /** false: start the server without --store, so it uses the contract's storage (storage.postgres_url_env). */
  sqliteStore?: boolean;
}

/**
 * `configure` may change the example config (approval settings, reviewers, storage) before it is
 * built, or return another config to build instead.
 */
export async function setUpWriteback(
  engine: Engine,
  prefix: string,
  configure?: (config: Record<string, any>) => Record<string, any> | void,
  ledger: LedgerSetup = {},
): Promise<WritebackProject> {
  const db = await createDatabase(engine, prefix);
  await seedExample(db);
  const example = exampleConfigFor(engine);
  if (engine === "mysql") example.executors.direct_sql.receipts_schema = db.name;
  const config = configure?.(example) ?? example;
  // A config whose changes all go to app-owned handlers needs no receipts table and no writer grants.
  const sqlUpdate = (config.capabilities as Array<{ kind: string; executor?: string }>).some(
    (cap) => cap.kind === "proposal" && (cap.executor === undefined || config.executors?.[cap.executor]?.type === "sql_update"),
  );
  if (sqlUpdate) {
    const migration = await runCli(["writeback", "migration", "--engine", engine, ...(engine === "mysql" ? ["--schema", db.name] : [])]);
    assert.equal(migration.code, 0, migration.stderr);
    await db.exec(migration.stdout);
  }
  const suffix = db.name.slice(-8);
  const reader = `rd_${suffix}`;
  const writer = `wr_${suffix}`;
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
  const env = { ...process.env, SUPPORT_DB_READ_URL: readUrl, SUPPORT_DB_WRITE_URL: writeUrl, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-7", ...ledger.env };
  const built = await buildServer(config, env, "SUPPORT_DB_READ_URL");
  if (sqlUpdate) {
    // The writer gets exactly the least-privilege grants the CLI prints for this config.
    const grants = await runCli(
      ["writeback", "grants", "--engine", engine, "--writer-role", engine === "postgres" ? writer : `'${writer}'@'%'`, "--config", built.configPath, ...(engine === "mysql" ? ["--schema", db.name] : [])],
      { env },
    );
    assert.equal(grants.code, 0, grants.stderr);
    await db.exec(grants.stdout);
  }
  const store = join(built.runDir, "ledger.db");
  const session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ledger.sqliteStore === false ? [] : ["--store", store]);

  const cli = (args: string[]) => runCli(args, { env });
  const receiptsTable = engine === "postgres" ? "synapsor.synapsor_writeback_receipts" : "synapsor_writeback_receipts";
  return {
    engine,
    db,
    built,
    session,
    env,
    store,
    cli,
    propose: async (invoice, fee = 0) =>
      envelopeOf(await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: invoice, new_late_fee_cents: fee, reason: "loop test" } })),
    inspect: async (invoice) => envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: invoice } })).data,
    async approve(id) {
      const approved = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.equal(approved.code, 0, approved.stderr);
    },
    receiptRows: (proposalId) => adminQuery(engine, db.url, `SELECT status, receipt FROM ${receiptsTable} WHERE proposal_id = ${engine === "postgres" ? "$1" : "?"}`, [proposalId]),
    async close() {
      await session.close();
      await db.drop();
      for (const role of [reader, writer]) {
        await execAsAdmin(engine, engine === "postgres" ? `DROP ROLE IF EXISTS ${role}` : `DROP USER IF EXISTS '${role}'@'%'`).catch(() => undefined);
      }
    },
  };
}

async function adminQuery(engine: Engine, url: string, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  if (engine === "postgres") {
    const pg = (await import("pg")).default;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end();
    }
  }
  const mysql = (await import("mysql2/promise")).default;
  const c = await mysql.createConnection(url);
  try {
    return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

export interface RowHolder {
  waitForBlockedWriter(): Promise<void>;
  release(): Promise<void>;
}

/** Locks one invoice in an open transaction and can tell when another session's UPDATE waits on it. */
export async function holdRow(engine: Engine, url: string, invoice: string): Promise<RowHolder> {
  return engine === "postgres" ? pgHolder(url, invoice) : mysqlHolder(url, invoice);
}

async function pgHolder(url: string, invoice: string): Promise<RowHolder> {
  const pg = (await import("pg")).default;
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  await holder.query("BEGIN");
  await holder.query("SELECT id FROM invoices WHERE id = $1 FOR UPDATE", [invoice]);
  return {
    async waitForBlockedWriter() {
      for (let i = 0; i < 300; i++) {
        const r = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '/* synapsor:% */ UPDATE%'");
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

async function mysqlHolder(url: string, invoice: string): Promise<RowHolder> {
  const mysql = (await import("mysql2/promise")).default;
  const holder = await mysql.createConnection(url);
  const watcher = await mysql.createConnection(url);
  await holder.query("START TRANSACTION");
  await holder.query("SELECT id FROM invoices WHERE id = ? FOR UPDATE", [invoice]);
  return {
    async waitForBlockedWriter() {
      for (let i = 0; i < 300; i++) {
        const [rows] = await watcher.query("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE '/* synapsor:% */ UPDATE %invoices%'");
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
