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
  for (const column of Object.keys(patch)) {
    if (!cap.allowedColumns.includes(column)) return `Column '${column}' may not be changed by this capability.`;
  }
  for (const [column, bounds] of Object.entries(cap.numericBounds)) {
    if (!(column in patch)) continue;
    const value = Number(patch[column]);
    if (patch[column] === null || Number.isNaN(value)) return `The proposed ${column} is not a number.`;
    if (bounds.minimum !== undefined && value < bounds.minimum) {
      return `The proposed ${column} (${value}) is below the allowed minimum of ${bounds.minimum}.`;
    }
    if (bounds.maximum !== undefined && value > bounds.maximum) {
      return `The proposed ${column} (${value}) is above the allowed maximum of ${bounds.maximum}.`;
    }
  }
  for (const [column, guard] of Object.entries(cap.transitionGuards)) {
    const current = row[column];
    if (!guard.from.some((v) => sameValue(v, current))) {
      return `This change is only allowed when ${column} is ${guard.from.map((v) => JSON.stringify(v)).join(" or ")}; it is ${JSON.stringify(current)}.`;
    }
    if (column in patch && !guard.to.some((v) => sameValue(v, patch[column]))) {
      return `${column} may only change to ${guard.to.map((v) => JSON.stringify(v)).join(" or ")}.`;
    }
  }
  if (Object.entries(patch).every(([column, value]) => sameValue(row[column], value))) {
    return "The proposal would not change anything: the row already has these values.";
  }
  return undefined;
}
