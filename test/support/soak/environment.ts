// What the suite runs against: a private source cluster seeded with the support-billing example,
// the example built with the real CLI, N replicas of it over Streamable HTTP with a static bearer,
// a round-robin balancer in front, and a stall/reset proxy between replica 0 and the source.
// close() tears all of it down, also after a failure part-way through.

import { mkdtempSync, rmSync, writeFileSync, copyFileSync, mkdirSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { runCli, type RunResult } from "../cli.ts";
import { exampleConfigFor, spawnHttpServer, type HttpServerProcess } from "../compiled-server.ts";
import type { TestDatabase } from "../databases.ts";
import { EXAMPLE_DIR, seedExample, seedInvoiceVolume } from "../example.ts";
import { startStallProxy, type StallProxy } from "../stall-proxy.ts";
import { startBalancer, type Balancer } from "./balancer.ts";
import { createPrivateCluster, type PrivateCluster } from "./cluster.ts";
import { atExit } from "./exit-cleanup.ts";
import { defaultFactory, type LedgerBackend, type LedgerFactory } from "./ledger-backend.ts";
import { TENANT } from "./load.ts";

export interface EnvironmentOptions {
  replicas: number;
  /** Invoices in the source table (spread over five tenants). */
  invoices: number;
  /** The source's statement_timeout_ms; the client deadline is this plus 2 s. */
  statementTimeoutMs: number;
  /** Connections per replica and source. */
  poolSize: number;
  /** Makes the ledger backend for a work directory (default: a Postgres database on the shared server). */
  ledger?: LedgerFactory;
}

export interface Replica {
  index: number;
  url: string;
  process: HttpServerProcess;
}

export interface SoakEnvironment {
  work: string;
  cluster: PrivateCluster;
  source: TestDatabase;
  ledger: LedgerBackend;
  configPath: string;
  serverPath: string;
  token: string;
  replicas: Replica[];
  balancer: Balancer;
  /** Between replica 0 and the source. */
  proxy: StallProxy;
  invoicesPerTenant: number;
  /** The environment of every replica and CLI command (URLs by variable, tenant, keys). */
  env: NodeJS.ProcessEnv;
  cli(args: string[]): Promise<RunResult>;
  /** One query on the source as its superuser. */
  sourceQuery<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

const DATABASE = "billing";
const WRITER = "soak_writer";

/** A TestDatabase on the private cluster, so the example's seed helpers work unchanged. */
function clusterDatabase(cluster: PrivateCluster): TestDatabase {
  const url = cluster.urlFor(DATABASE);
  return {
    engine: "postgres",
    name: DATABASE,
    url,
    async exec(sql) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
    async drop() {},
  };
}

/**
 * Every UPDATE of an invoice leaves a row in soak_writes (a trigger the writer cannot skip), so
 * "exactly one write" is counted in the target database, not inferred from receipts.
 */
const WRITE_COUNTER = `
  CREATE TABLE soak_writes (invoice_id text NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp());
  CREATE FUNCTION soak_count_write() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
  BEGIN INSERT INTO soak_writes (invoice_id) VALUES (NEW.id); RETURN NEW; END $$;
  CREATE TRIGGER soak_count_write AFTER UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION soak_count_write();
`;

async function sourceRows<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function startEnvironment(options: EnvironmentOptions): Promise<SoakEnvironment> {
  const work = mkdtempSync(join(tmpdir(), "synapsor-soak-"));
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(work, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const token = randomBytes(24).toString("hex");
    const ledgerKey = randomBytes(32).toString("base64");
    const runDir = join(work, "run");
    const serverPath = join(runDir, "server.mjs");
    const configPath = join(work, "synapsor.runner.json");
    const snapshot = join(EXAMPLE_DIR, "synapsor.schema.json");
    // Two chains at once, which is most of the set-up time: the ledger (a Postgres ledger's own
    // cluster), then the example's build (CLI processes that need the contract the ledger
    // configures, but no database); and the source cluster (make, seed).
    const building = (async () => {
      const ledger = await (options.ledger ?? defaultFactory)(work, ledgerKey);
      if (ledger.close) cleanups.push(() => ledger.close!());
      const config = exampleConfigFor("postgres");
      config.sources.app_db.statement_timeout_ms = options.statementTimeoutMs;
      ledger.configure(config);
      writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n");
      const baseEnv: NodeJS.ProcessEnv = {
        PATH: process.env.PATH ?? "",
        SYNAPSOR_TENANT_ID: TENANT,
        SYNAPSOR_PRINCIPAL: "soak-agent",
        SOAK_TOKEN: token,
        ...ledger.env,
      };
      const cli = (args: string[]) => runCli(args, { env: baseEnv, timeoutMs: 60_000 });
      const [migration, grants, built] = await Promise.all([
        cli(["writeback", "migration", "--engine", "postgres"]),
        // From the example's schema snapshot, as the build: the source is not up yet.
        cli(["writeback", "grants", "--engine", "postgres", "--writer-role", WRITER, "--config", configPath, "--schema-snapshot", snapshot]),
        cli(["build", "--config", configPath, "--out", join(work, "out"), "--schema", snapshot]),
      ]);
      if (migration.code !== 0) throw new Error(`writeback migration: ${migration.stderr}`);
      if (grants.code !== 0) throw new Error(`writeback grants: ${grants.stderr}`);
      if (built.code !== 0) throw new Error(`build failed: ${built.stderr}${built.stdout}`);
      // The operator's view: server.mjs alone in a directory without node_modules.
      mkdirSync(runDir);
      copyFileSync(join(work, "out", "server.mjs"), serverPath);
      return { ledger, baseEnv, migration: migration.stdout, grants: grants.stdout };
    })();
    const seeding = (async () => {
      const cluster = await createPrivateCluster();
      cleanups.push(() => cluster.drop());
      const admin = new pg.Client({ connectionString: cluster.urlFor("postgres") });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      await admin.end();
      const source = clusterDatabase(cluster);
      await seedExample(source);
      await seedInvoiceVolume(source, options.invoices);
      await source.exec(WRITE_COUNTER);
      return { cluster, source };
    })();
    // Both settle before anything is torn down (a cluster half-made when the build failed is dropped too).
    const [builtResult, seededResult] = await Promise.allSettled([building, seeding]);
    if (builtResult.status === "rejected") throw builtResult.reason;
    if (seededResult.status === "rejected") throw seededResult.reason;
    const { cluster, source } = seededResult.value;
    const { ledger, baseEnv } = builtResult.value;
    // The volume rows are n = 1..max (INV-10001 up); TENANT's are n = 5 + 5k (example.ts).
    const max = (await sourceRows<{ max: number }>(source.url, "SELECT max(substr(id, 5)::int) - 10000 AS max FROM invoices WHERE length(id) >= 9"))[0]!.max;
    const invoicesPerTenant = Math.floor((max - 5) / 5) + 1;

    // The writer role gets exactly the grants the CLI prints, as an operator would run them.
    await source.exec(builtResult.value.migration);
    await source.exec(`CREATE ROLE ${WRITER} LOGIN`);
    await source.exec(builtResult.value.grants);

    const writeUrl = new URL(cluster.urlFor(DATABASE));
    writeUrl.username = WRITER;
    const readUrl = cluster.urlFor(DATABASE);
    const env: NodeJS.ProcessEnv = { ...baseEnv, SUPPORT_DB_READ_URL: readUrl, SUPPORT_DB_WRITE_URL: writeUrl.toString() };
    const cli = (args: string[]) => runCli(args, { env, timeoutMs: 60_000 });

    const target = new URL(readUrl);
    const proxy = await startStallProxy(target.hostname, Number(target.port));
    cleanups.push(() => proxy.close());

    const replicas: Replica[] = [];
    // A replica the suite killed has exited already (by signal: exitCode stays null).
    cleanups.push(() => Promise.all(replicas.filter((r) => r.process.child.signalCode === null).map((r) => r.process.stop())));
    const startReplica = async (index: number) => {
      const replicaEnv = { ...(env as Record<string, string>), SUPPORT_DB_READ_URL: index === 0 ? proxy.urlFor(readUrl) : readUrl };
      const server = await spawnHttpServer(serverPath, runDir, replicaEnv, [
        "--auth-token-env", "SOAK_TOKEN", "--pool-size", String(options.poolSize), ...ledger.serverArgs,
      ]);
      replicas[index] = { index, url: server.url, process: server };
      // Interrupted before close(): the replicas must not outlive the suite.
      const forget = atExit(() => void server.child.kill("SIGKILL"));
      server.child.once("exit", forget);
    };
    // The first one alone (it creates and migrates the ledger), then the others together.
    await startReplica(0);
    const rest = await Promise.allSettled(Array.from({ length: options.replicas - 1 }, (_, i) => startReplica(i + 1)));
    const failed = rest.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const balancer = await startBalancer(replicas.map((r) => r.url));
    cleanups.push(() => balancer.close());

    return {
      work,
      cluster,
      source,
      ledger,
      configPath,
      serverPath,
      token,
      replicas,
      balancer,
      proxy,
      invoicesPerTenant,
      env,
      cli,
      sourceQuery: (sql, params = []) => sourceRows(readUrl, sql, params),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
