// The load and fault suite in one call, shared by `npm run soak` (bench/soak.ts) and the short run
// inside `npm test` (test/e2e/soak.test.ts): start the environment, run the phases in order, verify
// the whole ledger at the end, tear everything down. A failed check does not stop the run; the
// report says which ones failed and `ok` is false.

import { cpus, loadavg } from "node:os";
import { queryDeadlineMs } from "../../../runtime/db/limits.ts";
import { startEnvironment } from "./environment.ts";
import { defaultFactory, LEDGER_NAMES, ownClusterFactory, type LedgerFactory } from "./ledger-backend.ts";
import { idleWindow, killReplica, ledgerRestart, ledgerVerifies, proxyFault, racingReview, sourceRestart, steady, type Check, type PhaseReport, type PhaseSettings } from "./phases.ts";

export interface SoakOptions {
  replicas: number;
  clients: number;
  /** Steady load time, ms. */
  durationMs: number;
  /** Load time after each fault ended, ms (it starts 1 s before the fault). */
  faultLoadMs: number;
  /** Source and ledger outage and proxy stall/reset length, ms. */
  outageMs: number;
  recoveryMs: number;
  raceRuns: number;
  invoices: number;
  statementTimeoutMs: number;
  poolSize: number;
  /** How long the kill phase waits for the killed replica's heartbeat row to turn stale (0: no wait). */
  staleWaitMs: number;
  /**
   * Restart the ledger's server under load (a phase after the source restart). With the default
   * backend this puts the Postgres ledger in a private cluster of its own.
   */
  ledgerRestart: boolean;
  /** Default: a Postgres ledger on the shared server, or in its own cluster with ledgerRestart (ledger-backend.ts). */
  ledger?: LedgerFactory;
  /** How the report names the ledger backend. */
  ledgerName?: string;
  /** Called after each phase (progress output). */
  onPhase?: (phase: PhaseReport) => void;
}

export interface SoakReport {
  ok: boolean;
  machine: { cpus: number; model: string; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  options: Omit<SoakOptions, "ledger" | "ledgerName" | "onPhase"> & { ledger: string };
  phases: PhaseReport[];
  final: Check[];
}

export const SHORT: Omit<SoakOptions, "ledger" | "ledgerName" | "onPhase"> = {
  replicas: 3,
  clients: 16,
  durationMs: 1500,
  faultLoadMs: 2500,
  outageMs: 1000,
  recoveryMs: 1000,
  raceRuns: 1,
  invoices: 5000,
  statementTimeoutMs: 500,
  poolSize: 4,
  staleWaitMs: 0,
  // In the full run, plus test/slow/ledger-restart.test.ts: here it would add ~18 s (a second
  // cluster to make, one more phase) to npm test.
  ledgerRestart: false,
};

export const SOAK: Omit<SoakOptions, "ledger" | "ledgerName" | "onPhase"> = {
  replicas: 3,
  clients: 32,
  durationMs: 90_000,
  faultLoadMs: 12_000,
  outageMs: 3000,
  recoveryMs: 2000,
  raceRuns: 8,
  invoices: 50_000,
  statementTimeoutMs: 1000,
  poolSize: 8,
  // Three missed 10 s heartbeats, plus slack for a busy machine.
  staleWaitMs: 45_000,
  ledgerRestart: true,
};

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const loadAverageBefore = loadavg();
  const env = await startEnvironment({
    replicas: options.replicas,
    invoices: options.invoices,
    statementTimeoutMs: options.statementTimeoutMs,
    poolSize: options.poolSize,
    ledger: options.ledger ?? (options.ledgerRestart ? ownClusterFactory : defaultFactory),
  });
  const phases: PhaseReport[] = [];
  const final: Check[] = [];
  try {
    const settings: PhaseSettings = {
      clients: options.clients,
      faultLoadMs: options.faultLoadMs,
      recoveryMs: options.recoveryMs,
      statementTimeoutMs: options.statementTimeoutMs,
      staleWaitMs: options.staleWaitMs,
    };
    const steps: Array<() => Promise<PhaseReport>> = [
      () => steady(env, settings, options.durationMs),
      () => sourceRestart(env, settings, options.outageMs),
      // A ledger with a server of its own (Postgres): that server restarted, the source left alone.
      ...(options.ledgerRestart && env.ledger.server ? [() => ledgerRestart(env, settings, options.outageMs)] : []),
      () => idleWindow(env, options.poolSize),
      // Longer than one statement's client deadline, so calls holding a connection hit it.
      () => proxyFault(env, settings, "stall", Math.max(options.outageMs, queryDeadlineMs(options.statementTimeoutMs) + 500)),
      () => proxyFault(env, settings, "reset", options.outageMs),
      () => racingReview(env, options.raceRuns),
      // Last: the killed replica stays down.
      () => killReplica(env, settings),
    ];
    for (const step of steps) {
      const phase = await step();
      phases.push(phase);
      options.onPhase?.(phase);
    }
    // Right after the kill (the last phase): every proposal and decision MAC, the event chain.
    final.push(await ledgerVerifies(env));
  } finally {
    await env.close();
  }
  const ok = [...phases.flatMap((p) => p.checks), ...final].every((c) => c.ok);
  const { ledger: _ledger, ledgerName, onPhase: _onPhase, ...plain } = options;
  return {
    ok,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.versions.node, loadAverageBefore, loadAverageAfter: loadavg() },
    options: { ...plain, ledger: ledgerName ?? (options.ledgerRestart ? LEDGER_NAMES.postgresOwnCluster : LEDGER_NAMES.postgres) },
    phases,
    final,
  };
}
