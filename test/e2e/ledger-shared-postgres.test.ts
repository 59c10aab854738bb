// The shared ledger suites on Postgres: the same test files the unit tier runs on SQLite
// (decisions, receipts, the open cap, events, listings, searching, tampering, expiry), imported
// here after switching their backend, so both backends answer to one set of tests. Their
// SQLite-only suites show as skipped here; the unit tier runs them.

import { runSharedLedgerSuitesOnPostgres } from "../support/ledger-backends.ts";

runSharedLedgerSuitesOnPostgres();
await import("../unit/ledger-sqlite.test.ts");
await import("../unit/ledger-review.test.ts");
await import("../unit/ledger-seal.test.ts");
await import("../unit/ledger-search.test.ts");
