// Measures a running server without changing it: the tool host and the ledger are wrapped once
// at start-up, so a call gains two clock reads (two more per ledger write), one map look-up by
// tool name and a few increments; every label is resolved before the first call.

import { performance } from "node:perf_hooks";
import type { Ledger, ProposalLog, ReadLog } from "../ledger/ports.ts";
import type { ToolCallResult, ToolHost } from "../mcp/host.ts";
import type { Histogram } from "./histogram.ts";
import { UNKNOWN_CAPABILITY, type CapabilityCalls, type ServerMetrics } from "./server-metrics.ts";

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
  // Tool name as called → its counters, so a call does one look-up by the name it carries.
  const callsByTool = new Map<string, CapabilityCalls>();
  for (const [tool, capability] of capabilityOf) callsByTool.set(tool, metrics.callsOf(capability));
  const unknown = metrics.callsOf(UNKNOWN_CAPABILITY);
  const finish = (name: string, outcome: string, start: number) => {
    const seconds = (performance.now() - start) / 1000;
    (callsByTool.get(name) ?? unknown).record(outcome, seconds);
    if (onCall !== undefined) onCall({ capability: capabilityOf.get(name) ?? UNKNOWN_CAPABILITY, outcome, seconds });
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

/**
 * `write()`'s promise itself, timed into `histogram` when it settles. The caller awaits the
 * ledger's own promise (no wrapping async function, no extra microtask hop); the observation is
 * registered first, so it is counted before the caller resumes. A write that throws instead of
 * rejecting is timed and turned into a rejection, as an async wrapper would.
 */
function timed<T>(histogram: Histogram, write: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const observe = () => histogram.observe((performance.now() - start) / 1000);
  let pending: Promise<T>;
  try {
    pending = write();
  } catch (err) {
    observe();
    return Promise.reject(err);
  }
  pending.then(observe, observe);
  return pending;
}

/** The ledger with the writes the call path makes timed; everything else passes through untouched. */
export function instrumentLedger(ledger: Ledger, metrics: ServerMetrics): Ledger {
  const reads = ledger.reads;
  const proposals = ledger.proposals;
  const readTime = metrics.ledgerWriteDuration("record_read");
  const readsTime = metrics.ledgerWriteDuration("record_reads");
  const failureTime = metrics.ledgerWriteDuration("record_failure");
  const proposalTime = metrics.ledgerWriteDuration("create_proposal");
  const timedReads: ReadLog = {
    ...passThrough(reads, ["recordRead", "recordReads", "recordFailure"]),
    recordRead: (record) => timed(readTime, () => reads.recordRead(record)),
    recordReads: (records) => timed(readsTime, () => reads.recordReads(records)),
    recordFailure: (failure) => timed(failureTime, () => reads.recordFailure(failure)),
  } as ReadLog;
  const timedProposals: ProposalLog = {
    ...passThrough(proposals, ["create", "createWithinLimit"]),
    create: (input) => timed(proposalTime, () => proposals.create(input)),
    createWithinLimit: (input, openLimit) => timed(proposalTime, () => proposals.createWithinLimit(input, openLimit)),
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
