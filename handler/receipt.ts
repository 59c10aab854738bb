// The receipts the helper answers with. Every message is ours; a failure's cause goes to
// the app's onError hook, never into the body.

import type { Receipt, SafeErrorCode } from "../runtime/executors/protocol.ts";
import { unappliedReceipt } from "../runtime/executors/receipts.ts";
import type { Scalar } from "../runtime/values.ts";
import type { Effect } from "./types.ts";

export function appliedReceipt(rows: number, previous: Scalar, next: Scalar, effects: Effect[]): Receipt {
  return {
    status: "applied",
    rows_affected: rows,
    source_database_mutated: rows > 0,
    previous_version: previous,
    new_version: next,
    safe_error_code: null,
    message: "The handler applied the approved change.",
    details: { effects },
  };
}

/** A replay of a key that was applied before: the stored outcome, with nothing written now. */
export function alreadyAppliedReceipt(stored: Receipt): Receipt {
  return {
    ...stored,
    status: "already_applied",
    rows_affected: 0,
    source_database_mutated: false,
    safe_error_code: null,
    message: "This change was already applied; nothing was written again.",
  };
}

export function refusedReceipt(status: "conflict" | "failed", code: SafeErrorCode, message: string, previous: Scalar = null): Receipt {
  return unappliedReceipt(status, code, message, previous);
}
