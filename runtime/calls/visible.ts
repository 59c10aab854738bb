// What the model may see of a row: the author's visible_columns, nothing else. Proposals read
// more (the columns the diff, guards and version check need); those stay in the ledger for the
// people who review, and every model-facing surface goes through this projection.

import type { Capability } from "../capability.ts";

/** The columns the author made visible: a read returns only these; a proposal names them. */
export function visibleColumnsOf(capability: Capability): readonly string[] {
  return capability.kind === "proposal" ? capability.visibleColumns : capability.columns;
}

/** The row with only the visible columns (absent ones stay absent). */
export function projectRow(row: Readonly<Record<string, unknown>>, visible: readonly string[]): Record<string, unknown> {
  const projected: Record<string, unknown> = {};
  for (const column of visible) if (Object.hasOwn(row, column)) projected[column] = row[column];
  return projected;
}

/** The diff a model may see: its visible columns' before and proposed values. */
export function visibleDiff(
  before: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
  visible: readonly string[],
): Record<string, { before: unknown; proposed: unknown }> {
  const shown = new Set(visible);
  return Object.fromEntries(
    Object.entries(patch)
      .filter(([column]) => shown.has(column))
      .map(([column, proposed]) => [column, { before: before[column] ?? null, proposed }]),
  );
}
