// Reading synapsor_writeback_receipts back: the target database's own record of what an apply
// wrote, committed in the same transaction as the UPDATE. It is authoritative: when the ledger
// missed a run (its store failed after the executor committed), apply and `receipts reconcile`
// record the proposal's outcome from here instead of running the write again.

import type { Adapter } from "../db/adapter.ts";
import { writerErrorKind } from "../dialect/index.ts";
import { describeCause } from "../errors.ts";
import type { Scalar } from "../values.ts";
import type { PlannedWrite, WriteValues } from "./planned-write.ts";
import type { Receipt } from "./protocol.ts";
import { checkedReceipt } from "./handler-reply.ts";

/** What the target database says about one idempotency key. */
export type TargetReceipt =
  | { status: "found"; receipt: Receipt }
  | { status: "absent" }
  /** The table could not be read; `internal` is the raw cause, for the ledger only. */
  | { status: "unavailable"; internal: string };

/** Reads the receipt row of this write's idempotency key; never throws. */
export async function readTargetReceipt(db: Adapter, write: PlannedWrite, values: WriteValues): Promise<TargetReceipt> {
  try {
    const [row] = await db.query(write.readReceipt, write.readReceipt.params(values));
    // A committed row is always `applied`: the claim and its completion share one transaction.
    if (!row || row.status !== "applied") return { status: "absent" };
    return { status: "found", receipt: receiptFromRow(row) };
  } catch (err) {
    // No receipts table: no apply ever committed through it (the executor will say how to create it).
    if (writerErrorKind(err) === "missing_object") return { status: "absent" };
    return { status: "unavailable", internal: describeCause(err) };
  }
}

const READ_BACK = "The approved change was written to the row; this receipt was read back from the target database's receipt table.";

/**
 * The receipt an apply stored in its row, checked like a handler's reply (only known, bounded
 * fields; our message), or one rebuilt from the row's columns when its JSON is not a receipt.
 * Either way the row is a committed `applied` row: the write happened.
 */
export function receiptFromRow(row: Record<string, unknown>): Receipt {
  const stored = parseStoredReceipt(row.receipt);
  if (stored && stored.status === "applied") return { ...stored, message: READ_BACK };
  return {
    status: "applied",
    // The claim and the UPDATE of exactly one row commit together.
    rows_affected: 1,
    source_database_mutated: true,
    previous_version: toScalar(row.previous_version),
    new_version: toScalar(row.new_version),
    safe_error_code: null,
    message: READ_BACK,
    details: { effects: [] },
  };
}

/** The stored receipt JSON, checked; undefined when it is not a receipt. Postgres returns jsonb parsed; MariaDB's JSON is text. */
export function parseStoredReceipt(value: unknown): Receipt | undefined {
  let parsed: unknown;
  try {
    parsed = typeof value === "string" ? JSON.parse(value) : value;
  } catch {
    return undefined;
  }
  const checked = checkedReceipt(parsed);
  return typeof checked === "string" ? undefined : checked;
}

/** A column value as a receipt scalar: a timestamp column comes back as a Date. */
export function toScalar(value: unknown): Scalar {
  return value === undefined ? null : value instanceof Date ? value.toISOString() : (value as Scalar);
}
