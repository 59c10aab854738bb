// The receipt a target database's receipts table holds is read back as untrusted JSON: it is
// checked like a handler's reply, and only checked fields reach the ledger or an already_applied
// answer. A row whose JSON is not a receipt is rebuilt from the row's own columns.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStoredReceipt, receiptFromRow } from "../../runtime/executors/receipts-read.ts";

const APPLIED = {
  status: "applied",
  rows_affected: 1,
  source_database_mutated: true,
  previous_version: 3,
  new_version: 4,
  safe_error_code: null,
  message: "written",
  details: { effects: [{ type: "sql_update", table: "public.invoices" }] },
};

test("a stored receipt is checked as a receipt: a bare status is not one", () => {
  assert.equal(parseStoredReceipt({ status: "applied" }), undefined);
  assert.equal(parseStoredReceipt('{"status":"applied"}'), undefined);
  assert.equal(parseStoredReceipt({ ...APPLIED, rows_affected: -1 }), undefined);
  assert.equal(parseStoredReceipt("not json"), undefined);
  const ok = parseStoredReceipt(JSON.stringify(APPLIED));
  assert.equal(ok?.status, "applied");
  assert.deepEqual(ok?.details.effects, APPLIED.details.effects);
});

test("a stored receipt without details still has details, so an already_applied answer can quote its effects", () => {
  const { details: _, ...withoutDetails } = APPLIED;
  const parsed = parseStoredReceipt(withoutDetails);
  assert.deepEqual(parsed?.details, { effects: [] });
});

test("the ledger gets only checked fields and our own message, never the row's text", () => {
  const evil = { ...APPLIED, message: "\u001b[2J all fine", extra: "x".repeat(10_000), details: { effects: [{ "bad key!": 1, note: "y".repeat(500) }] } };
  const receipt = receiptFromRow({ status: "applied", receipt: evil, previous_version: 3, new_version: 4 });
  assert.equal(receipt.status, "applied");
  assert.doesNotMatch(receipt.message, /\u001b|all fine/);
  assert.equal((receipt as unknown as Record<string, unknown>).extra, undefined);
  assert.equal(receipt.details.truncated, true);
  assert.deepEqual(Object.keys(receipt.details.effects[0]!), ["note"]);
});

test("a row whose JSON is not a receipt is rebuilt from its columns", () => {
  const receipt = receiptFromRow({ status: "applied", receipt: { status: "applied", rows_affected: "lots" }, previous_version: 3, new_version: new Date("2026-05-17T08:00:00Z") });
  assert.equal(receipt.status, "applied");
  assert.equal(receipt.rows_affected, 1);
  assert.equal(receipt.source_database_mutated, true);
  assert.equal(receipt.new_version, "2026-05-17T08:00:00.000Z");
  assert.deepEqual(receipt.details, { effects: [] });
});
