// Measures the per-call cost of the read log (ledger.reads), which runs on every tool call:
// one read per transaction through recordReads([record]) (the batch writer alone); one
// uncontended recordRead, which is what a lone tool call runs (the group commit, flushed from
// setImmediate, with nothing else in the batch); and 16 concurrent recordReads sharing one
// transaction, as a loaded server records them.
// Run: npx node bench/ledger-writes.ts  (target: well under 30 µs per call with evidence)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openLedger } from "../runtime/ledger/open.ts";
import type { ReadRecord } from "../runtime/ledger/records.ts";
import { parseBenchArgs } from "./lib/cli-args.ts";

parseBenchArgs(
  {
    name: "ledger-writes",
    usage: `Usage: npx node bench/ledger-writes.ts

Per-call cost of the read log (ledger.reads) in a temporary SQLite file: recordReads of one record,
a lone recordRead (a group commit of one), 16 concurrent recordReads, and a single-row INSERT as
this machine's yardstick; wall and CPU µs per call.

  -h, --help     this text`,
  },
  {},
);

const CALLS = 20_000;
const WARMUP = 2_000;
const IN_FLIGHT = 16;

function invoiceRow(n: number): Record<string, unknown> {
  return {
    id: `inv_${n}`,
    customer_id: "cus_81",
    status: "open",
    amount_cents: 12_500 + n,
    currency: "EUR",
    due_at: "2026-06-01T00:00:00.000Z",
    updated_at: "2026-05-16T09:12:44.123Z",
  };
}

function readRecord(rowCount: number, withEvidence: boolean): ReadRecord {
  const rows = Array.from({ length: rowCount }, (_, i) => invoiceRow(i));
  return {
    capability: "billing.inspect_invoice",
    tenantId: "tenant_a",
    principal: "agent:support",
    source: "app_db",
    table: "public.invoices",
    statementFingerprint: "3f9a1c0d2b7e6a54",
    args: { invoice_id: "inv_0" },
    redactedParams: ["inv_0", "$tenant_id"],
    rows,
    objectIds: rows.map((r) => String(r.id)),
    durationMs: 1.4,
    withEvidence,
  };
}

/** Runs `calls` operations and prints wall and CPU time per call; `op(n)` performs n calls. */
async function measure(label: string, calls: number, op: (n: number) => Promise<void>): Promise<void> {
  await op(WARMUP);
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  await op(calls);
  const wall = Number(process.hrtime.bigint() - start) / 1000 / calls;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time is reported too: on a shared machine wall time mostly measures waiting for the disk and other processes.
  const cpuMicros = (cpu.user + cpu.system) / calls;
  console.log(`${label}: ${wall.toFixed(1)} µs/call wall, ${cpuMicros.toFixed(1)} µs/call CPU (${calls} calls)`);
}

const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
try {
  const ledger = await openLedger({ path: join(dir, "ledger.sqlite") });
  const cases: [string, ReadRecord][] = [
    ["1 row, with evidence", readRecord(1, true)],
    ["1 row, audit only", readRecord(0, false)],
    ["20 rows, with evidence", readRecord(20, true)],
  ];
  for (const [label, record] of cases) {
    await measure(`recordReads([record]) ${label}`, CALLS, async (n) => {
      for (let i = 0; i < n; i++) await ledger.reads.recordReads([record]);
    });
  }
  const lone = readRecord(1, true);
  await measure("uncontended recordRead (group commit of one), 1 row, with evidence", CALLS, async (n) => {
    for (let i = 0; i < n; i++) await ledger.reads.recordRead(lone);
  });
  const grouped = readRecord(1, true);
  await measure(`group commit of ${IN_FLIGHT} concurrent reads, 1 row, with evidence`, CALLS, async (n) => {
    for (let i = 0; i < n; i += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, () => ledger.reads.recordRead(grouped)));
  });
  await ledger.close();

  // Yardstick for this machine: one small row into a table with just a text primary key, same settings.
  const db = new DatabaseSync(join(dir, "yardstick.sqlite"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT)");
  const insert = db.prepare("INSERT INTO t VALUES (?, ?)");
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) insert.run(`k${i}_${Math.random()}`, "value");
  const wall = Number(process.hrtime.bigint() - start) / 1000 / CALLS;
  const cpu = process.cpuUsage(cpuBefore);
  console.log(`yardstick single-row INSERT: ${wall.toFixed(1)} µs/call wall, ${((cpu.user + cpu.system) / CALLS).toFixed(1)} µs/call CPU`);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
