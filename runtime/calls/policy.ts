// Proposal policy checked at call time: allowed columns, numeric bounds and transition
// guards. The build already rejects configs that break these statically; this catches
// what only the arguments and the current row can tell.

import type { ProposalCapability } from "../capability.ts";
import { compareDecimal, decimalOfNumber, exactDecimal, sameNumber } from "../decimal.ts";
import type { Scalar } from "../values.ts";
import { numericArgNames } from "./arguments.ts";

/** Database drivers return bigint and decimal as strings; compare values by their text. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return String(a) === String(b);
}

export function policyViolation(
  cap: ProposalCapability,
  row: Record<string, unknown>,
  patch: Record<string, Scalar>,
): string | undefined {
  // Messages reach the model: they name and quote only what the author made visible.
  const visible = visibleSet(cap);
  const shown = (column: string) => visible.has(column);
  for (const column of Object.keys(patch)) {
    if (!cap.allowedColumns.includes(column)) {
      return shown(column) ? `Column '${column}' may not be changed by this capability.` : "This capability may not change one of the proposed columns.";
    }
  }
  for (const [column, bounds] of Object.entries(cap.numericBounds)) {
    if (!(column in patch)) continue;
    // Exact: "100.000000000000000001" is above a maximum of 100, and "", "0x10" or "1e2" are not numbers.
    const value = exactDecimal(patch[column]);
    // The proposed value is the caller's own; only the column's name may be hidden.
    const subject = shown(column) ? `The proposed ${column}` : "A proposed value";
    if (value === undefined) return `${subject} is not a number.`;
    const minimum = bounds.minimum === undefined ? undefined : decimalOfNumber(bounds.minimum);
    const maximum = bounds.maximum === undefined ? undefined : decimalOfNumber(bounds.maximum);
    if (minimum !== undefined && compareDecimal(value, minimum) < 0) {
      return `${subject} (${value}) is below the allowed minimum of ${minimum}.`;
    }
    if (maximum !== undefined && compareDecimal(value, maximum) > 0) {
      return `${subject} (${value}) is above the allowed maximum of ${maximum}.`;
    }
  }
  for (const [column, guard] of Object.entries(cap.transitionGuards)) {
    const current = row[column];
    if (!guard.from.some((v) => sameValue(v, current))) {
      return shown(column)
        ? `This change is only allowed when ${column} is ${guard.from.map((v) => JSON.stringify(v)).join(" or ")}; it is ${JSON.stringify(current)}.`
        : "This change is not allowed while the row is in its current state.";
    }
    if (column in patch && !guard.to.some((v) => sameValue(v, patch[column]))) {
      return shown(column)
        ? `${column} may only change to ${guard.to.map((v) => JSON.stringify(v)).join(" or ")}.`
        : "One of the proposed values is not a state this capability may set.";
    }
  }
  for (const [column, precondition] of Object.entries(cap.preconditions ?? {})) {
    const current = row[column];
    if (!precondition.oneOf.some((v) => sameValue(v, current))) {
      return shown(column)
        ? `This change may only be proposed while ${column} is ${precondition.oneOf.map((v) => JSON.stringify(v)).join(" or ")}; it is ${JSON.stringify(current ?? null)}.`
        : "This change may not be proposed while the row is in its current state.";
    }
  }
  // Refusing a no-op that touches a hidden column would tell the caller whether its guess equals
  // the hidden current value; such a proposal goes to review, where the reviewer sees the full diff.
  const numeric = numericColumns(cap);
  const unchanged = (column: string, value: Scalar) =>
    numeric.has(column) || typeof value === "number" ? sameNumberOrValue(row[column], value) : sameValue(row[column], value);
  const columns = Object.keys(patch);
  if (columns.every(shown) && columns.every((column) => unchanged(column, patch[column]!))) {
    return "The proposal would not change anything: the row already has these values.";
  }
  return undefined;
}

/** A numeric column reads back as "12.50" for a proposed 12.5: the same number is no change. */
function sameNumberOrValue(current: unknown, proposed: Scalar): boolean {
  return sameNumber(current, proposed) || sameValue(current, proposed);
}

const visibleSetOf = new WeakMap<ProposalCapability, ReadonlySet<string>>();

function visibleSet(cap: ProposalCapability): ReadonlySet<string> {
  let visible = visibleSetOf.get(cap);
  if (!visible) visibleSetOf.set(cap, (visible = new Set(cap.visibleColumns ?? [])));
  return visible;
}

const numericColumnsOf = new WeakMap<ProposalCapability, ReadonlySet<string>>();

/**
 * The columns whose values are numbers: those with numeric bounds and those a numeric argument
 * feeds. Which argument feeds which column is read from the compiled patch itself, by calling it
 * once with a marker for each numeric argument.
 */
function numericColumns(cap: ProposalCapability): ReadonlySet<string> {
  let columns = numericColumnsOf.get(cap);
  if (columns) return columns;
  if (typeof cap.patch !== "function") return new Set(Object.keys(cap.numericBounds));
  const markers = new Map(numericArgNames(cap.inputSchema).map((name) => [`\u0000numeric-argument:${name}`, name]));
  const probe = Object.fromEntries([...markers].map(([marker, name]) => [name, marker]));
  const fed = Object.entries(cap.patch(probe)).filter(([, value]) => typeof value === "string" && markers.has(value));
  columns = new Set([...Object.keys(cap.numericBounds), ...fed.map(([column]) => column)]);
  numericColumnsOf.set(cap, columns);
  return columns;
}
