// Model-facing tool descriptions. The author's words come first; generated text is a
// fallback that says plainly what the tool does and what it cannot do.

import type { ResolvedCapability } from "../resolve/resolved.ts";

// The one sentence every proposal carries whatever its author wrote: what keeps the database safe.
export const PROPOSAL_NOTE = "Nothing changes until a person approves it.";

export function describeCapability(cap: ResolvedCapability): string {
  const c = cap.config;
  const parts = [c.description?.trim() || generatedDescription(cap)];
  if (c.returns_hint?.trim()) parts.push(c.returns_hint.trim());
  if (c.kind === "proposal") parts.push(PROPOSAL_NOTE);
  // The evidence handle is explained once, in the server's instructions and in every result's
  // evidence.note, not in each of the descriptions tools/list repeats.
  return parts.join(" ");
}

function generatedDescription(cap: ResolvedCapability): string {
  const c = cap.config;
  const table = c.target.table;
  const shown = c.visible_columns.join(", ");
  if (c.kind === "proposal") {
    return `Propose a change to one ${table} row (columns ${Object.keys(c.patch).join(", ")}) in your tenant, selected by ${c.lookup.id_from_arg}.`;
  }
  if (c.lookup.id_from_arg) {
    return `Look up one ${table} row in your tenant by ${c.lookup.id_from_arg}; returns ${shown}.`;
  }
  const filters = (c.lookup.filters ?? [])
    .map((f) => {
      if (!("from_arg" in f)) return `${f.column} = ${JSON.stringify(f.fixed)}`;
      // An optional filter argument left out means no filter on that column (statements.ts).
      return c.args?.[f.from_arg]?.required === true ? `${f.column} = ${f.from_arg}` : `${f.column} = ${f.from_arg} (when given)`;
    })
    .join(", ");
  return `List up to ${c.max_rows ?? 20} ${table} rows in your tenant${filters ? ` where ${filters}` : ""}; returns ${shown}.`;
}
