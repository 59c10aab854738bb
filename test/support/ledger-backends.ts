// The ledger test suites run against every backend: a SQLite file and a Postgres database. Call
// ledgerHarness(name) inside a describe(); it hands out fresh, empty stores (a new file, or a new
// Postgres database made by databases.ts) and closes and drops them when the suite ends. exec and
// rows touch a store's tables directly, the way someone with file or database access could
// (foreign keys not enforced, constraints and unique indexes still are); SQL
// uses `?` placeholders on both backends and unqualified table names (Postgres: synapsor_ledger).

import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import pg from "pg";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { LEDGER_SCHEMA } from "../../runtime/ledger/postgres/database.ts";
import { createPostgresDatabase, type TestDatabase } from "./databases.ts";

export const LEDGER_BACKENDS = ["sqlite", "postgres"] as const;
export type LedgerBackendName = (typeof LEDGER_BACKENDS)[number];

// The unit tier never reaches a database, so a ledger test file runs its shared suites on SQLite.
// test/e2e/ledger-shared-postgres.test.ts sets this flag and imports the same files: their shared
// suites then run on Postgres, and their SQLite-only suites are skipped (the unit tier runs them).
const ON_POSTGRES = Symbol.for("synapsor.test.sharedLedgerSuitesOnPostgres");
type Flagged = { [ON_POSTGRES]?: boolean };

/** Makes the ledger test files imported after this call run their shared suites on Postgres. */
export function runSharedLedgerSuitesOnPostgres(): void {
  (globalThis as Flagged)[ON_POSTGRES] = true;
}

/** The backends the shared suites of a ledger test file run on in this process. */
export function sharedLedgerBackends(): LedgerBackendName[] {
  return (globalThis as Flagged)[ON_POSTGRES] ? ["postgres"] : ["sqlite"];
}

/** describe() options of a suite that is not shared: it runs in the unit tier only. */
export function unitTierOnly(): { skip?: string } {
  return (globalThis as Flagged)[ON_POSTGRES] ? { skip: "SQLite-only; runs in the unit tier" } : {};
}

/** A store: a SQLite file path, or a Postgres database URL. */
export interface LedgerStore {
  backend: LedgerBackendName;
  /** SQLite: the file. Postgres: the database URL (a local test server without a password). */
  location: string;
}

export interface OpenOptions {
  keys?: KeyRing;
  now?: () => Date;
}

export type Row = Record<string, unknown>;

export interface LedgerHarness {
  readonly name: LedgerBackendName;
  newStore(): Promise<LedgerStore>;
  /** Opens a handle on the store (a second call: a second handle, like a second process). */
  open(store: LedgerStore, options?: OpenOptions): Promise<Ledger>;
  /** A new store, opened. */
  fresh(options?: OpenOptions): Promise<Ledger>;
  /** The store a ledger from fresh() or open() is on. */
  storeOf(ledger: Ledger): LedgerStore;
  exec(store: LedgerStore, sql: string, params?: readonly unknown[]): Promise<number>;
  rows(store: LedgerStore, sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

/**
 * Postgres ledgers need their keys from the environment; tests that pass no keys get this ring
 * (SQLite ones get the key file next to the store, as in production).
 */
const TEST_KEYS = envKeyRing("SYNAPSOR_LEDGER_KEY", "ledger-backends-test-key-0123456789abcdef");

export function ledgerHarness(name: LedgerBackendName): LedgerHarness {
  const opened: Ledger[] = [];
  const stores = new WeakMap<Ledger, LedgerStore>();
  const databases: TestDatabase[] = [];
  let root: string | undefined;
  let counter = 0;
  after(async () => {
    await Promise.allSettled(opened.map((l) => l.close()));
    await Promise.allSettled(databases.map((d) => d.drop()));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const open = async (store: LedgerStore, options: OpenOptions = {}): Promise<Ledger> => {
    const ledger = store.backend === "sqlite"
      ? await openLedger({ path: store.location, ...options })
      : await openLedger({ postgres: { url: store.location, urlEnv: "TEST_LEDGER_URL" }, keys: options.keys ?? TEST_KEYS, ...(options.now ? { now: options.now } : {}) });
    opened.push(ledger);
    stores.set(ledger, store);
    return ledger;
  };

  const harness: LedgerHarness = {
    name,
    async newStore() {
      if (name === "sqlite") {
        root ??= mkdtempSync(join(tmpdir(), "ledger-backend-"));
        return { backend: name, location: join(root, `store-${++counter}`, "ledger.sqlite") };
      }
      const db = await createPostgresDatabase("ledger");
      databases.push(db);
      return { backend: name, location: db.url };
    },
    open,
    async fresh(options) {
      return open(await harness.newStore(), options);
    },
    storeOf(ledger) {
      const store = stores.get(ledger);
      if (!store) throw new Error("not a ledger this harness opened");
      return store;
    },
    async exec(store, sql, params = []) {
      return (await run(store, sql, params)).changes;
    },
    async rows(store, sql, params = []) {
      return (await run(store, sql, params)).rows;
    },
  };
  return harness;
}

async function run(store: LedgerStore, sql: string, params: readonly unknown[]): Promise<{ rows: Row[]; changes: number }> {
  if (store.backend === "sqlite") {
    const db = new DatabaseSync(store.location, { enableForeignKeyConstraints: false });
    try {
      const stmt = db.prepare(sql);
      const values = params as SQLInputValue[];
      if (/^\s*(SELECT|WITH)\b/i.test(sql)) return { rows: stmt.all(...values) as Row[], changes: 0 };
      return { rows: [], changes: Number(stmt.run(...values).changes) };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store.location, options: `-c search_path=${LEDGER_SCHEMA}` });
  await client.connect();
  try {
    // Foreign keys are triggers in Postgres; an intruder with the owner's rights can turn them off
    // (as SQLite's can with the pragma). Unique indexes and CHECKs still hold, as in SQLite.
    await client.query("SET session_replication_role = replica");
    let n = 0;
    const result = await client.query(sql.replace(/\?/g, () => `$${++n}`), params as unknown[]);
    return { rows: result.rows as Row[], changes: result.rowCount ?? 0 };
  } finally {
    await client.end();
  }
}
