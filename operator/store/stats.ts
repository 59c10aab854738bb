// `store stats`: the numbers an operator looks at before a prune or a vacuum.

import { statSync } from "node:fs";
import { readLease, type LeaseReading } from "../../runtime/ledger/lease.ts";
import { countStore, type StoreCounts } from "../../runtime/ledger/sqlite/lifecycle/stats.ts";
import { withStoreFile } from "./open.ts";

export interface StoreStats {
  store: string;
  file_bytes: number;
  wal_bytes: number;
  schema_version: number;
  records: StoreCounts["records"];
  proposal_states: Record<string, number>;
  oldest: string | null;
  newest: string | null;
  lease: LeaseSummary;
}

export interface LeaseSummary {
  file: string;
  state: LeaseReading["state"];
  holders: Array<{ pid: number; hostname: string; mode: string; transport: string; started_at: string; status: string }>;
}

export function leaseSummary(storePath: string): LeaseSummary {
  const reading = readLease(storePath);
  return {
    file: reading.path,
    state: reading.state,
    holders: reading.holders.map((h) => ({ pid: h.pid, hostname: h.hostname, mode: h.mode, transport: h.transport, started_at: h.started_at, status: h.status })),
  };
}

export function storeStats(path: string): StoreStats {
  const counts = withStoreFile(path, countStore);
  return {
    store: path,
    file_bytes: sizeOf(path),
    wal_bytes: sizeOf(`${path}-wal`),
    schema_version: counts.schemaVersion,
    records: counts.records,
    proposal_states: counts.proposalStates,
    oldest: counts.oldest,
    newest: counts.newest,
    lease: leaseSummary(path),
  };
}

function sizeOf(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
