// Measures the per-call cost of Ledger.recordRead, which runs on every tool call.
// Run: npx node bench/ledger-writes.ts  (target: well under 30 µs per call with evidence)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { ReadRecord } from "../runtime/ledger/ledger.ts";
import { openSqliteLedger } from "../runtime/ledger/sqlite.ts";

const CALLS = 20_000;
const WARMUP = 2_000;

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

const dir = mkdtempSync(join(tmpdir(), "ledger-bench-"));
try {
  const ledger = openSqliteLedger(join(dir, "ledger.sqlite"));
  const cases: [string, ReadRecord][] = [
    ["1 row, with evidence", readRecord(1, true)],
    ["1 row, audit only", readRecord(0, false)],
    ["20 rows, with evidence", readRecord(20, true)],
  ];
  for (const [label, record] of cases) {
    for (let i = 0; i < WARMUP; i++) ledger.recordRead(record);
    const cpuBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) ledger.recordRead(record);
    const wall = Number(process.hrtime.bigint() - start) / 1000 / CALLS;
    const cpu = process.cpuUsage(cpuBefore);
    // CPU time is reported too: on a shared machine wall time mostly measures waiting for the disk and other processes.
    const cpuMicros = (cpu.user + cpu.system) / CALLS;
    console.log(`recordRead ${label}: ${wall.toFixed(1)} µs/call wall, ${cpuMicros.toFixed(1)} µs/call CPU (${CALLS} calls)`);
  }
  ledger.close();

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
