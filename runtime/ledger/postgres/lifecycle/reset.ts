// `store reset` on a Postgres ledger: drops the ledger schema (every table the ledger made, in one
// transactional DROP); the next server or command to open the database creates it again. Nothing
// outside the schema is touched: the application's tables, if the database is shared, stay.
// The caller refuses first while live servers have fresh heartbeat rows (unless --force).

import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "../database.ts";

export async function resetPostgresLedger(db: PostgresLedgerDatabase): Promise<string> {
  await db.query("write", `DROP SCHEMA IF EXISTS ${LEDGER_SCHEMA} CASCADE`);
  return LEDGER_SCHEMA;
}
