// Everything a tool call needs, prepared once at server start so the hot path only
// binds values, runs one statement and writes one ledger transaction.

import { createHash } from "node:crypto";
import type { Capability } from "../capability.ts";
import type { TrustedContext } from "../context.ts";
import type { Adapter } from "../db/adapter.ts";
import type { Ledger } from "../ledger/ports.ts";
import type { ServerLimits } from "../limits/server-limits.ts";
import { tableLabel } from "../table-label.ts";

export interface CallEnvironment {
  adapters: ReadonlyMap<string, Adapter>;
  ledger: Ledger;
  context: TrustedContext;
  /** The caller's W3C traceparent for this one call, validated (mcp/trace-context.ts); recorded with its query audit. */
  traceparent?: string;
  /** Where failures that cannot reach the ledger are reported (stderr, structured). */
  log: (event: Record<string, unknown>) => void;
  /** The contract's limits, shared by every core of the process; absent when it sets none. */
  limits?: ServerLimits;
}

export interface PreparedCapability {
  capability: Capability;
  fingerprint: string;
  tableLabel: string;
  /** Indexes of params that come from trusted context; their values never enter the audit. */
  trustedParamIndexes: readonly number[];
}

export function prepareCapability(capability: Capability): PreparedCapability {
  const t = capability.target;
  return {
    capability,
    fingerprint: createHash("sha256").update(capability.statement.text).digest("hex").slice(0, 16),
    tableLabel: tableLabel(t.schema, t.table),
    trustedParamIndexes: capability.paramSources.flatMap((s, i) => (s.startsWith("context:") ? [i] : [])),
  };
}

export function redactParams(prepared: PreparedCapability, params: readonly unknown[]): unknown[] {
  if (prepared.trustedParamIndexes.length === 0) return params as unknown[];
  const copy = params.slice();
  for (const i of prepared.trustedParamIndexes) copy[i] = `<${prepared.capability.paramSources[i]}>`;
  return copy;
}
