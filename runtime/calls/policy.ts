// Proposal policy checked at call time: allowed columns, numeric bounds and transition
// guards. The build already rejects configs that break these statically; this catches
// what only the arguments and the current row can tell.

import type { ProposalCapability } from "../capability.ts";
import type { Scalar } from "../values.ts";

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
  const visible = new Set(cap.visibleColumns ?? []);
  const shown = (column: string) => visible.has(column);
  for (const column of Object.keys(patch)) {
    if (!cap.allowedColumns.includes(column)) {
      return shown(column) ? `Column '${column}' may not be changed by this capability.` : "This capability may not change one of the proposed columns.";
    }
  }
  for (const [column, bounds] of Object.entries(cap.numericBounds)) {
    if (!(column in patch)) continue;
    const value = Number(patch[column]);
    // The proposed value is the caller's own; only the column's name may be hidden.
    const subject = shown(column) ? `The proposed ${column}` : "A proposed value";
    if (patch[column] === null || Number.isNaN(value)) return `${subject} is not a number.`;
    if (bounds.minimum !== undefined && value < bounds.minimum) {
      return `${subject} (${value}) is below the allowed minimum of ${bounds.minimum}.`;
    }
    if (bounds.maximum !== undefined && value > bounds.maximum) {
      return `${subject} (${value}) is above the allowed maximum of ${bounds.maximum}.`;
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
  if (Object.entries(patch).every(([column, value]) => sameValue(row[column], value))) {
    return "The proposal would not change anything: the row already has these values.";
  }
  return undefined;
}
