// The ledger connection's synchronous level per storage.durability, read back from the connection
// itself, and the default every review and store command gets (they pass no durability).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/open.ts";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";
import { DEFAULT_DURABILITY, synchronousPragma } from "../../runtime/ledger/durability.ts";
import { checkStore } from "../../operator/doctor/store.ts";
import { ledgerKey, staticKeyRing } from "../../runtime/ledger/keys/key-ring.ts";

test("power_loss commits with FULL, process_crash with NORMAL, and no setting means power_loss", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-durability-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(DEFAULT_DURABILITY, "power_loss");
  assert.equal(synchronousPragma("power_loss"), "FULL");
  assert.equal(synchronousPragma("process_crash"), "NORMAL");
  const keys = staticKeyRing([ledgerKey("k".repeat(32))], "test", "memory");
  for (const [durability, expected] of [["power_loss", "FULL"], ["process_crash", "NORMAL"], [undefined, "FULL"]] as const) {
    const ledger = await openLedger({ path: join(dir, `${durability ?? "default"}.db`), keys, ...(durability ? { durability } : {}) });
    try {
      assert.equal(ledger.synchronous, expected, String(durability));
    } finally {
      await ledger.close();
    }
  }
  // The store commands open the file through openSqliteDatabase with no setting.
  const db = openSqliteDatabase(join(dir, "store-command.db"));
  try {
    assert.equal(db.synchronousLevel(), "FULL");
  } finally {
    db.close();
  }
});

test("doctor's store check says what a crash can lose with the contract's setting (default power_loss)", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "synapsor-durability-doctor-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = join(dir, "ledger.db");
  assert.match(checkStore(store).message, /storage\.durability power_loss: every commit is fsynced/);
  assert.match(checkStore(store, "power_loss").message, /no crash loses a replied call's evidence/);
  const lossy = checkStore(store, "process_crash");
  assert.equal(lossy.status, "ok");
  assert.match(lossy.message, /storage\.durability process_crash: .*OS crash or power loss loses the rows since the last WAL checkpoint/);
});
