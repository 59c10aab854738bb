// storage: one ledger per contract. A file and a database both named would leave it to the reader
// (and to each command) to guess which one holds the proposals.

import type { Contract } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

export function checkStorage(contract: Contract, report: Report): void {
  const storage = contract.storage;
  if (storage?.sqlite_path === undefined || storage.postgres_url_env === undefined) return;
  report(
    "CONFLICTING_LEDGER",
    pointer("storage", "postgres_url_env"),
    `storage names two ledgers: the SQLite file ${JSON.stringify(storage.sqlite_path)} and the Postgres database in ${storage.postgres_url_env}; a server and its review commands must share one.`,
    "Keep postgres_url_env to share one ledger between replicas (and remove sqlite_path), or keep sqlite_path for a single server (and remove postgres_url_env).",
  );
}
