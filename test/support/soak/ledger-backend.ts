// Where the replicas keep their ledger, as one harness option. By default (what the issue asks
// for) a Postgres database: the contract's storage.postgres_url_env names the ledger's URL
// variable, replicas start without --store, every CLI command takes --store-url-env VAR, and all
// of them share one MAC key from SYNAPSOR_LEDGER_KEY. The short run puts that database on the
// shared server; the full run, which restarts the ledger's server under load, in a private
// cluster of its own: not a database in the source's cluster, so the source restart leaves the
// ledger alone and the ledger restart the source. The alternative is one SQLite file shared by
// every replica (each started with --allow-concurrent-store, since a SQLite ledger is meant for
// one server). Everything else in the suite reads the ledger only through these args,
// `countEvidence` and `withLedger`, so it runs unchanged on either backend.

import { join } from "node:path";
import pg from "pg";
import type { Ledger } from "../../../runtime/ledger/ports.ts";
import { withLedger } from "../../../operator/review/store.ts";
import { withPostgresStore, withStoreFile } from "../../../operator/store/open.ts";
import { countStore } from "../../../runtime/ledger/sqlite/lifecycle/stats.ts";
import { openLedger, type PostgresLedgerLocation } from "../../../runtime/ledger/open.ts";
import { countPostgresLedger } from "../../../runtime/ledger/postgres/lifecycle/stats.ts";
import { createPostgresDatabase } from "../databases.ts";
import { createPrivateCluster, type PrivateCluster } from "./cluster.ts";

/** The variable the replicas and the CLI read the shared ledger keys from (one MAC key for all). */
export const LEDGER_KEY_ENV = "SYNAPSOR_LEDGER_KEY";

export interface LedgerBackend {
  kind: "sqlite" | "postgres";
  /** Changes the contract before it is built (the Postgres ledger is named there). */
  configure(config: Record<string, any>): void;
  /** Extra `serve` flags for every replica. */
  serverArgs: string[];
  /** Flags that point a CLI command (proposals, apply, store, evidence, receipts) at the ledger. */
  cliArgs: string[];
  /** Extra environment for replicas and CLI commands (ledger URL variable, keys). */
  env: Record<string, string>;
  /** Evidence bundles in the ledger: what `store stats` reports as records.evidence. */
  countEvidence(): Promise<number>;
  /** Opens the ledger in this process through its ports, runs `work`, closes it. */
  withLedger<T>(work: (ledger: Ledger) => Promise<T>): Promise<T>;
  /** The ledger's database server, when the suite may stop and start it (a Postgres ledger). */
  server?: Pick<PrivateCluster, "stop" | "start">;
  /** Removes what the backend made outside the work directory (the ledger's cluster). */
  close?(): Promise<void>;
}

/** Makes the backend for a run: its work directory and the ledger key every replica shares. */
export type LedgerFactory = (dir: string, key: string) => Promise<LedgerBackend>;

export const sqliteFactory: LedgerFactory = async (dir, key) => sqliteLedger(dir, key);

/** Where a Postgres ledger's database lives. */
export type LedgerPlacement = "shared-server" | "own-cluster";

/**
 * A Postgres ledger in a fresh database, dropped at the end: on the shared server, or in a
 * private cluster of its own that the suite may stop and start (`server`). Never in the source
 * cluster. `open` opens it in this process (the suite's own checks).
 */
export function postgresFactory(open: (location: PostgresLedgerLocation) => Promise<Ledger>, placement: LedgerPlacement): LedgerFactory {
  return async (_dir, key) => {
    if (placement === "shared-server") {
      const db = await createPostgresDatabase("srsoakledger");
      return { ...postgresLedger(db.url, key, open), close: () => db.drop() };
    }
    const cluster = await createPrivateCluster("soakledger");
    try {
      const admin = new pg.Client({ connectionString: cluster.urlFor("postgres") });
      await admin.connect();
      await admin.query("CREATE DATABASE ledger");
      await admin.end();
    } catch (err) {
      await cluster.drop();
      throw err;
    }
    return { ...postgresLedger(cluster.urlFor("ledger"), key, open), server: cluster, close: () => cluster.drop() };
  };
}

const openInProcess = (location: PostgresLedgerLocation) => openLedger({ postgres: location });
/** The default backend: the Postgres ledger on the shared server, opened through the same function the servers use. */
export const defaultFactory: LedgerFactory = postgresFactory(openInProcess, "shared-server");
/** The Postgres ledger in a private cluster of its own (the ledger restart phase). */
export const ownClusterFactory: LedgerFactory = postgresFactory(openInProcess, "own-cluster");

/** How a report names each backend. */
export const LEDGER_NAMES = {
  postgres: "postgres (one database on the shared server, storage.postgres_url_env)",
  postgresOwnCluster: "postgres (one database in a private cluster of its own, storage.postgres_url_env)",
  sqlite: "sqlite (shared file, --allow-concurrent-store)",
} as const;

export function sqliteLedger(dir: string, key: string): LedgerBackend {
  const path = join(dir, "ledger.db");
  return {
    kind: "sqlite",
    configure() {},
    serverArgs: ["--store", path, "--allow-concurrent-store"],
    cliArgs: ["--store", path],
    env: { [LEDGER_KEY_ENV]: key },
    // In process, with the function `store stats` counts with (a CLI start per phase costs seconds on a busy machine).
    countEvidence: async () => withStoreFile(path, countStore).records.evidence,
    withLedger: (work) => withEnv({ [LEDGER_KEY_ENV]: key }, () => withLedger(path, work, { storePath: path, envName: LEDGER_KEY_ENV, envRequired: true })),
  };
}

/** Runs `work` with variables set in this process (the ledger reads its key and URL from the environment). */
async function withEnv<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}


/**
 * The Postgres ledger: the contract names SOAK_LEDGER_URL in storage.postgres_url_env; replicas
 * start without --store; commands take --store-url-env. `open` opens it in this process.
 * `url` should be a database outside the source cluster, which the suite restarts on its own.
 */
export function postgresLedger(url: string, key: string, open: (location: PostgresLedgerLocation) => Promise<Ledger>): LedgerBackend {
  const urlEnv = "SOAK_LEDGER_URL";
  const vars = { [urlEnv]: url, [LEDGER_KEY_ENV]: key };
  return {
    kind: "postgres",
    configure(config) {
      config.storage = { ...(config.storage ?? {}), postgres_url_env: urlEnv };
      delete config.storage.sqlite_path;
    },
    serverArgs: [],
    cliArgs: ["--store-url-env", urlEnv],
    env: vars,
    // In process, with the function `store stats` counts with (as for SQLite: no CLI start per phase).
    countEvidence: () => withEnv(vars, () => withPostgresStore(urlEnv, countPostgresLedger)).then((s) => s.records.evidence),
    withLedger: (work) =>
      withEnv(vars, async () => {
        const ledger = await open({ url, urlEnv });
        try {
          return await work(ledger);
        } finally {
          await ledger.close();
        }
      }),
  };
}
