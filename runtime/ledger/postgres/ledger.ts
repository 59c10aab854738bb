// A ledger in Postgres: the same ports as the SQLite ledger, for several replicas on one database.
// The read log and event log are Postgres's own; proposals and writeback are the shared review log
// over Postgres storage, so every review rule is the one the SQLite ledger runs.

import type { KeyRing } from "../keys/key-ring.ts";
import type { Ledger } from "../ports.ts";
import { createReviewLogs } from "../review-log.ts";
import { PostgresLedgerDatabase, type PostgresLedgerTarget } from "./database.ts";
import { PostgresEventLog } from "./event-log.ts";
import { applyPostgresMigrations } from "./migrations.ts";
import { LEDGER_SCHEMA } from "./database.ts";
import { PostgresReadLog } from "./read-log.ts";
import { PostgresReviewStorage } from "./review-storage.ts";
import { listServers, registerServer, type ServerRegistration } from "./servers.ts";
import { NoPostgresLedgerError } from "./no-ledger-error.ts";

export { NoPostgresLedgerError };

/**
 * Rejects with StoreUnavailableError when the database cannot be reached or migrated, and with
 * NoPostgresLedgerError when `existingOnly` is set and the database has no ledger schema yet.
 */
export async function openPostgresLedger(target: PostgresLedgerTarget, keys: KeyRing, now?: () => Date, existingOnly = false): Promise<Ledger> {
  const db = new PostgresLedgerDatabase(target);
  try {
    if (existingOnly) {
      // Review opens what servers made; a mistyped variable must not yield a new empty ledger.
      const [row] = await db.query("open", "SELECT to_regclass($1) AS found", [`${LEDGER_SCHEMA}.schema_migrations`]);
      if (row?.found == null) throw new NoPostgresLedgerError(target.urlEnv);
    }
    await db.transaction((client) => applyPostgresMigrations(client), "open");
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  const events = new PostgresEventLog(db);
  const review = createReviewLogs(new PostgresReviewStorage(db, events), keys, now);
  const registrations: ServerRegistration[] = [];
  return {
    reads: new PostgresReadLog(db),
    proposals: review.proposals,
    writeback: review.writeback,
    events,
    keys,
    // A write that touches nothing: the connection, the login and a writable database.
    checkWritable: async () => db.transaction(async (client) => {
      await client.query("SELECT txid_current()");
    }),
    registerServer: async (info) => {
      const registration = await registerServer(db, info);
      registrations.push(registration);
      return registration;
    },
    listServers: () => listServers(db),
    // A server's row goes before the pool does, so a clean shutdown never leaves it to go stale.
    close: async () => {
      await Promise.all(registrations.map((r) => r.stop()));
      await db.close();
    },
  };
}
