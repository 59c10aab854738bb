// Opens an existing Postgres ledger for the store commands. Like a SQLite store that must exist,
// a database without the ledger schema is an error here (a wrong variable or database must not
// look like an empty ledger); one that has it is brought up to this build's schema steps.

import { LEDGER_SCHEMA, PostgresLedgerDatabase, type PostgresLedgerTarget } from "../database.ts";
import { NoPostgresLedgerError } from "../ledger.ts";
import { applyPostgresMigrations } from "../migrations.ts";

/** Rejects with NoPostgresLedgerError, or StoreUnavailableError when the database cannot be reached. */
export async function openPostgresStore(target: PostgresLedgerTarget): Promise<PostgresLedgerDatabase> {
  const db = new PostgresLedgerDatabase({ maxConnections: 2, ...target });
  try {
    const found = await db.query("open", "SELECT to_regclass($1) AS found", [`${LEDGER_SCHEMA}.schema_migrations`]);
    if (found[0]?.found == null) throw new NoPostgresLedgerError(target.urlEnv);
    await db.transaction((client) => applyPostgresMigrations(client), "open");
    return db;
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}
