// Approval settings of a proposal capability: the review deadline and the approval window.

import type { ProposalCapabilityConfig } from "../contract.ts";
import { durationMs } from "../../../runtime/duration.ts";
import type { Pointer, Report } from "./report.ts";

export function checkApproval(proposal: ProposalCapabilityConfig, at: Pointer, report: Report): void {
  for (const field of ["expires_after", "valid_for"] as const) {
    const written = proposal.approval?.[field];
    // The schema already holds the shape (a whole number and one unit); this is the range.
    if (written === undefined || durationMs(written) !== undefined) continue;
    report(
      "INVALID_DURATION",
      at("approval", field),
      `approval.${field} of '${proposal.name}' is ${JSON.stringify(written)}, outside 1 minute … 365 days.`,
      `Write a duration between "1m" and "365d", e.g. "${field === "expires_after" ? "72h" : "24h"}".`,
    );
  }
}
