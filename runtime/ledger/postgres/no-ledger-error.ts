// Its own module, free of the pg driver: openLedger re-exports it for the review CLI while the
// Postgres ledger itself is loaded only when a Postgres store is opened.

import { LEDGER_SCHEMA } from "./schema-name.ts";

/** The database answered but holds no ledger schema, and the caller asked not to create one. */
export class NoPostgresLedgerError extends Error {
  readonly urlEnv: string;
  constructor(urlEnv: string) {
    super(
      `the database in ${urlEnv} has no ledger yet (no schema ${LEDGER_SCHEMA}); check that ${urlEnv} points at the database ` +
        "the servers use (a compiled server creates the ledger when it first starts)",
    );
    this.name = "NoPostgresLedgerError";
    this.urlEnv = urlEnv;
  }
}
