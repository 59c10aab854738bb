// The guard checklist: each rule the COMPILED capability puts on the write, evaluated against the
// live row now, so a reviewer sees before approving whether apply would write, conflict or
// refuse. The rules come from the build (never the ledger's copy); the values compared are the
// proposal's and the live row's. Comparisons are the runtime's own (sameValue, exact decimals,
// the version guard's timestamp range), so the console and apply agree. A pure function.

import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { sameValue } from "../../runtime/calls/policy.ts";
import { compareDecimal, decimalOfNumber, exactDecimal } from "../../runtime/decimal.ts";
import { idempotencyKey } from "../../runtime/executors/request.ts";
import { timestampRange } from "../../runtime/executors/version.ts";
import type { StoredProposal, StoredReceipt } from "../../runtime/ledger/records.ts";
import type { Scalar } from "../../runtime/values.ts";
import type { GuardCheck } from "./model.ts";

export interface GuardInput {
  capability: CapabilityPlan;
  proposal: StoredProposal;
  /** The full live row (every column the planned statement reads); null when missing or unread. */
  row: Record<string, unknown> | null;
  /** How the live read ended: read (row set), missing (no row in the tenant), unavailable (not read). */
  live: "read" | "missing" | "unavailable";
  /** Rows the tenant-scoped lookup matched; null when it did not run. */
  matched: number | null;
  /** The proposal's receipts, any order. */
  receipts: readonly StoredReceipt[];
}

const APPLIED = new Set(["applied", "already_applied"]);

