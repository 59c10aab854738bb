// VACUUM, then a TRUNCATE checkpoint: the file is rebuilt without free pages (which still hold
// deleted values) and the write-ahead log, whose old frames hold them too, is emptied. A reader
// in another process (a server run with --force) can keep the checkpoint from finishing: the
// result says so instead of claiming the log is empty.

import type { SqliteDatabase } from "../database.ts";

export interface CompactResult {
  /** The checkpoint could copy and truncate every WAL frame. */
  walTruncated: boolean;
}

export function compactStore(db: SqliteDatabase, options: { secureDelete?: boolean } = {}): CompactResult {
  try {
    // Zeroes the content of every page freed from now on, the WAL frames VACUUM writes included.
    if (options.secureDelete) db.prepare("PRAGMA secure_delete = ON").run();
    db.prepare("VACUUM").run();
    const row = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number; log: number; checkpointed: number };
    return { walTruncated: row.busy === 0 };
  } catch (err) {
    throw db.wrap("write", err);
  }
}
