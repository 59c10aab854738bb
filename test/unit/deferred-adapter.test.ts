// runtime/db/deferred-adapter.ts: the driver is loaded once, on first use, never for a server that
// only answers initialize and tools/list, and close() closes only what was opened.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Adapter } from "../../runtime/db/adapter.ts";
import { deferredAdapter } from "../../runtime/db/deferred-adapter.ts";

function fakeAdapter(log: string[]): Adapter {
  return {
    engine: "postgres",
    query: async (statement) => (log.push(`query ${statement.name}`), [{ ok: 1 }]),
    transaction: async (work) => work({ execute: async () => ({ rows: [], rowCount: 0 }) }),
    verify: async () => void log.push("verify"),
    prepare: async (statement) => void log.push(`prepare ${statement.name}`),
    poolStats: () => ({ idle: 1, inUse: 0, waiting: 0 }),
    close: async () => void log.push("close"),
  };
}

test("the driver loads on first use, once, and calls then go straight to it", async () => {
  const log: string[] = [];
  let opened = 0;
  const adapter = deferredAdapter("postgres", async () => (opened++, fakeAdapter(log)));
  assert.equal(adapter.engine, "postgres");
  assert.equal(opened, 0, "nothing loaded at creation");
  assert.equal(adapter.poolStats!(), undefined, "no pool to count before the driver is loaded");

  const statement = { name: "s1", text: "SELECT 1" };
  const [a, b] = await Promise.all([adapter.query(statement, []), adapter.verify()]);
  assert.deepEqual(a, [{ ok: 1 }]);
  assert.equal(b, undefined);
  assert.equal(opened, 1, "concurrent first uses share one load");
  await adapter.query(statement, []);
  await adapter.prepare(statement);
  assert.equal(opened, 1);
  assert.deepEqual(adapter.poolStats!(), { idle: 1, inUse: 0, waiting: 0 });
  await adapter.close();
  assert.deepEqual(log, ["query s1", "verify", "query s1", "prepare s1", "close"]);
});

test("closing an adapter that was never used loads nothing, then or later", async () => {
  let opened = 0;
  const adapter = deferredAdapter("mysql", async () => (opened++, fakeAdapter([])));
  await adapter.close();
  // A source check scheduled before the shutdown must not open a pool that keeps the process alive.
  await assert.rejects(adapter.verify(), /closed/);
  assert.equal(opened, 0);
});

test("a driver that fails to load fails the call that needed it", async () => {
  const adapter = deferredAdapter("postgres", async () => {
    throw new Error("BUG: no driver");
  });
  await assert.rejects(adapter.query({ name: "s", text: "SELECT 1" }, []), /no driver/);
});
