// Receipts for outcomes that wrote nothing. Every executor (and the handler helper) builds
// its conflict and failed receipts here, so the shape cannot drift between them.

import type { Receipt, SafeErrorCode, SourceMutation } from "./protocol.ts";
import type { Scalar } from "../values.ts";

export function unappliedReceipt(
  status: "conflict" | "failed",
  code: SafeErrorCode,
  message: string,
  previousVersion: Scalar = null,
): Receipt {
  return {
    status,
    rows_affected: 0,
    source_database_mutated: false,
    previous_version: previousVersion,
    new_version: null,
    safe_error_code: code,
    message,
    details: { effects: [] },
  };
}

/** How `source_database_mutated` reads for a person (terminal, Markdown, the console). */
export function mutationLabel(mutated: SourceMutation): string {
  if (mutated === "unknown") return "unknown (the handler may have written; check the row before applying again)";
  return mutated ? "yes" : "no";
}
