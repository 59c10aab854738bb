// Declared reviewers: each id, and each OS user that maps to a reviewer, names one person; a
// role a capability requires must be held by someone, or nothing it proposes could be approved.
// Shared by the contract's `reviewers` and synapsor.reviewers.json (operator/review/reviewers.ts).

import type { CapabilityConfig, ReviewerConfig } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

/** `base` is the pointer of the reviewers array: "/reviewers" in both places it may be written. */
export function checkReviewers(reviewers: readonly ReviewerConfig[], capabilities: readonly CapabilityConfig[], report: Report, base = "/reviewers"): void {
  const at = (...rest: Array<string | number>) => base + pointer(...rest);
  const ids = new Map<string, number>();
  reviewers.forEach((r, i) => {
    const first = ids.get(r.id);
    if (first !== undefined) {
      report("DUPLICATE_REVIEWER", at(i, "id"), `Reviewers ${first} and ${i} share the id '${r.id}'.`, "Give every reviewer its own id: decisions record it as who decided.");
    } else ids.set(r.id, i);
  });
  // Who an OS user is at the CLI: named in os_users, or the id of a reviewer without os_users.
  const claimed = new Map<string, string>();
  reviewers.forEach((r, i) => {
    const names = r.os_users ?? [r.id];
    names.forEach((name, j) => {
      const other = claimed.get(name);
      if (other !== undefined && other !== r.id) {
        report(
          "SHARED_OS_USER",
          r.os_users ? at(i, "os_users", j) : at(i, "id"),
          `The OS user '${name}' would be both reviewer '${other}' and reviewer '${r.id}'.`,
          "Map each OS user to one reviewer: list it in the os_users of only one of them (a reviewer without os_users is the OS user named like its id).",
        );
      } else claimed.set(name, r.id);
    });
  });
  const held = new Set(reviewers.flatMap((r) => r.roles));
  capabilities.forEach((c, i) => {
    const role = c.kind === "proposal" ? c.approval?.required_role : undefined;
    if (role === undefined || held.has(role)) return;
    report(
      "REQUIRED_ROLE_UNDECLARED",
      pointer("capabilities", i, "approval", "required_role"),
      `'${c.name}' must be approved by the role '${role}', which no declared reviewer holds, so nothing it proposes could be approved.`,
      `Add '${role}' to the roles of the reviewer who approves these proposals, or change required_role.`,
    );
  });
}