export function evaluateGuards(input: GuardInput): GuardCheck[] {
  const { capability, proposal, row, live } = input;
  const plan = capability.proposal;
  const checks: GuardCheck[] = [];
  const add = (id: string, label: string, status: GuardCheck["status"], detail: string) => checks.push({ id, label, status, detail });
  const unread = live === "unavailable" ? "The live row could not be read, so this is not known now." : undefined;
  const objectId = proposal.target.primaryKey.value;
  const tenantKey = capability.target.tenantKey;

  // Tenant scope: the lookup binds the proposal's tenant, so a row found is in it; checked on the column too.
  if (unread) add("tenant_scope", "Tenant scope", "unknown", unread);
  else if (live === "missing" || !row) {
    add("tenant_scope", "Tenant scope", "fails", `No row ${show(objectId)} is in tenant ${show(proposal.tenantId)} now: it was deleted or moved to another tenant, so apply would write nothing.`);
  } else if (Object.hasOwn(row, tenantKey) && !sameValue(row[tenantKey], proposal.tenantId)) {
    add("tenant_scope", "Tenant scope", "fails", `The row's ${tenantKey} is ${show(row[tenantKey])}, not the proposal's tenant ${show(proposal.tenantId)}.`);
  } else {
    add("tenant_scope", "Tenant scope", "holds", `The row is in the proposal's tenant ${show(proposal.tenantId)} (${tenantKey}), the tenant the agent was bound to.`);
  }

  // Allowed columns: the build's list, whatever the ledger says.
  const allowed = plan?.allowedColumns ?? [];
  const patched = Object.keys(proposal.patch);
  const outside = patched.filter((c) => !allowed.includes(c));
  add(
    "allowed_columns",
    "Allowed columns",
    outside.length === 0 && patched.length > 0 ? "holds" : "fails",
    outside.length > 0
      ? `The patch changes ${outside.join(", ")}, which the build does not allow (allowed: ${allowed.join(", ") || "none"}).`
      : patched.length === 0
        ? "The patch changes no column."
        : `Every patched column (${patched.join(", ")}) is one the build allows.`,
  );

  for (const [column, bounds] of Object.entries(plan?.numericBounds ?? {})) {
    if (!Object.hasOwn(proposal.patch, column)) continue;
    const verdict = boundsVerdict(column, proposal.patch[column]!, bounds);
    add(`bounds:${column}`, `Bounds of ${column}`, verdict.holds ? "holds" : "fails", verdict.detail);
  }

  for (const [column, guard] of Object.entries(plan?.transitionGuards ?? {})) {
    const label = `Transition of ${column}`;
    if (!row) add(`transition:${column}`, label, unread ? "unknown" : "fails", unread ?? "There is no live row to check the state of.");
    else if (guard.from.some((v) => sameValue(v, row[column]))) {
      add(`transition:${column}`, label, "holds", `The row's ${column} is ${show(row[column])} now, a state the change is allowed from (${list(guard.from)}).`);
    } else {
      add(`transition:${column}`, label, "fails", `The row's ${column} is ${show(row[column])} now; the change is allowed only from ${list(guard.from)}, so apply would not write.`);
    }
  }

  for (const [column, precondition] of Object.entries(plan?.preconditions ?? {})) {
    const label = `Precondition on ${column}`;
    if (!row) add(`precondition:${column}`, label, unread ? "unknown" : "fails", unread ?? "There is no live row to check.");
    else if (precondition.oneOf.some((v) => sameValue(v, row[column]))) {
      add(`precondition:${column}`, label, "holds", `The row's ${column} is ${show(row[column])} now, one of the values required (${list(precondition.oneOf)}).`);
    } else {
      add(`precondition:${column}`, label, "fails", `The row's ${column} is ${show(row[column])} now; it must be one of ${list(precondition.oneOf)}, so apply would not write.`);
    }
  }

  const versionColumn = plan?.conflictColumn;
  if (versionColumn !== undefined) {
    const label = "Conflict column";
    const stored = proposal.guards.conflict;
    if (!stored || stored.column !== versionColumn) {
      add("conflict_column", label, "fails", `The build checks ${versionColumn}, but the proposal records ${stored ? `an expected ${stored.column}` : "no expected version"}.`);
    } else if (!row) {
      add("conflict_column", label, unread ? "unknown" : "fails", unread ?? "There is no live row to compare the version with.");
    } else if (sameVersion(row[versionColumn], stored.expected, plan?.write?.versionGuard?.kind)) {
      add("conflict_column", label, "holds", `The row's ${versionColumn} is still ${show(stored.expected)}, the version the proposal was made from.`);
    } else {
      add("conflict_column", label, "fails", `The row's ${versionColumn} is ${show(row[versionColumn])} now, not ${show(stored.expected)} as when proposed: the row changed, and apply would report a conflict.`);
    }
  }

  if (proposal.target.primaryKey.column !== capability.target.primaryKey) {
    add("primary_key", "Primary key", "fails", `The proposal targets ${proposal.target.primaryKey.column}, but the build's primary key is ${capability.target.primaryKey}.`);
  } else if (unread) add("primary_key", "Primary key", "unknown", unread);
  else if (!row) add("primary_key", "Primary key", "fails", `No row has ${capability.target.primaryKey} ${show(objectId)} in the tenant now.`);
  else add("primary_key", "Primary key", "holds", `The write is keyed on ${capability.target.primaryKey} = ${show(objectId)}, and that row exists.`);

  if (input.matched === null) add("single_row", "Single row", "unknown", unread ?? "The lookup did not run.");
  else if (input.matched === 1) add("single_row", "Single row", "holds", "Exactly one row matches the key in the tenant, so apply changes one row at most.");
  else if (input.matched === 0) add("single_row", "Single row", "fails", "No row matches the key in the tenant, so apply would change nothing.");
  else add("single_row", "Single row", "fails", `${input.matched} rows match the key in the tenant; apply refuses to change more than one.`);

  const key = idempotencyKey(proposal);
  const done = input.receipts.find((r) => APPLIED.has(r.receipt.status));
  add(
    "idempotency_key",
    "Idempotency key",
    done ? "fails" : "holds",
    done
      ? `Already applied under idempotency key ${show(key)} (receipt ${done.id}): apply will not write again.`
      : `No receipt holds the idempotency key ${show(key)} yet: apply writes this change at most once.`,
  );
  return checks;
}

