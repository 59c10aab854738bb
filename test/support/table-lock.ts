// Holds a table lock from the test, so a call that reads the table is in flight for exactly as
// long as the test wants: deterministic "slow calls" without sleeps or wall-clock assertions.

import pg from "pg";

/** Holds ACCESS EXCLUSIVE on `table` in an open transaction: every read of it waits. */
export async function lockTable(url: string, table = "invoices") {
  const holder = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await holder.connect();
  await watcher.connect();
  await holder.query(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  let released = false;
  return {
    /** Resolves once a statement naming the table waits on the lock (the call is in flight). */
    async waitForBlockedRead() {
      for (let i = 0; i < 300; i++) {
        const r = await watcher.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 AND query NOT LIKE 'PREPARE%'",
          [`%${table}%`],
        );
        if (r.rows[0].n > 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the call never blocked on the locked table");
    },
    async release() {
      if (released) return;
      released = true;
      await holder.query("ROLLBACK").catch(() => undefined);
      await holder.end();
      await watcher.end();
    },
  };
}

/** MariaDB/MySQL: LOCK TABLES … WRITE from a session of the test; every other session's read of the table waits. */
export async function lockMysqlTable(url: string, table = "invoices") {
  const { default: mysql } = await import("mysql2/promise");
  const holder = await mysql.createConnection(url);
  const watcher = await mysql.createConnection(url);
  await holder.query(`LOCK TABLES ${table} WRITE`);
  const holderId = holder.threadId;
  let released = false;
  return {
    async waitForBlockedRead() {
      for (let i = 0; i < 300; i++) {
        const [rows] = await watcher.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> ? AND STATE LIKE 'Waiting for table%'",
          [holderId],
        );
        if (Number((rows as Array<{ n: number }>)[0]!.n) > 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
      throw new Error("the call never blocked on the locked table");
    },
    async release() {
      if (released) return;
      released = true;
      await holder.query("UNLOCK TABLES").catch(() => undefined);
      await holder.end();
      await watcher.end();
    },
  };
}
