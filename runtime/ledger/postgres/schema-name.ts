// The schema a Postgres ledger lives in. Kept apart from database.ts, which loads the pg driver,
// so code that only names the schema (errors, messages) does not load it.

export const LEDGER_SCHEMA = "synapsor_ledger";
