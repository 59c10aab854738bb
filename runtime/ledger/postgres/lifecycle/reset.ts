// `store reset` on a Postgres ledger: drops the ledger schema (every table the ledger made) and the
// webhook deliveries' pg-boss schema, in one transaction; the next server or command to open the
// database creates them again. The jobs go too because their ids are derived from event ids, which
// start again at 1 in a new ledger. Nothing else is touched: the application's tables, if the
// database is shared, stay.
// The caller refuses first while live servers have fresh heartbeat rows (unless --force).

import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "../database.ts";
import { JOBS_SCHEMA } from "../webhook-jobs.ts";

export async function resetPostgresLedger(db: PostgresLedgerDatabase): Promise<string> {
  await db.transaction(async (client) => {
    await client.query(`DROP SCHEMA IF EXISTS ${LEDGER_SCHEMA} CASCADE`);
    await client.query(`DROP SCHEMA IF EXISTS ${JOBS_SCHEMA} CASCADE`);
  });
  return LEDGER_SCHEMA;
}
