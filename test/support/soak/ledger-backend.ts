// Where the replicas keep their ledger, as one harness option. Today: one SQLite file shared by
// every replica (each started with --allow-concurrent-store, since a SQLite ledger is meant for
// one server). With the Postgres ledger (issue 12, item 1), the contract's storage.postgres_url_env
// names the ledger's URL variable and every command takes --store-url-env VAR instead of --store:
// `postgresLedger` below is that one change, and everything else in the suite reads the ledger
// only through these args and `withLedger`, so it runs unchanged on either backend.

import { join } from "node:path";
import type { Ledger } from "../../../runtime/ledger/ports.ts";
import { withLedger } from "../../../operator/review/store.ts";
import { withStoreFile } from "../../../operator/store/open.ts";
import { countStore } from "../../../runtime/ledger/sqlite/lifecycle/stats.ts";
import { runCli } from "../cli.ts";
import { createPostgresDatabase } from "../databases.ts";

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
  /** Removes what the backend made outside the work directory (a ledger database). */
  close?(): Promise<void>;
}

/** Makes the backend for a run: its work directory and the ledger key every replica shares. */
export type LedgerFactory = (dir: string, key: string) => Promise<LedgerBackend>;

export const sqliteFactory: LedgerFactory = async (dir, key) => sqliteLedger(dir, key);

/**
 * A Postgres ledger in a fresh database on the shared server (not the source cluster the suite
 * restarts), dropped at the end. Until the Postgres ledger is merged, `open` is undefined and the
 * run stops before it starts anything, saying so.
 */
export function postgresFactory(open?: (location: PostgresLedgerLocation) => Promise<Ledger>): LedgerFactory {
  return async (_dir, key) => {
    if (!open) throw new Error("the Postgres ledger is not in this build yet (branch i12-pg-ledger); run with --ledger sqlite");
    const db = await createPostgresDatabase("srsoakledger");
    return { ...postgresLedger(db.url, key, open), close: () => db.drop() };
  };
}

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

/** Where a Postgres ledger lives: its URL (never printed) and the variable that carries it. */
export interface PostgresLedgerLocation {
  url: string;
  urlEnv: string;
}

/**
 * The Postgres ledger (branch i12-pg-ledger): the contract names SOAK_LEDGER_URL in
 * storage.postgres_url_env; replicas start without --store; commands take --store-url-env.
 * `open` opens it in this process; with that branch merged it is
 * `(location) => openLedger({ postgres: location })` from runtime/ledger/open.ts.
 * `url` should be a database outside the source cluster, which the suite restarts.
 */
export function postgresLedger(url: string, key: string, open?: (location: PostgresLedgerLocation) => Promise<Ledger>): LedgerBackend {
  const urlEnv = "SOAK_LEDGER_URL";
  return {
    kind: "postgres",
    configure(config) {
      config.storage = { ...(config.storage ?? {}), postgres_url_env: urlEnv };
      delete config.storage.sqlite_path;
    },
    serverArgs: [],
    cliArgs: ["--store-url-env", urlEnv],
    env: { [urlEnv]: url, [LEDGER_KEY_ENV]: key },
    async countEvidence() {
      if (!open) throw new Error("the Postgres ledger is not in this build yet (branch i12-pg-ledger); run with the SQLite ledger");
      const r = await runCli(["store", "stats", "--store-url-env", urlEnv, "--json"], { env: { ...process.env, [urlEnv]: url, [LEDGER_KEY_ENV]: key } });
      if (r.code !== 0) throw new Error(`store stats failed: ${r.stderr}`);
      return JSON.parse(r.stdout).records.evidence as number;
    },
    async withLedger(work) {
      if (!open) throw new Error("the Postgres ledger is not in this build yet (branch i12-pg-ledger); run with the SQLite ledger");
      return withEnv({ [urlEnv]: url, [LEDGER_KEY_ENV]: key }, async () => {
        const ledger = await open({ url, urlEnv });
        try {
          return await work(ledger);
        } finally {
          await ledger.close();
        }
      });
    },
  };
}
