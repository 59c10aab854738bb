// Measures a running server without changing it: the tool host and the ledger are wrapped once
// at start-up, so the call path gains two clock reads and a few map look-ups per call.

import { performance } from "node:perf_hooks";
import type { Ledger, ProposalLog, ReadLog } from "../ledger/ports.ts";
import type { ToolCallResult, ToolHost } from "../mcp/host.ts";
import { UNKNOWN_CAPABILITY, type LedgerWriteOperation, type ServerMetrics } from "./server-metrics.ts";

/** What a finished call reports to the metrics and the request log. */
export interface CallObservation {
  capability: string;
  outcome: string;
  seconds: number;
}

/** "ok", or the error code of the envelope the agent saw (our own stable codes only). */
export function outcomeOf(result: ToolCallResult): string {
  if (!result.isError) return "ok";
  const code = (result.structuredContent?.error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && /^[A-Z_]{1,64}$/.test(code) ? code : "ERROR";
}

/**
 * The host with every tools/call counted and timed. `capabilityOf` maps a tool name (as the
 * client sent it, alias or canonical) to its compiled capability name; names it does not know
 * are counted as UNKNOWN_CAPABILITY. A call that throws is counted as INTERNAL_ERROR and rethrown.
 */
export function instrumentHost(
  host: ToolHost,
  capabilityOf: ReadonlyMap<string, string>,
  metrics: ServerMetrics,
  onCall?: (call: CallObservation) => void,
): ToolHost {
  const finish = (name: string, outcome: string, start: number) => {
    const capability = capabilityOf.get(name) ?? UNKNOWN_CAPABILITY;
    const seconds = (performance.now() - start) / 1000;
    metrics.recordCall(capability, outcome, seconds);
    onCall?.({ capability, outcome, seconds });
  };
  return {
    ...host,
    async callTool(name, args, meta) {
      const start = performance.now();
      let result: ToolCallResult | undefined;
      try {
        result = await host.callTool(name, args, meta);
      } catch (err) {
        finish(name, "INTERNAL_ERROR", start);
        throw err;
      }
      // No such tool: the protocol error the core sends (-32602, data.code CAPABILITY_NOT_FOUND).
      finish(name, result === undefined ? "CAPABILITY_NOT_FOUND" : outcomeOf(result), start);
      return result;
    },
  };
}

async function timedSince<T>(start: number, metrics: ServerMetrics, operation: LedgerWriteOperation, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } finally {
    metrics.recordLedgerWrite(operation, (performance.now() - start) / 1000);
  }
}

/** The ledger with the writes the call path makes timed; everything else passes through untouched. */
export function instrumentLedger(ledger: Ledger, metrics: ServerMetrics): Ledger {
  const reads = ledger.reads;
  const proposals = ledger.proposals;
  const timedReads: ReadLog = {
    ...passThrough(reads, ["recordRead", "recordReads", "recordFailure"]),
    recordRead: (record) => timedSince(performance.now(), metrics, "record_read", () => reads.recordRead(record)),
    recordReads: (records) => timedSince(performance.now(), metrics, "record_reads", () => reads.recordReads(records)),
    recordFailure: (failure) => timedSince(performance.now(), metrics, "record_failure", () => reads.recordFailure(failure)),
  } as ReadLog;
  const timedProposals: ProposalLog = {
    ...passThrough(proposals, ["create", "createWithinLimit"]),
    create: (input) => timedSince(performance.now(), metrics, "create_proposal", () => proposals.create(input)),
    createWithinLimit: (input, openLimit) =>
      timedSince(performance.now(), metrics, "create_proposal", () => proposals.createWithinLimit(input, openLimit)),
  } as ProposalLog;
  return {
    reads: timedReads,
    proposals: timedProposals,
    writeback: ledger.writeback,
    events: ledger.events,
    keys: ledger.keys,
    checkWritable: () => ledger.checkWritable(),
    close: () => ledger.close(),
  };
}

/** The object's other methods, bound to it (its class may keep private state). */
function passThrough<T extends object>(target: T, except: readonly string[]): Partial<T> {
  const out: Record<string, unknown> = {};
  let proto: object | null = target;
  while (proto !== null && proto !== Object.prototype) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor" || except.includes(key) || key in out) continue;
      const value = (target as Record<string, unknown>)[key];
      if (typeof value === "function") out[key] = (value as (...a: unknown[]) => unknown).bind(target);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return out as Partial<T>;
}
