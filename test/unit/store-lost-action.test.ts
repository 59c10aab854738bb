// A store whose file was deleted while open is refused for reads and writes alike; the message
// names what was being done (read or write), not always "cannot write".

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteDatabase } from "../../runtime/ledger/sqlite/open.ts";

test("a lost store says `cannot read` for a read and `cannot write` for a write", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "store-lost-action-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "ledger.sqlite");
  const db = openSqliteDatabase(path);
  t.after(() => db.close());
  unlinkSync(path);
  assert.throws(() => db.read(() => 1), (err: Error) => /^cannot read the store at /.test(err.message));
  assert.throws(() => db.transaction(() => 1), (err: Error) => /^cannot write to the store at /.test(err.message));
  assert.throws(() => db.read(() => 1), (err: Error) => /^cannot read the store at .*deleted/.test(err.message));
});
