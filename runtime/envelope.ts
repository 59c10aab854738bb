// The result envelope: every tool result, success or failure, has exactly this shape.
// `ok` is the one field client code branches on; `summary` is the line a model reads first.

import type { TrustedContext } from "./context.ts";
import type { SafeError } from "./errors.ts";

export interface ProposalPayload {
  id: string;
  state: string;
  target: string;
  diff: Record<string, { before: unknown; proposed: unknown }>;
  approval_required: boolean;
  writeback: { mode: "direct_update" | "app_handler"; applied: boolean };
  next: string;
}

export interface Envelope {
  ok: boolean;
  summary: string;
  action: string;
  kind: "read" | "proposal";
  data: unknown;
  proposal: ProposalPayload | null;
  error: SafeError | null;
  evidence: { bundle_id: string; note: string } | null;
  source_database_changed: boolean;
  _meta: {
    tenant_id: string | null;
    principal: string | null;
    provenance: string | null;
    /** Only when the contract maps a roles claim (http_jwt): the request's verified roles. */
    roles?: readonly string[];
    canonical_capability: string;
  };
}

export const EVIDENCE_HANDLE_NOTE = "audit handle for replay; you do not need to act on it";

export function metaFor(action: string, ctx: TrustedContext | undefined): Envelope["_meta"] {
  const roles = ctx?.roles;
  // Two plain literals rather than a conditional spread: this runs on every call.
  if (roles === undefined) {
    return { tenant_id: ctx?.tenantId ?? null, principal: ctx?.principal ?? null, provenance: ctx?.provenance ?? null, canonical_capability: action };
  }
  // The verifier's frozen list, shared by every call of that token: no copy per call.
  return { tenant_id: ctx!.tenantId, principal: ctx!.principal, provenance: ctx!.provenance, roles, canonical_capability: action };
}

export function errorEnvelope(
  action: string,
  kind: "read" | "proposal",
  error: SafeError,
  ctx: TrustedContext | undefined,
): Envelope {
  return {
    ok: false,
    summary: `${action} failed: ${error.message}`,
    action,
    kind,
    data: null,
    proposal: null,
    error,
    evidence: null,
    source_database_changed: false,
    _meta: metaFor(action, ctx),
  };
}
