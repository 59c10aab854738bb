// The ledger (store, -wal, -shm, key file) and every export are the owner's alone: 0600 whatever
// the umask, and an existing store that others could read is narrowed when it is opened.

import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/index.ts";
import { fileKeyRing, keyFilePath } from "../../runtime/ledger/keys/key-file.ts";
import { writeFileAtomically } from "../../operator/review/write-file.ts";
import { tempDir } from "../support/compiled-server.ts";

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Runs `work` with a umask that would leave new files world-readable and writable. */
async function withOpenUmask<T>(work: () => Promise<T> | T): Promise<T> {
  const previous = process.umask(0o000);
  try {
    return await work();
  } finally {
    process.umask(previous);
  }
}

async function writeSomething(path: string): Promise<void> {
  const ledger = await openLedger({ path });
  try {
    await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", tenantId: "acme", principal: "agent", source: "app", code: "INTERNAL", internal: "x" });
    assert.ok(existsSync(`${path}-wal`) && existsSync(`${path}-shm`), "WAL files exist while the store is open");
    for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}.key`]) {
      if (existsSync(file)) assert.equal(mode(file), "600", `${file} while open`);
    }
  } finally {
    await ledger.close();
  }
}

test("a new store, its -wal and -shm and its key file are created 0600 under umask 000", async () => {
  const path = join(tempDir("synapsor-modes-"), "ledger", "local.db");
  await withOpenUmask(async () => {
    await writeSomething(path);
    fileKeyRing(keyFilePath(path)).active(); // the first seal creates the key file
  });
  assert.equal(mode(path), "600");
  assert.equal(mode(keyFilePath(path)), "600");
});

test("an existing store that others can read is narrowed to 0600 when opened, -wal and -shm too", async () => {
  const path = join(tempDir("synapsor-modes-"), "local.db");
  await writeSomething(path);
  const ledger = await openLedger({ path });
  // Keep the -wal and -shm in place (open handle) while their modes are widened, as an old runner left them.
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o644);
  await ledger.close();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o664);
  assert.equal(mode(path), "664");
  await writeSomething(path);
  assert.equal(mode(path), "600");
});

test("exports (job files, replays) are written 0600 under umask 000, also over a wider existing file", async () => {
  const dir = tempDir("synapsor-modes-");
  const fresh = join(dir, "exports", "job.json");
  await withOpenUmask(() => writeFileAtomically(fresh, "{}\n"));
  assert.equal(mode(fresh), "600");
  const existing = join(dir, "replay.md");
  writeFileSync(existing, "old");
  chmodSync(existing, 0o666);
  await withOpenUmask(() => writeFileAtomically(existing, "# new\n"));
  assert.equal(mode(existing), "600");
});
