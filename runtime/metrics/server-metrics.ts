// What one compiled server counts. Every label value is fixed at build time or chosen by this
// code (capability names from the compiled plan, outcome codes from our own envelopes, ledger
// operation names): never a tenant, a principal, an argument or a name the caller typed.

import type { PoolStats } from "../db/adapter.ts";
import { PROPOSAL_STATES } from "../ledger/review-rules.ts";
import { ExpositionWriter } from "./exposition.ts";
import { Histogram } from "./histogram.ts";

/** The capability label of a call to a tool this server does not have (the caller's name is not echoed). */
export const UNKNOWN_CAPABILITY = "unknown";

export const LEDGER_WRITE_OPERATIONS = ["record_read", "record_reads", "record_failure", "create_proposal"] as const;
export type LedgerWriteOperation = (typeof LEDGER_WRITE_OPERATIONS)[number];

/**
 * The OpenTelemetry MCP semantic conventions' server metric, `mcp.server.operation.duration`
 * (histogram, seconds), as Prometheus spells an OTel name: dots to underscores, the unit appended.
 */
export const OTEL_OPERATION_DURATION = "mcp_server_operation_duration_seconds";

/**
 * error.type of a failed call as the conventions define it: `tool_error` for a result with
 * isError (every envelope with ok:false), the JSON-RPC code as text for a protocol error (an
 * unknown tool is -32602; a host that threw is answered -32603). "" for a success.
 */
export function otelErrorOf(outcome: string): string {
  if (outcome === "ok") return "";
  if (outcome === "CAPABILITY_NOT_FOUND") return "-32602";
  if (outcome === "INTERNAL_ERROR") return "-32603";
  return "tool_error";
}

export interface BuildInfo {
  version: string;
  /** sha256 of the config the server was compiled from (what `server.mjs version` prints). */
  planHash: string;
}

/** Proposals per stored state, read from the ledger at scrape time. */
export type ProposalCounter = () => Promise<ReadonlyArray<{ state: string; count: number }>>;

/** The state label of a stored value that is not a state this runner knows (a tampered or newer ledger). */
export const OTHER_STATE = "other";

/** What is read when scraped rather than counted as it happens. */
export interface ScrapeSources {
  countProposals?: ProposalCounter;
  /** Source name (from the config) → its pool's figures; sources whose driver exposes none are absent. */
  pools?: ReadonlyMap<string, () => PoolStats | undefined>;
}

/**
 * One capability's calls. Resolved once per tool name (see instrumentHost), so a call costs one
 * bucket search and a few increments: a success touches no map at all.
 */
export class CapabilityCalls {
  /** Calls by outcome, in first-seen order (the exposition's order). "ok" is counted in okCount. */
  readonly outcomes = new Map<string, number>();
  okCount = 0;
  readonly duration = new Histogram();
  /** The same calls under the OpenTelemetry name, by error class ("" for a success): see otelErrorOf. */
  readonly operation: Map<string, Histogram>;
  private readonly okOperation = new Histogram();

  constructor() {
    this.operation = new Map([["", this.okOperation]]);
  }

  record(outcome: string, seconds: number): void {
    // Every histogram here has the default bounds, so one search serves both.
    const bucket = this.duration.bucketOf(seconds);
    this.duration.add(bucket, seconds);
    if (outcome === "ok") {
      if (this.okCount++ === 0) this.outcomes.set("ok", 0);
      this.okOperation.add(bucket, seconds);
      return;
    }
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    const errorType = otelErrorOf(outcome);
    let operation = this.operation.get(errorType);
    if (operation === undefined) this.operation.set(errorType, (operation = new Histogram()));
    operation.add(bucket, seconds);
  }

  countOf(outcome: string, counted: number): number {
    return outcome === "ok" ? this.okCount : counted;
  }
}

export class ServerMetrics {
  private readonly byCapability = new Map<string, CapabilityCalls>();
  private readonly ledgerWrites = new Map<LedgerWriteOperation, Histogram>();
  private readonly build: BuildInfo;
  private readonly countProposals: ProposalCounter | undefined;
  private readonly pools: ReadonlyMap<string, () => PoolStats | undefined> | undefined;

  constructor(capabilities: readonly string[], build: BuildInfo, atScrape: ScrapeSources = {}) {
    this.build = build;
    this.countProposals = atScrape.countProposals;
    this.pools = atScrape.pools;
    // Created up front so the hot path only looks up and increments.
    for (const name of [...capabilities, UNKNOWN_CAPABILITY]) {
      this.byCapability.set(name, new CapabilityCalls());
    }
    for (const op of LEDGER_WRITE_OPERATIONS) this.ledgerWrites.set(op, new Histogram());
  }

  /** The counters of `capability` (a compiled name); any other name gets UNKNOWN_CAPABILITY's. */
  callsOf(capability: string): CapabilityCalls {
    return this.byCapability.get(capability) ?? this.byCapability.get(UNKNOWN_CAPABILITY)!;
  }

