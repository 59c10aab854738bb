// The default ledger: one SQLite file in WAL mode, written through node:sqlite. The read log and
// event log are SQLite's own; proposals and writeback are the shared review log over SQLite storage.

import type { KeyRing } from "../keys/key-ring.ts";
import type { Ledger } from "../ports.ts";
import { createReviewLogs } from "../review-log.ts";
import { SqliteEventLog } from "./event-log.ts";
import { openSqliteDatabase } from "./open.ts";
import type { StoreLostListener } from "./database.ts";
import type { Durability } from "../durability.ts";
import { SqliteReadLog } from "./read-log.ts";
import { SqliteReviewStorage } from "./review-storage.ts";

/** Throws StoreUnavailableError when the file cannot be created, opened or migrated. */
export function openSqliteLedger(path: string, keys: KeyRing, onStoreLost?: StoreLostListener, now?: () => Date, durability?: Durability): Ledger {
  const db = openSqliteDatabase(path, onStoreLost, durability);
  const events = new SqliteEventLog(db);
  const review = createReviewLogs(new SqliteReviewStorage(db, events), keys, now);
  return {
    reads: new SqliteReadLog(db),
    proposals: review.proposals,
    writeback: review.writeback,
    events,
    keys,
    checkWritable: async () => db.transaction(() => undefined),
    synchronous: db.synchronousLevel(),
    close: async () => db.close(),
  };
}
