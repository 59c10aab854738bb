// The default ledger: one SQLite file in WAL mode, written through node:sqlite. The read log and
// event log are SQLite's own; proposals and writeback are the shared review log over SQLite storage.

import type { Ledger } from "../ports.ts";
import { createReviewLogs } from "../review-log.ts";
import { SqliteEventLog } from "./event-log.ts";
import { openSqliteDatabase } from "./open.ts";
import { SqliteReadLog } from "./read-log.ts";
import { SqliteReviewStorage } from "./review-storage.ts";

/** Throws StoreUnavailableError when the file cannot be created, opened or migrated. */
export function openSqliteLedger(path: string): Ledger {
  const db = openSqliteDatabase(path);
  const events = new SqliteEventLog(db);
  const review = createReviewLogs(new SqliteReviewStorage(db, events));
  return {
    reads: new SqliteReadLog(db),
    proposals: review.proposals,
    writeback: review.writeback,
    events,
    close: async () => db.close(),
  };
}
