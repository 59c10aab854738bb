// Opens an existing Postgres ledger for the store commands. Like a SQLite store that must exist,
// a database without the ledger schema is an error here (a wrong variable or database must not
// look like an empty ledger); one that has it is brought up to this build's schema steps.

import { LEDGER_SCHEMA, PostgresLedgerDatabase, type PostgresLedgerTarget } from "../database.ts";
import { applyPostgresMigrations } from "../migrations.ts";

export class NoPostgresLedgerError extends Error {
  constructor(urlEnv: string) {
    super(`The database in ${urlEnv} has no synapsor-runner ledger (no schema ${LEDGER_SCHEMA}). Check that ${urlEnv} points at the database the servers use (storage.postgres_url_env).`);
    this.name = "NoPostgresLedgerError";
  }
}

/** Rejects with NoPostgresLedgerError, or StoreUnavailableError when the database cannot be reached. */
export async function openPostgresStore(target: PostgresLedgerTarget): Promise<PostgresLedgerDatabase> {
  const db = new PostgresLedgerDatabase({ maxConnections: 2, ...target });
  try {
    const found = await db.query("open", "SELECT 1 FROM pg_namespace WHERE nspname = $1", [LEDGER_SCHEMA]);
    if (found.length === 0) throw new NoPostgresLedgerError(target.urlEnv);
    await db.transaction((client) => applyPostgresMigrations(client), "open");
    return db;
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
