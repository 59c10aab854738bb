// Postgres twin of sqlite/lifecycle/rehearsal.ts: a dry run runs the very statements of the real
// one in a transaction and rolls it back, so its counts are what the real run would change.

import type { PostgresLedgerDatabase, Queryable } from "../database.ts";

class Rehearsed<T> extends Error {
  readonly result: T;
  constructor(result: T) {
    super("rehearsal rolled back");
    this.result = result;
  }
}

export async function runOrRehearse<T>(db: PostgresLedgerDatabase, dryRun: boolean, work: (client: Queryable) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(async (client) => {
      const result = await work(client);
      if (dryRun) throw new Rehearsed(result);
      return result;
    });
  } catch (err) {
    if (err instanceof Rehearsed) return err.result as T;
    throw err;
  }
}