  /** One finished tool call. `capability` must be a compiled name or UNKNOWN_CAPABILITY. */
  recordCall(capability: string, outcome: string, seconds: number): void {
    this.callsOf(capability).record(outcome, seconds);
  }

  /** The histogram of one ledger operation, for a caller that times many writes of it. */
  ledgerWriteDuration(operation: LedgerWriteOperation): Histogram {
    return this.ledgerWrites.get(operation)!;
  }

  recordLedgerWrite(operation: LedgerWriteOperation, seconds: number): void {
    this.ledgerWrites.get(operation)!.observe(seconds);
  }

  /** The whole scrape in the Prometheus text format. */
  async render(): Promise<string> {
    const out = new ExpositionWriter();
    out.family("synapsor_build_info", "gauge", "The runner version and the sha256 of the config this server was compiled from; always 1.");
    out.sample("synapsor_build_info", [["version", this.build.version], ["plan_hash", this.build.planHash]], 1);

    out.family("synapsor_tool_calls_total", "counter", "Tool calls answered, by capability and outcome (ok, or the error code the agent saw).");
    for (const [capability, counters] of this.byCapability) {
      for (const [outcome, count] of counters.outcomes) {
        out.sample("synapsor_tool_calls_total", [["capability", capability], ["outcome", outcome]], counters.countOf(outcome, count));
      }
    }

    out.family(
      "synapsor_tool_call_duration_seconds",
      "histogram",
      "Server time per tool call, from arguments received to envelope ready (OpenTelemetry: mcp.server.operation.duration).",
    );
    for (const [capability, counters] of this.byCapability) {
      if (counters.duration.count > 0) counters.duration.writeTo(out, "synapsor_tool_call_duration_seconds", [["capability", capability]]);
    }

    this.writeOperationDuration(out);

    out.family("synapsor_ledger_write_duration_seconds", "histogram", "Time for a ledger write to commit, including waiting for its group commit.");
    for (const [operation, histogram] of this.ledgerWrites) {
      if (histogram.count > 0) histogram.writeTo(out, "synapsor_ledger_write_duration_seconds", [["operation", operation]]);
    }
    if (this.pools !== undefined && this.pools.size > 0) this.writePools(out, this.pools);
    if (this.countProposals !== undefined) await this.writeProposals(out);
    return out.text();
  }

  /**
   * tools/call only (the one MCP operation this server times). Attributes as labels, OTel names
   * with dots as underscores: mcp_method_name, gen_ai_operation_name, gen_ai_tool_name (the
   * compiled capability; left out for a tool the server does not have, whose name is the
   * caller's), and on failure error_type plus, for a protocol error, rpc_response_status_code.
   */
  private writeOperationDuration(out: ExpositionWriter): void {
    out.family(OTEL_OPERATION_DURATION, "histogram", "MCP request duration as observed on the server (OpenTelemetry mcp.server.operation.duration), tools/call only.");
    for (const [capability, counters] of this.byCapability) {
      for (const [errorType, histogram] of counters.operation) {
        if (histogram.count === 0) continue;
        const labels: Array<[string, string]> = [["mcp_method_name", "tools/call"], ["gen_ai_operation_name", "execute_tool"]];
        if (capability !== UNKNOWN_CAPABILITY) labels.push(["gen_ai_tool_name", capability]);
        if (errorType !== "") labels.push(["error_type", errorType]);
        if (errorType.startsWith("-")) labels.push(["rpc_response_status_code", errorType]);
        histogram.writeTo(out, OTEL_OPERATION_DURATION, labels);
      }
    }
  }

  private writePools(out: ExpositionWriter, pools: ReadonlyMap<string, () => PoolStats | undefined>): void {
    out.family("synapsor_pool_connections", "gauge", "Database connections per source by state (idle, in_use), and calls waiting for one (waiting).");
    for (const [source, stats] of pools) {
      const s = stats();
      if (s === undefined) continue;
      out.sample("synapsor_pool_connections", [["source", source], ["state", "idle"]], s.idle);
      out.sample("synapsor_pool_connections", [["source", source], ["state", "in_use"]], s.inUse);
      out.sample("synapsor_pool_connections", [["source", source], ["state", "waiting"]], s.waiting);
    }
  }

  /**
   * Every known state, 0 included, so a series does not vanish; stored values the runner does not
   * know are summed under OTHER_STATE (the label never carries text from the file). A ledger that
   * cannot be read leaves the family without samples; the calls' own errors say why.
   */
  private async writeProposals(out: ExpositionWriter): Promise<void> {
    out.family("synapsor_proposals", "gauge", "Proposals in the ledger by state, across tenants (read at scrape time).");
    let rows;
    try {
      rows = await this.countProposals!();
    } catch {
      return;
    }
    const byState = new Map<string, number>([...PROPOSAL_STATES, OTHER_STATE].map((s) => [s, 0]));
    for (const { state, count } of rows) {
      const label = byState.has(state) && state !== OTHER_STATE ? state : OTHER_STATE;
      byState.set(label, byState.get(label)! + count);
    }
    for (const [state, count] of byState) out.sample("synapsor_proposals", [["state", state]], count);
  }
}
