// Readiness for a load balancer: may this process take traffic right now? Three checks, each
// answered with a fixed word so a caller without the token learns nothing about hosts, tables or
// drivers. The answer is cached for a second and every check is bounded in time, so a probe storm
// costs the database at most one round of checks per second.

import type { Adapter, FixedStatement } from "../db/adapter.ts";

export type CheckState = "ok" | "fail";

export interface ReadinessReport {
  ready: boolean;
  /** stopping: the server is draining for shutdown; the checks are no longer run. */
  /** context appears only when the trusted context was refused at start (every call is refused). */
  /** jwks appears only with http_jwt's key-set URL: ok once the key set was fetched (then for good). */
  checks: { source: CheckState; ledger: CheckState; statements: CheckState; jwks?: CheckState; context?: "fail" } | { stopping: "yes" };
}

export interface ReadinessOptions {
  adapters: ReadonlyMap<string, Adapter>;
  /** Rejects when the ledger cannot be written. */
  ledgerWritable: () => Promise<void>;
  /** Every planned statement with the source it runs on; prepared once per start, until all pass. */
  statements: ReadonlyArray<{ source: string; statement: FixedStatement }>;
  /** Each check gives up after this long. Default 2000 ms. */
  checkTimeoutMs?: number;
  /** A report is reused for this long. Default 1000 ms. */
  cacheMs?: number;
  now?: () => number;
  /** The trusted context was refused at start: the server answers every call with an error, so it is never ready. */
  contextRefused?: boolean;
  /** http_jwt with a key-set URL: resolves once the key set has been fetched (runtime/auth/jwt-verifier.ts). */
  keySetFetched?: () => Promise<void>;
}

export interface Readiness {
  report(): Promise<ReadinessReport>;
  /** From now on every report is not ready (shutdown has begun); never undone. */
  stop(): void;
}

const DEFAULT_CHECK_TIMEOUT_MS = 2000;
const DEFAULT_CACHE_MS = 1000;

export function createReadiness(options: ReadinessOptions): Readiness {
  const timeoutMs = options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  const now = options.now ?? Date.now;
  let stopping = false;
  let statementsPrepared = false;
  // One round at a time: concurrent probes share the round in flight and its answer.
  let cached: { at: number; report: Promise<ReadinessReport> } | undefined;

  const passes = (work: () => Promise<unknown>): Promise<CheckState> => bounded(work(), timeoutMs).then(() => "ok" as const, () => "fail" as const);

  async function statementsCheck(): Promise<CheckState> {
    if (statementsPrepared) return "ok";
    const state = await passes(async () => {
      for (const { source, statement } of options.statements) await options.adapters.get(source)!.prepare(statement);
    });
    statementsPrepared = state === "ok";
    return state;
  }

  async function round(): Promise<ReadinessReport> {
    const [source, ledger] = await Promise.all([
      passes(() => Promise.all([...options.adapters.values()].map((a) => a.verify()))),
      passes(options.ledgerWritable),
    ]);
    // Preparing needs a source; when it is down the statements cannot be known, and say so.
    const statements = source === "ok" ? await statementsCheck() : "fail";
    const jwks = options.keySetFetched === undefined ? undefined : await passes(options.keySetFetched);
    const checks = {
      source,
      ledger,
      statements,
      ...(jwks !== undefined ? { jwks } : {}),
      ...(options.contextRefused ? { context: "fail" as const } : {}),
    };
    return { ready: stopping ? false : Object.values(checks).every((s) => s === "ok"), checks };
  }

  return {
    report() {
      if (stopping) return Promise.resolve({ ready: false, checks: { stopping: "yes" } });
      const at = now();
      if (cached === undefined || at - cached.at >= cacheMs) cached = { at, report: round() };
      return cached.report;
    },
    stop() {
      stopping = true;
    },
  };
}

/** Rejects when `work` has not settled within `ms`; the late answer is ignored. */
function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("readiness check timed out")), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Each capability's fixed statement with its source, once per source and statement name. */
export function plannedStatements(capabilities: ReadonlyArray<{ source: string; statement: FixedStatement }>): ReadinessOptions["statements"] {
  const seen = new Map<string, { source: string; statement: FixedStatement }>();
  for (const { source, statement } of capabilities) seen.set(`${source}\u0000${statement.name}`, { source, statement });
  return [...seen.values()];
}
