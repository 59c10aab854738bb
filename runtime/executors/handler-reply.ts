// Turns what an app-owned handler (HTTP or command) answered into a receipt. Only the known
// fields survive, each checked and bounded; the message is always ours, so no handler text
// reaches the operator's output. Anything that does not fit is HANDLER_BAD_RESPONSE.

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

export function failure(code: SafeErrorCode, message: string, internal?: string): ExecutionResult {
  return internal === undefined ? { receipt: failedReceipt(code, message) } : { receipt: failedReceipt(code, message), internal: excerpt(internal) };
}

/** Parses the reply text; a reply that is not a well-formed receipt is a failed receipt. */
export function receiptFromReply(text: string, channel: string): ExecutionResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return failure("HANDLER_BAD_RESPONSE", `The ${channel} did not answer with JSON.`, text);
  }
  const receipt = toReceipt(parsed);
  if (typeof receipt === "string") return failure("HANDLER_BAD_RESPONSE", `The ${channel} answered with an invalid receipt (${receipt}).`, text);
  return { receipt };
}

/** The checked receipt, or the name of the first problem. */
function toReceipt(value: unknown): Receipt | string {
  if (!isObject(value)) return "not an object";
  const status = value.status;
  if (typeof status !== "string" || !(STATUSES as readonly string[]).includes(status)) return "unknown status";
  const rows = value.rows_affected;
  if (typeof rows !== "number" || !Number.isSafeInteger(rows) || rows < 0) return "rows_affected";
  if (typeof value.source_database_mutated !== "boolean") return "source_database_mutated";
  const previous = version(value.previous_version);
  const next = version(value.new_version);
  if (previous === undefined) return "previous_version";
  if (next === undefined) return "new_version";
  const code = value.safe_error_code ?? null;
  if (code !== null && (typeof code !== "string" || !CODE_PATTERN.test(code))) return "safe_error_code";
  const typed = status as ReceiptStatus;
  if ((typed === "conflict" || typed === "failed") && code === null) return "safe_error_code missing";
  const effects = effectsOf(value.details);
  if (effects === undefined) return "details.effects";
  return {
    status: typed,
    rows_affected: rows,
    source_database_mutated: value.source_database_mutated,
    previous_version: previous,
    new_version: next,
    safe_error_code: typed === "applied" || typed === "already_applied" ? null : code,
    message: MESSAGES[typed],
    details: { effects },
  };
}

/** A version is a short scalar; absent means the handler does not track one. */
function version(value: unknown): Scalar | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value === "string") return value.length <= MAX_TEXT ? value : undefined;
  if (typeof value === "number" || typeof value === "boolean") return Number.isFinite(value as number) || typeof value === "boolean" ? value : undefined;
  return undefined;
}

/** Effects are small flat records of scalars (type, table, id); anything else is refused. */
function effectsOf(details: unknown): Array<Record<string, Scalar>> | undefined {
  if (details === undefined || details === null) return [];
  if (!isObject(details)) return undefined;
  const effects = details.effects;
  if (effects === undefined || effects === null) return [];
  if (!Array.isArray(effects) || effects.length > MAX_EFFECTS) return undefined;
  const out: Array<Record<string, Scalar>> = [];
  for (const effect of effects) {
    if (!isObject(effect)) return undefined;
    const entries = Object.entries(effect);
    if (entries.length > MAX_EFFECT_FIELDS) return undefined;
    const clean: Record<string, Scalar> = {};
    for (const [key, v] of entries) {
      if (!KEY_PATTERN.test(key)) return undefined;
      if (v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) clean[key] = v;
      else if (typeof v === "string" && v.length <= MAX_TEXT) clean[key] = v;
      else return undefined;
    }
    out.push(clean);
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
