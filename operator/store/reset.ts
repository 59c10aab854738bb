// `store reset`: removes the ledger files (the store, its -wal and -shm, the lease). Never the
// source database, and not the key file: keys outlive a store so a restored backup still verifies.

import { rmSync, statSync } from "node:fs";
import { leasePath } from "../../runtime/ledger/lease.ts";

export function resetStore(path: string): string[] {
  const removed: string[] = [];
  for (const file of [path, `${path}-wal`, `${path}-shm`, leasePath(path)]) {
    if (!statSync(file, { throwIfNoEntry: false })) continue;
    rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}
