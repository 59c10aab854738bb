// Which ledger faults the event follower waits out, and how its loop does it. The SQLite BUSY
// error is a real one (two connections racing for the write lock with no busy timeout): a
// follower's reads in WAL mode practically never meet one, so the loop is given it through its
// event log port, in front of a real SQLite ledger.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { follow } from "../../operator/review/follow.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { EventLog } from "../../runtime/ledger/ports.ts";
import type { LedgerEvent } from "../../runtime/ledger/records.ts";
import { postgresStoreProblem } from "../../runtime/ledger/postgres/faults.ts";
import { isTransientStoreFault, storeUnavailable, type StoreUnavailableError } from "../../runtime/ledger/store-error.ts";

/** A real SQLITE_BUSY: the lock is held by another connection and this one does not wait. */
function sqliteBusy(dir: string): unknown {
  const path = join(dir, "busy.db");
  const holder = new DatabaseSync(path);
  holder.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x); BEGIN IMMEDIATE");
  const other = new DatabaseSync(path, { timeout: 0 });
  try {
    other.exec("BEGIN IMMEDIATE");
    assert.fail("the second writer got the lock");
  } catch (err) {
    return err;
  } finally {
    other.close();
    holder.close();
  }
}

test("a busy SQLite store is a transient fault; a deleted or damaged one is not", () => {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-follow-unit-"));
  try {
    const busy = storeUnavailable(join(dir, "busy.db"), "read", sqliteBusy(dir));
    assert.equal(busy.reason, "the store is locked by another process");
    assert.equal(isTransientStoreFault(busy), true);
    assert.equal(isTransientStoreFault(storeUnavailable("x.db", "read", { errcode: 11 })), false, "SQLITE_CORRUPT");
    assert.equal(isTransientStoreFault(storeUnavailable("x.db", "read", { code: "EACCES" })), false);
    assert.equal(isTransientStoreFault(new Error("not a store fault")), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a Postgres ledger fault is transient for a restart, an outage or a busy server, not for a refusal", () => {
  const transient = (err: unknown) => postgresStoreProblem(err, "LEDGER_URL")?.transient;
  for (const code of ["ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "08006", "53300", "57014", "40001"]) assert.equal(transient({ code }), true, code);
  assert.equal(transient(new Error("Connection terminated unexpectedly")), true);
  for (const code of ["28P01", "3D000", "3F000", "42501", "25006", "XX000"]) assert.equal(transient({ code }), false, code);
  assert.equal(transient(new TypeError("Invalid URL")), false);
});

test("the follower waits out transient faults with back-off and prints every event exactly once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-follow-unit-"));
  const ledger = await openLedger({ path: join(dir, "ledger.db") });
  try {
    const busy = storeUnavailable(join(dir, "ledger.db"), "read", sqliteBusy(dir));
    for (let i = 0; i < 3; i++) await ledger.events.append("test_event", { i });
    // The port fails its next `failing` reads, then reads the real store again.
    let failing = 0;
    const calls: number[] = [];
    const events: EventLog = {
      append: (...args) => ledger.events.append(...args),
      async list(filter) {
        calls.push(performance.now());
        if (failing > 0) {
          failing -= 1;
          throw busy;
        }
        return ledger.events.list(filter);
      },
    };
    const printed: number[] = [];
    const faults: StoreUnavailableError[] = [];
    const recovered: number[] = [];
    const follower = follow({ events, afterId: 0, pollMs: 20, print: (e: LedgerEvent) => printed.push(e.id), onFault: (f) => faults.push(f), onRecovered: (id) => recovered.push(id) });
    const until = async (what: string, ok: () => boolean) => {
      for (const deadline = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    };
    await until("the first events", () => printed.length === 3);
    failing = 4;
    const from = calls.length;
    await ledger.events.append("test_event", { i: 3 });
    await until("the recovery", () => recovered.length === 1);
    await ledger.events.append("test_event", { i: 4 });
    await until("the last event", () => printed.length === 5);
    follower.stop();
    await follower.done;

    assert.deepEqual(printed, [1, 2, 3, 4, 5]);
    assert.equal(faults.length, 1, "one report per outage");
    assert.equal(faults[0], busy);
    // The read that succeeded again printed the event appended during the fault.
    assert.deepEqual(recovered, [4]);
    // Waits of 20, 40, 80, 160 ms between the five reads from the first failure to the recovery.
    const gaps = calls.slice(from, from + 5).map((t, i, all) => (i === 0 ? 0 : t - all[i - 1]!)).slice(1);
    assert.deepEqual(gaps.map((g, i) => g >= 20 * 2 ** i - 5), [true, true, true, true], JSON.stringify(gaps));
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an error that is not a transient store fault still ends the follower", async () => {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-follow-unit-"));
  try {
    const damaged = storeUnavailable(join(dir, "ledger.db"), "read", { errcode: 11 });
    const events: EventLog = {
      append: async () => {},
      list: async () => {
        throw damaged;
      },
    };
    const faults: unknown[] = [];
    const follower = follow({ events, afterId: 0, pollMs: 20, print: () => {}, onFault: (f) => faults.push(f) });
    await assert.rejects(follower.done, (err) => err === damaged);
    assert.deepEqual(faults, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