/** Whether a proposed number is within the build's bounds, and how close it comes to them. */
export function boundsVerdict(column: string, value: Scalar, bounds: { minimum?: number; maximum?: number }): { holds: boolean; detail: string } {
  const n = exactDecimal(value);
  if (n === undefined) return { holds: false, detail: `The proposed ${column} ${show(value)} is not a number, and the build bounds it.` };
  const min = bounds.minimum === undefined ? undefined : decimalOfNumber(bounds.minimum);
  const max = bounds.maximum === undefined ? undefined : decimalOfNumber(bounds.maximum);
  if (min !== undefined && compareDecimal(n, min) < 0) return { holds: false, detail: `The proposed ${column} ${grouped(n)} is below the minimum ${grouped(min)}.` };
  if (max !== undefined && compareDecimal(n, max) > 0) return { holds: false, detail: `The proposed ${column} ${grouped(n)} is above the maximum ${grouped(max)}.` };
  if (max === undefined) return { holds: true, detail: `The proposed ${column} ${grouped(n)} is at least ${grouped(min!)}.` };
  const from = min ?? "0";
  const share = percentOf(subtract(n, from), subtract(max, from));
  const range = min === undefined ? "" : ` of the range ${grouped(min)}…${grouped(max)}`;
  return { holds: true, detail: `The proposed ${column} is ${grouped(n)} of at most ${grouped(max)} (${share}%${range}).` };
}

/** The live version against the expected one, as the planned version guard compares them. */
function sameVersion(live: unknown, expected: Scalar, kind: "timestamp" | "counter" | undefined): boolean {
  if (kind !== "counter" && typeof live === "string" && typeof expected === "string") {
    // A timestamp matches the instants that print as the expected value at its own precision.
    const want = timestampRange(expected);
    const got = timestampRange(live);
    if (want && got) return got.lo >= want.lo && got.lo < want.hi;
  }
  return sameValue(live, expected);
}

/** Exact a − b for canonical decimals, as a canonical decimal. */
function subtract(a: string, b: string): string {
  const places = Math.max(fraction(a).length, fraction(b).length);
  const scaledDiff = scaledInt(a, places) - scaledInt(b, places);
  const negative = scaledDiff < 0n;
  const digits = (negative ? -scaledDiff : scaledDiff).toString().padStart(places + 1, "0");
  const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`.replace(/\.?0+$/, "");
  return `${negative ? "-" : ""}${text}`;
}

/** The share of `part` in `whole`, rounded down to a whole percent (a fee at 99.9% of the limit does not read as 100%). */
function percentOf(part: string, whole: string): string {
  const places = Math.max(fraction(part).length, fraction(whole).length);
  const w = scaledInt(whole, places);
  if (w <= 0n) return "100";
  return ((scaledInt(part, places) * 100n) / w).toString();
}

function fraction(text: string): string {
  const dot = text.indexOf(".");
  return dot < 0 ? "" : text.slice(dot + 1);
}

function scaledInt(text: string, places: number): bigint {
  const [whole, frac = ""] = text.split(".");
  return BigInt(whole! + frac.padEnd(places, "0"));
}

/** 4000 → "4,000"; the fraction is left as it is. */
function grouped(decimal: string): string {
  const [whole, frac] = decimal.split(".");
  const sign = whole!.startsWith("-") ? "-" : "";
  const digits = whole!.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${digits}${frac === undefined ? "" : `.${frac}`}`;
}

function list(values: readonly Scalar[]): string {
  return values.map(show).join(" or ");
}

/** A value inside a sentence: JSON, so "open" and open and null read apart. The renderer escapes it. */
function show(value: unknown): string {
  return JSON.stringify(value ?? null) ?? String(value);
}
