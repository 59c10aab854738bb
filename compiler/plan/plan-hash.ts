// The plan hash: one SHA-256 over everything a capability's compiled plan decides (target, keys,
// arguments, statements, patch, bounds, guards, approval, executor and every planned write
// statement with its parameter sources). A proposal records it, and
// `apply` refuses a proposal whose capability now compiles to a different plan: an approval
// covers what the reviewed build would do, not whatever the config says today.
// Model-facing wording (descriptions) and the result shape (resultSchema) are left out: rewording
// a tool or publishing its row type strands no proposal.

import { createHash } from "node:crypto";
import { canonicalJson } from "../../runtime/ledger/hash.ts";
import type { CapabilityPlan } from "./capability-plan.ts";

export function capabilityPlanHash(cap: Omit<CapabilityPlan, "planHash" | "resultSchema">): string {
  const { description: _description, args, ...decided } = cap;
  const hashed = {
    ...decided,
    args: args.map(({ description: _argDescription, ...rest }) => rest),
    inputSchema: undefined,
  };
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex");
}
