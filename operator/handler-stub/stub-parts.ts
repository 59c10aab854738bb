// What the TypeScript and Python stubs share: type names derived from a capability's name, and
// where each patch column comes from (a fixed value, or an argument; optional ones are absent from
// the patch when the model left them out).

import { comment, commentText } from "../../compiler/emit/comment-text.ts";
import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";

type PatchEntry = NonNullable<CapabilityPlan["proposal"]>["patch"][number];

/** Whether the column is fed by an argument the model may leave out. */
export function isOptionalPatch(entry: PatchEntry, cap: CapabilityPlan): boolean {
  const arg = "arg" in entry.value ? entry.value.arg : undefined;
  return arg !== undefined && !cap.args.some((a) => a.name === arg && a.required);
}

/** The comment a stub puts beside the column's type. */
export function patchOrigin(entry: PatchEntry, cap: CapabilityPlan) {
  if ("fixed" in entry.value) return comment`fixed in the config`;
  return isOptionalPatch(entry, cap)
    ? comment`from the argument ${commentText(entry.value.arg)} (absent when it was left out: leave the column as it is)`
    : comment`from the argument ${commentText(entry.value.arg)}`;
}

/** `billing.propose_credit` → `BillingProposeCredit`: letters and digits only, so it is an identifier in both languages. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
}
