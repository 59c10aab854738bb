// limits: settings the schema accepts one by one but that together would not do what they say.

import type { Contract } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

export function checkLimits(contract: Contract, report: Report): void {
  const limits = contract.limits;
  if (limits === undefined) return;
  if (limits.open_proposals_per_tenant !== undefined && !contract.capabilities.some((c) => c.kind === "proposal")) {
    report(
      "INVALID_LIMITS",
      pointer("limits", "open_proposals_per_tenant"),
      "open_proposals_per_tenant caps proposals, but this contract has no proposal capability, so it would never apply.",
      "Remove open_proposals_per_tenant, or add the proposal capability it is meant for.",
    );
  }
  const principal = limits.calls_per_principal;
  const tenant = limits.calls_per_tenant;
  // A principal is always inside its tenant: a principal limit no stricter in burst and in rate
  // than the tenant's never refuses a call, which a reader of the contract would not expect.
  if (principal && tenant && principal.max >= tenant.max && principal.max * tenant.window_s >= tenant.max * principal.window_s) {
    report(
      "INVALID_LIMITS",
      pointer("limits", "calls_per_principal"),
      `calls_per_principal (${principal.max} per ${principal.window_s} s) is no stricter than calls_per_tenant (${tenant.max} per ${tenant.window_s} s), so it would never refuse a call.`,
      "Lower calls_per_principal.max below calls_per_tenant.max (one principal should get a share of its tenant), or remove calls_per_principal.",
    );
  }
}
