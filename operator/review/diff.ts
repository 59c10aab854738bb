// The reviewer's view of a change: each column the proposal changes, with the value the model
// saw and the value it proposes.

import type { StoredProposal } from "../../runtime/ledger/records.ts";

export interface DiffRow {
  column: string;
  before: unknown;
  proposed: unknown;
}

/** Patched columns first (in patch order), then any other column whose after-value differs. */
export function proposalDiff(proposal: Pick<StoredProposal, "before" | "patch" | "after">): DiffRow[] {
  const columns = [...Object.keys(proposal.patch)];
  for (const column of Object.keys(proposal.after)) {
    if (!columns.includes(column) && JSON.stringify(proposal.after[column]) !== JSON.stringify(proposal.before[column])) {
      columns.push(column);
    }
  }
  return columns.map((column) => ({
    column,
    before: column in proposal.before ? proposal.before[column] : null,
    proposed: column in proposal.patch ? proposal.patch[column] : proposal.after[column],
  }));
}

/** The `diff` object of the result envelope: { column: { before, proposed } }. */
export function diffObject(rows: DiffRow[]): Record<string, { before: unknown; proposed: unknown }> {
  return Object.fromEntries(rows.map((r) => [r.column, { before: r.before, proposed: r.proposed }]));
}
