// Pool figures for a mysql2 pool. mysql2 (3.x, checked against 3.24.5) has no public API for
// them, so three private fields of its BasePool (lib/base/pool.js) are read, each a RingQueue
// with a numeric `length`:
//   _allConnections  every connection the pool opened and has not removed (those still
//                    connecting included);
//   _freeConnections the open connections not lent out (idle);
//   _connectionQueue the getConnection callbacks waiting for a slot (waiting).
// In use is all minus free. A waiter our own checkout deadline gave up on stays in mysql2's queue
// until a connection frees up (it is then handed back at once), so `waiting` counts it until then.
// If a mysql2 release renames or reshapes these fields, the source reports no figures (no series)
// rather than wrong ones; test/e2e/mysql-pool-metrics.test.ts pins them against a live MariaDB.

import type { PoolStats } from "./adapter.ts";

interface Lengthy {
  length: unknown;
}

interface Mysql2PoolInternals {
  _allConnections?: Lengthy;
  _freeConnections?: Lengthy;
  _connectionQueue?: Lengthy;
}

function lengthOf(queue: Lengthy | undefined): number | undefined {
  const n = queue?.length;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The pool's figures now, or undefined when this mysql2 does not keep them where 3.x does. */
export function mysql2PoolStats(pool: object): PoolStats | undefined {
  const internals = pool as Mysql2PoolInternals;
  const all = lengthOf(internals._allConnections);
  const idle = lengthOf(internals._freeConnections);
  const waiting = lengthOf(internals._connectionQueue);
  if (all === undefined || idle === undefined || waiting === undefined || idle > all) return undefined;
  return { idle, inUse: all - idle, waiting };
}

/** Whether a pool exposes the fields mysql2PoolStats reads (checked once, when the adapter is made). */
export function hasMysql2PoolStats(pool: object): boolean {
  return mysql2PoolStats(pool) !== undefined;
}
