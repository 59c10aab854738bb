// Patches: which columns a proposal may change, guards on them, and fixed values within the guards.

import type { ProposalCapabilityConfig, Scalar } from "../contract.ts";
import { didYouMean } from "../suggest.ts";
import type { Pointer, Report } from "./report.ts";

export function checkPatch(proposal: ProposalCapabilityConfig, at: Pointer, report: Report): void {
  const allowed = new Set(proposal.allowed_columns);
  const protectedColumns = new Set([proposal.target.primary_key, proposal.target.tenant_key]);
  const protectedReason = (column: string) =>
    column === proposal.target.tenant_key ? "the tenant key" : "the primary key";

  proposal.allowed_columns.forEach((column, i) => {
    if (!protectedColumns.has(column)) return;
    report(
      "PATCH_PROTECTED_COLUMN",
      at("allowed_columns", i),
      `allowed_columns of '${proposal.name}' includes '${column}', ${protectedReason(column)}.`,
      `Remove '${column}': a proposal never moves a row to another id or tenant.`,
    );
  });
  for (const [column, value] of Object.entries(proposal.patch)) {
    if (protectedColumns.has(column)) {
      report(
        "PATCH_PROTECTED_COLUMN",
        at("patch", column),
        `Patch of '${proposal.name}' changes '${column}', ${protectedReason(column)}.`,
        `Remove '${column}' from patch: a proposal never moves a row to another id or tenant.`,
      );
    } else if (!allowed.has(column)) {
      report(
        "PATCH_COLUMN_NOT_ALLOWED",
        at("patch", column),
        `Patch of '${proposal.name}' changes '${column}', which is not in allowed_columns.${didYouMean(column, allowed)}`,
        `Add '${column}' to allowed_columns if reviewers agree it may change, or remove it from patch.`,
      );
    }
    if ("fixed" in value) checkFixedValue(proposal, column, value.fixed, at, report);
  }
  for (const [field, entries] of [
    ["numeric_bounds", proposal.numeric_bounds],
    ["transition_guards", proposal.transition_guards],
  ] as const) {
    for (const column of Object.keys(entries ?? {})) {
      if (allowed.has(column)) continue;
      report(
        "GUARDED_COLUMN_NOT_ALLOWED",
        at(field, column),
        `${field} of '${proposal.name}' guards '${column}', which is not in allowed_columns.${didYouMean(column, allowed)}`,
        `Guard only columns listed in allowed_columns, or add '${column}' there.`,
      );
    }
  }
  for (const [column, bound] of Object.entries(proposal.numeric_bounds ?? {})) {
    if (bound.minimum !== undefined && bound.maximum !== undefined && bound.minimum > bound.maximum) {
      report(
        "INVALID_BOUNDS",
        at("numeric_bounds", column),
        `numeric_bounds for '${column}' has minimum ${bound.minimum} above maximum ${bound.maximum}; no value can pass.`,
        "Swap or correct the bounds.",
      );
    }
  }
  for (const column of Object.keys(proposal.preconditions ?? {})) {
    if (!(column in proposal.patch) && !protectedColumns.has(column)) continue;
    report(
      "PRECONDITION_ON_PATCHED_COLUMN",
      at("preconditions", column),
      protectedColumns.has(column)
        ? `preconditions of '${proposal.name}' names '${column}', ${protectedReason(column)}, which every proposal already matches exactly.`
        : `preconditions of '${proposal.name}' names '${column}', which its patch also changes; a precondition is for a column the proposal only reads.`,
      protectedColumns.has(column)
        ? `Remove '${column}' from preconditions.`
        : `Use transition_guards for '${column}' (the current value in \`from\`, the new one in \`to\`), or remove it from preconditions.`,
    );
  }
  const guard = proposal.conflict_guard?.column;
  if (guard !== undefined && guard in proposal.patch) {
    report(
      "CONFLICT_GUARD_IN_PATCH",
      at("conflict_guard", "column"),
      `Conflict guard column '${guard}' of '${proposal.name}' is also patched, so it cannot detect concurrent changes.`,
      "Guard on a column the proposal does not change (e.g. updated_at or a version counter).",
    );
  }
}

function checkFixedValue(proposal: ProposalCapabilityConfig, column: string, value: Scalar, at: Pointer, report: Report): void {
  const transition = proposal.transition_guards?.[column];
  if (transition && !transition.to.some((allowed) => allowed === value)) {
    report(
      "FIXED_VALUE_NOT_IN_TRANSITION",
      at("patch", column, "fixed"),
      `Patch of '${proposal.name}' sets '${column}' to ${JSON.stringify(value)}, which its transition guard does not allow (to: ${JSON.stringify(transition.to)}).`,
      "Change the fixed value or add it to the guard's `to` list.",
    );
  }
  const bound = proposal.numeric_bounds?.[column];
  if (!bound) return;
  const outside =
    typeof value !== "number" ||
    (bound.minimum !== undefined && value < bound.minimum) ||
    (bound.maximum !== undefined && value > bound.maximum);
  if (outside) {
    report(
      "FIXED_VALUE_OUT_OF_BOUNDS",
      at("patch", column, "fixed"),
      `Patch of '${proposal.name}' sets '${column}' to ${JSON.stringify(value)}, outside its numeric bounds ${JSON.stringify(bound)}.`,
      "Use a number within the bounds, or correct the bounds.",
    );
  }
}
