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
    canonical_capability: string;
  };
}

export const EVIDENCE_HANDLE_NOTE = "audit handle for replay; you do not need to act on it";

export function metaFor(action: string, ctx: TrustedContext | undefined): Envelope["_meta"] {
  return {
    tenant_id: ctx?.tenantId ?? null,
    principal: ctx?.principal ?? null,
    provenance: ctx?.provenance ?? null,
    canonical_capability: action,
  };
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

const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: "null" }] });

/** outputSchema advertised for every tool. */
export const ENVELOPE_OUTPUT_SCHEMA: Record<string, unknown> = {
  type: "object",
  required: ["ok", "summary", "action", "kind", "data", "proposal", "error", "evidence", "source_database_changed", "_meta"],
  properties: {
    ok: { type: "boolean" },
    summary: { type: "string" },
    action: { type: "string" },
    kind: { type: "string", enum: ["read", "proposal"] },
    data: {},
    proposal: nullable({
      type: "object",
      properties: {
        id: { type: "string" },
        state: { type: "string" },
        target: { type: "string" },
        diff: { type: "object" },
        approval_required: { type: "boolean" },
        writeback: { type: "object" },
        next: { type: "string" },
      },
    }),
    error: nullable({
      type: "object",
      required: ["code", "message", "retryable"],
      properties: { code: { type: "string" }, message: { type: "string" }, retryable: { type: "boolean" } },
    }),
    evidence: nullable({ type: "object", properties: { bundle_id: { type: "string" }, note: { type: "string" } } }),
    source_database_changed: { type: "boolean" },
    _meta: { type: "object" },
  },
};
