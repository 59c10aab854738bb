// The readiness answer's own rules (runtime/health/readiness.ts): one round of checks per cache
// window however many probes arrive, each check bounded in time, statements prepared until they
// pass once, and a stopped server never ready again. The databases are stand-in functions here;
// the real ones are exercised by test/e2e/health-endpoints.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { Adapter } from "../../runtime/db/adapter.ts";
import { createReadiness, plannedStatements } from "../../runtime/health/readiness.ts";

function countingAdapter(behaviour: { verify?: () => Promise<void>; prepare?: () => Promise<void> } = {}) {
  const calls = { verify: 0, prepare: 0 };
  const adapter = {
    engine: "postgres",
    verify: () => (calls.verify++, behaviour.verify?.() ?? Promise.resolve()),
    prepare: () => (calls.prepare++, behaviour.prepare?.() ?? Promise.resolve()),
  } as unknown as Adapter;
  return { adapter, calls };
}

const statement = { source: "main", statement: { name: "s1", text: "SELECT 1" } };

test("a probe storm runs one round per second; statements are prepared once they pass", async () => {
  let clock = 0;
  const { adapter, calls } = countingAdapter();
  const readiness = createReadiness({ adapters: new Map([["main", adapter]]), ledgerWritable: async () => undefined, statements: [statement], now: () => clock });
  const reports = await Promise.all(Array.from({ length: 50 }, () => readiness.report()));
  assert.ok(reports.every((r) => r.ready));
  assert.deepEqual(calls, { verify: 1, prepare: 1 });
  clock = 999;
  await readiness.report();
  assert.deepEqual(calls, { verify: 1, prepare: 1 });
  clock = 1000;
  await readiness.report();
  assert.deepEqual(calls, { verify: 2, prepare: 1 }, "statements are not prepared again after passing");
});

test("a check that hangs fails within its bound, and the answer names only the check", async () => {
  const { adapter } = countingAdapter({ verify: () => new Promise(() => undefined) });
  const readiness = createReadiness({
    adapters: new Map([["main", adapter]]),
    ledgerWritable: async () => {
      throw new Error("SQLITE_READONLY: /secret/path.db");
    },
    statements: [statement],
    checkTimeoutMs: 50,
  });
  const report = await readiness.report();
  assert.deepEqual(report, { ready: false, checks: { source: "fail", ledger: "fail", statements: "fail" } });
});

test("statements that failed are tried again; stop() makes every later answer not ready without checking", async () => {
  let clock = 0;
  let broken = true;
  const { adapter, calls } = countingAdapter({ prepare: async () => { if (broken) throw new Error("column x does not exist"); } });
  const readiness = createReadiness({ adapters: new Map([["main", adapter]]), ledgerWritable: async () => undefined, statements: [statement], now: () => clock });
  assert.equal((await readiness.report()).ready, false);
  broken = false;
  clock = 1000;
  assert.equal((await readiness.report()).ready, true);
  readiness.stop();
  clock = 5000;
  assert.deepEqual(await readiness.report(), { ready: false, checks: { stopping: "yes" } });
  assert.equal(calls.verify, 2, "no check after stop");
});

test("plannedStatements keeps one entry per source and statement name", () => {
  const s = { name: "read_invoice", text: "SELECT 1" };
  assert.equal(plannedStatements([{ source: "a", statement: s }, { source: "a", statement: s }, { source: "b", statement: s }]).length, 2);
});
