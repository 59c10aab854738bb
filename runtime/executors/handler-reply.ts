// Turns what an app-owned handler (HTTP or command) answered into a receipt. Only the known
// fields survive, each checked and bounded; the message is always ours, so no handler text
// reaches the operator's output. A reply whose core fields do not fit is HANDLER_BAD_RESPONSE;
// effects that are too long or too many are cut down (and marked), never a reason to lose a
// valid receipt. Once a handler had the request, a failure on our side of the call does not
// prove it wrote nothing: those receipts say source_database_mutated "unknown", never false.

import { unappliedReceipt } from "./receipts.ts";
import type { Scalar } from "../values.ts";
import type { Receipt, ReceiptStatus, SafeErrorCode } from "./protocol.ts";
import type { ExecutionResult } from "./executor.ts";

const STATUSES: readonly ReceiptStatus[] = ["applied", "already_applied", "conflict", "failed"];
/** A handler's own code must look like a code (e.g. CREDIT_LIMIT_REACHED), never like prose. */
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const MAX_EFFECTS = 20;
const MAX_EFFECT_FIELDS = 16;
const MAX_TEXT = 200;
/** How much raw handler output the ledger keeps for diagnosis. */
export const INTERNAL_EXCERPT_CHARS = 2000;

const MESSAGES: Record<ReceiptStatus, string> = {
  applied: "The app handler applied the approved change.",
  already_applied: "The app handler had already applied this change; nothing was written again.",
  conflict: "The app handler refused the change because the row no longer matches the proposal.",
  failed: "The app handler did not apply the change.",
};

export function excerpt(text: string): string {
  return text.length > INTERNAL_EXCERPT_CHARS ? `${text.slice(0, INTERNAL_EXCERPT_CHARS)}…` : text;
}

/** A receipt for a failure on our side of the call (timeout, refused connection, bad reply). */
export function failedReceipt(code: SafeErrorCode, message: string): Receipt {
  return unappliedReceipt("failed", code, message);
}

/** A failure before the handler had the request (it could not be reached or started): nothing was written. */
export function failure(code: SafeErrorCode, message: string, internal?: string): ExecutionResult {
  return withInternal(failedReceipt(code, message), internal);
}

/**
 * A failure after the handler had the request (timeout, killed, no valid receipt): it may have
 * written, so the receipt says so and the message tells the operator to look before retrying.
 */
export function uncertainFailure(code: SafeErrorCode, message: string, internal?: string): ExecutionResult {
  const receipt: Receipt = {
    ...failedReceipt(code, `${message} It may have changed the source database: check the row before applying again.`),
    source_database_mutated: "unknown",
  };
  return withInternal(receipt, internal);
}

function withInternal(receipt: Receipt, internal: string | undefined): ExecutionResult {
  return internal === undefined ? { receipt } : { receipt, internal: excerpt(internal) };
}

/** Parses the reply text of a handler that had the request; a reply that is not a well-formed receipt is an uncertain failure. */
export function receiptFromReply(text: string, channel: string): ExecutionResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return uncertainFailure("HANDLER_BAD_RESPONSE", `The ${channel} did not answer with JSON.`, text);
  }
  const receipt = checkedReceipt(parsed);
  if (typeof receipt === "string") return uncertainFailure("HANDLER_BAD_RESPONSE", `The ${channel} answered with an invalid receipt (${receipt}).`, text);
  return { receipt };
}

/**
 * The checked receipt, or the name of the first problem. Also checks receipts read back from a
 * target database's receipts table (receipts-read.ts): JSON nobody on this side vouches for.
 */
export function checkedReceipt(value: unknown): Receipt | string {
  if (!isObject(value)) return "not an object";
  const status = value.status;
  if (typeof status !== "string" || !(STATUSES as readonly string[]).includes(status)) return "unknown status";
  const rows = value.rows_affected;
  if (typeof rows !== "number" || !Number.isSafeInteger(rows) || rows < 0) return "rows_affected";
  const mutated = value.source_database_mutated;
  if (typeof mutated !== "boolean" && mutated !== "unknown") return "source_database_mutated";
  const previous = version(value.previous_version);
  const next = version(value.new_version);
  if (previous === undefined) return "previous_version";
  if (next === undefined) return "new_version";
  const code = value.safe_error_code ?? null;
  if (code !== null && (typeof code !== "string" || !CODE_PATTERN.test(code))) return "safe_error_code";
  const typed = status as ReceiptStatus;
  if ((typed === "conflict" || typed === "failed") && code === null) return "safe_error_code missing";
  const effects = effectsOf(value.details);
  return {
    status: typed,
    rows_affected: rows,
    source_database_mutated: mutated,
    previous_version: previous,
    new_version: next,
    safe_error_code: typed === "applied" || typed === "already_applied" ? null : code,
    message: MESSAGES[typed],
    details: effects.truncated ? { effects: effects.kept, truncated: true } : { effects: effects.kept },
  };
}

/**
 * A version is a short scalar; absent means the handler does not track one. Its length is
 * counted in characters (code points), as JSON Schema's maxLength in app-handler-receipt.v1
 * counts it, so a handler checked against the published schema is never refused here.
 */
function version(value: unknown): Scalar | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.length <= MAX_TEXT || codePoints(value) <= MAX_TEXT ? value : undefined;
  if (typeof value === "number" || typeof value === "boolean") return Number.isFinite(value as number) || typeof value === "boolean" ? value : undefined;
  return undefined;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

interface BoundedEffects {
  kept: Array<Record<string, Scalar>>;
  truncated: boolean;
}

/**
 * Effects are small flat records of scalars (type, table, id). What does not fit is cut down,
 * not refused: at most MAX_EFFECTS records of MAX_EFFECT_FIELDS fields, strings cut at MAX_TEXT
 * characters (ending in …), nested values kept as (cut) JSON text, fields with odd names dropped.
 */
function effectsOf(details: unknown): BoundedEffects {
  const bounded: BoundedEffects = { kept: [], truncated: false };
  if (details === undefined || details === null) return bounded;
  if (!isObject(details)) return { kept: [], truncated: true };
  const effects = details.effects;
  if (effects === undefined || effects === null) return bounded;
  if (!Array.isArray(effects)) return { kept: [], truncated: true };
  if (effects.length > MAX_EFFECTS) bounded.truncated = true;
  for (const effect of effects.slice(0, MAX_EFFECTS)) {
    if (!isObject(effect)) {
      bounded.truncated = true;
      continue;
    }
    const entries = Object.entries(effect);
    if (entries.length > MAX_EFFECT_FIELDS) bounded.truncated = true;
    const clean: Record<string, Scalar> = {};
    for (const [key, v] of entries.slice(0, MAX_EFFECT_FIELDS)) {
      if (!KEY_PATTERN.test(key)) {
        bounded.truncated = true;
        continue;
      }
      const value = effectValue(v);
      if (value.cut) bounded.truncated = true;
      clean[key] = value.value;
    }
    bounded.kept.push(clean);
  }
  return bounded;
}

function effectValue(v: unknown): { value: Scalar; cut: boolean } {
  if (v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) return { value: v as Scalar, cut: false };
  const text = typeof v === "string" ? v : JSON.stringify(v);
  if (text.length <= MAX_TEXT) return { value: text, cut: false };
  // Never end on the first half of a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[MAX_TEXT - 1]!) ? MAX_TEXT - 1 : MAX_TEXT;
  return { value: `${text.slice(0, end)}…`, cut: true };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
