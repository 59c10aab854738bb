// A change to the store that can be rehearsed: the same statements run in one IMMEDIATE
// transaction, and a dry run rolls it back, so the counts it reports are exactly what the real
// run would delete (not a second set of queries that could drift from the deletes).

import type { SqliteDatabase } from "../database.ts";

class Rehearsed<T> extends Error {
  readonly result: T;
  constructor(result: T) {
    super("rehearsal rolled back");
    this.result = result;
  }
}

export function runOrRehearse<T>(db: SqliteDatabase, dryRun: boolean, work: () => T): T {
  try {
    return db.transaction(() => {
      const result = work();
      if (dryRun) throw new Rehearsed(result);
      return result;
    });
  } catch (err) {
    if (err instanceof Rehearsed) return err.result as T;
    throw err;
  }
}
