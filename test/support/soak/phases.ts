// The suite's phases: steady load, then one fault each, every one with its checks. A phase runs
// the load and, alongside it, a fault script that records when the fault began and ended (ms on
// the load's clock); the checks then read the per-call timeline against those instants.

import { setTimeout as sleep } from "node:timers/promises";
import { HttpRpcClient } from "../../../bench/lib/http-client.ts";
import { cpuMs } from "../../../bench/lib/proc.ts";
import { CONNECT_TIMEOUT_MS, queryDeadlineMs } from "../../../runtime/db/limits.ts";
import { LIST_LIMIT } from "../../../runtime/ledger/ports.ts";
import { REPLICA_LOST } from "./balancer.ts";
import type { SoakEnvironment } from "./environment.ts";
import { PROPOSE_CAPABILITY, runLoad, summarize, TENANT, type LoadResult, type LoadSummary } from "./load.ts";
import { raceApprovals, type RaceReport } from "./race.ts";

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface PhaseReport {
  name: string;
  summary?: LoadSummary;
  /** Server CPU (all replicas, user + system from /proc) per call of this phase, µs. */
  cpuUsPerCall?: number;
  evidence?: { rowsAdded: number; successfulCalls: number; missing: number };
  /** When the fault began and ended, ms from the phase's start. */
  fault?: { from: number; to: number };
  race?: RaceReport;
  checks: Check[];
}

export interface PhaseSettings {
  clients: number;
  /** Load time of each fault phase after its fault ended (it starts 1 s before the fault). */
  faultLoadMs: number;
  /** After the fault ended, calls started this much later must all succeed. */
  recoveryMs: number;
  statementTimeoutMs: number;
  /**
   * After the kill, wait (at most this long) until the killed replica's heartbeat row is marked
   * stale (Postgres ledger: three missed 10 s heartbeats, so up to ~30 s). 0: only check that the
   * row is still there and was not refreshed after the kill (the short run).
   */
  staleWaitMs?: number;
}

/** A fault phase that has not ended by then is cut off (and its recovery check fails). */
const MAX_PHASE_MS = 120_000;

const check = (name: string, ok: boolean, detail?: string): Check => (ok ? { name, ok } : { name, ok, detail: detail ?? "" });

/** CPU time so far of each replica still running, by pid. */
function replicaCpuMs(env: SoakEnvironment): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const r of env.replicas) {
    try {
      byPid.set(r.process.child.pid!, cpuMs(r.process.child.pid!));
    } catch {
      // A killed replica has no /proc entry any more.
    }
  }
  return byPid;
}

/** CPU the replicas used between two readings; a replica killed in between is left out (its share is lost). */
function cpuSpentMs(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? ms);
  return total;
}

const evidenceRows = (env: SoakEnvironment) => env.ledger.countEvidence();

/** Evidence handles a successful answer carried that the ledger does not hold for that tenant and invoice. */
async function missingEvidence(env: SoakEnvironment, evidence: LoadResult["evidence"]): Promise<string[]> {
  return env.ledger.withLedger(async (ledger) => {
    const missing: string[] = [];
    // A few lookups in flight (the Postgres ledger's pool holds 4 connections; SQLite answers in
    // turn either way): one at a time, a full run's tens of thousands of round trips add minutes.
    let next = 0;
    const worker = async () => {
      while (next < evidence.length) {
        const { id, invoice } = evidence[next++]!;
        const bundle = await ledger.reads.getEvidence(id, TENANT);
        if (!bundle || !bundle.objectIds.includes(invoice)) missing.push(id);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return missing;
  });
}

/**
 * Evidence rows added = successful calls + the lookups of proposal calls that failed after their
 * evidence was written: those rows are each a proposal call's, no successful answer carried them,
 * there are no more of them than failed proposal calls, and no proposal was made from any.
 */
async function leftBehindEvidenceCheck(env: SoakEnvironment, result: LoadResult, since: string, rowsAdded: number): Promise<Check> {
  const answered = new Set(result.evidence.map((e) => e.id));
  const { leftBehind, withProposal } = await env.ledger.withLedger(async (ledger) => {
    const bundles = await ledger.reads.listEvidence({ tenantId: TENANT, capability: PROPOSE_CAPABILITY, since, limit: LIST_LIMIT });
    const ids = bundles.map((b) => b.id).filter((id) => !answered.has(id));
    const proposed: string[] = [];
    for (const id of ids) if ((await ledger.proposals.list({ evidenceId: id, limit: 1 })).length > 0) proposed.push(id);
    return { leftBehind: ids, withProposal: proposed };
  });
  const failedProposals = result.calls.filter((c) => c.kind === "propose" && c.code !== "ok").length;
  return check(
    "evidence rows added = successful calls + lookups left by failed proposal calls (none with a proposal)",
    rowsAdded === result.evidence.length + leftBehind.length && leftBehind.length <= failedProposals && withProposal.length === 0,
    `rows added ${rowsAdded}, successful ${result.evidence.length}, left by failed proposal calls ${leftBehind.length} (of ${failedProposals} failed), with a proposal ${withProposal.length}`,
  );
}

interface FaultTimes {
  from: number;
  to: number;
  /** Evidence rows the fault script's own successful calls added (outside the load). */
  extraEvidence?: number;
}

interface LoadPhaseSpec {
  name: string;
  /** Load time; with a fault, load time after the fault ended. */
  durationMs: number;
  /** Codes a call may fail with in this phase (besides succeeding). */
  allowed: readonly string[];
  proposeEvery?: number;
  /** Runs alongside the load; returns when the fault began and ended on the load's clock. */
  fault?: (now: () => number) => Promise<FaultTimes>;
  /** Calls that never got an answer may still have left evidence (a killed replica). */
  unansweredMayLeaveEvidence?: boolean;
  /**
   * A proposal call writes its lookup's evidence, then the proposal: a ledger fault in between
   * fails the call and leaves that evidence row behind (a ledger outage).
   */
  failedProposalsMayLeaveEvidence?: boolean;
  /** Extra checks once the load ended. */
  after?: (result: LoadResult, fault: FaultTimes | undefined) => Promise<Check[]>;
}

async function loadPhase(env: SoakEnvironment, settings: PhaseSettings, spec: LoadPhaseSpec): Promise<PhaseReport> {
  const rowsBefore = await evidenceRows(env);
  const since = new Date().toISOString();
  const cpuBefore = replicaCpuMs(env);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  // With a fault, the load runs until `durationMs` after the fault ended (the recovery is measured
  // on calls started then), whatever the fault took; without one, for `durationMs`.
  let faultEnded: number | undefined;
  const stop = () => faultEnded !== undefined && now() > faultEnded + spec.durationMs;
  const [result, fault] = await Promise.all([
    runLoad({
      url: env.balancer.url,
      token: env.token,
      clients: settings.clients,
      durationMs: spec.fault ? MAX_PHASE_MS : spec.durationMs,
      invoicesPerTenant: env.invoicesPerTenant,
      stop,
      ...(spec.proposeEvery ? { proposeEvery: spec.proposeEvery } : {}),
    }),
    spec.fault
      ? spec.fault(now).then((times) => {
          faultEnded = times.to;
          return times;
        })
      : Promise.resolve(undefined),
  ]);
  const cpu = cpuSpentMs(cpuBefore, replicaCpuMs(env));
  const summary = summarize(result);
  const rowsAdded = (await evidenceRows(env)) - rowsBefore - (fault?.extraEvidence ?? 0);
  const missing = await missingEvidence(env, result.evidence);
  const unexpected = Object.entries(summary.errorsByCode).filter(([code]) => !spec.allowed.includes(code));
  const unanswered = summary.errorsByCode[REPLICA_LOST] ?? 0;
  const checks: Check[] = [
    check("0 wrong answers (row and tenant checked on every answer)", result.wrong.length === 0, result.wrong.slice(0, 3).join("; ")),
    check("no driver or socket text in any error", result.leaks.length === 0, result.leaks.slice(0, 3).join("; ")),
    check(
      `failures only with ${spec.allowed.length ? spec.allowed.join(", ") : "no code (none allowed)"}`,
      unexpected.length === 0,
      JSON.stringify(Object.fromEntries(unexpected)),
    ),
    check("0 lost evidence: every successful answer's bundle is in the ledger", missing.length === 0, `${missing.length} missing, e.g. ${missing.slice(0, 3).join(", ")}`),
    spec.failedProposalsMayLeaveEvidence
      ? await leftBehindEvidenceCheck(env, result, since, rowsAdded)
      : spec.unansweredMayLeaveEvidence
      ? check(
          "evidence rows added = successful calls (+ at most the calls cut off with the replica)",
          rowsAdded >= result.evidence.length && rowsAdded <= result.evidence.length + unanswered,
          `rows added ${rowsAdded}, successful ${result.evidence.length}, cut off ${unanswered}`,
        )
      : check("evidence rows added = successful calls", rowsAdded === result.evidence.length, `rows added ${rowsAdded}, successful calls ${result.evidence.length}`),
  ];
  if (fault) {
    const recovered = result.calls.filter((c) => c.start >= fault.to + settings.recoveryMs);
    const failedAfter = recovered.filter((c) => c.code !== "ok");
    checks.push(
      check(
        `recovered: every call started ${settings.recoveryMs} ms after the fault ended succeeded`,
        recovered.length > 0 && failedAfter.length === 0,
        recovered.length === 0 ? "no calls after recovery (phase too short)" : `${failedAfter.length} of ${recovered.length} failed: ${[...new Set(failedAfter.map((c) => c.code))].join(", ")}`,
      ),
    );
  }
  if (spec.after) checks.push(...(await spec.after(result, fault)));
  return {
    name: spec.name,
    summary,
    cpuUsPerCall: summary.calls > 0 ? (cpu * 1000) / summary.calls : 0,
    evidence: { rowsAdded, successfulCalls: result.evidence.length, missing: missing.length },
    ...(fault ? { fault: { from: fault.from, to: fault.to } } : {}),
    checks,
  };
}

const failuresDuring = (result: LoadResult, fault: { from: number; to: number }) =>
  result.calls.filter((c) => c.code !== "ok" && c.end >= fault.from);

function replicasAlive(env: SoakEnvironment, pids: number[]): Check {
  const now = env.replicas.map((r) => (r.process.child.exitCode === null ? r.process.child.pid : undefined));
  return check("no replica was restarted (same processes, all running)", pids.every((pid, i) => now[i] === pid), JSON.stringify({ before: pids, now }));
}

export function steady(env: SoakEnvironment, settings: PhaseSettings, durationMs: number): Promise<PhaseReport> {
  return loadPhase(env, settings, { name: "steady load", durationMs, allowed: [] });
}

/** A database server the suite can take away and give back. */
type Server = Pick<SoakEnvironment["cluster"], "stop" | "start">;

interface RestartSpec {
  name: string;
  /** How checks name the server ("the source", "the ledger"). */
  what: string;
  server: Server;
  outageMs: number;
  proposeEvery?: number;
  failedProposalsMayLeaveEvidence?: boolean;
  /** Checks besides "the outage was seen" and "no replica was restarted". */
  after?: (result: LoadResult) => Promise<Check[]>;
}

/** A database server stops under load and starts again after `outageMs`; no replica is touched. */
function serverRestart(env: SoakEnvironment, settings: PhaseSettings, spec: RestartSpec): Promise<PhaseReport> {
  const pids = env.replicas.map((r) => r.process.child.pid!);
  return loadPhase(env, settings, {
    name: spec.name,
    durationMs: settings.faultLoadMs,
    allowed: ["TEMPORARILY_UNAVAILABLE"],
    ...(spec.proposeEvery ? { proposeEvery: spec.proposeEvery } : {}),
    ...(spec.failedProposalsMayLeaveEvidence ? { failedProposalsMayLeaveEvidence: true } : {}),
    async fault(now) {
      await sleep(1000);
      const from = now();
      await spec.server.stop();
      await sleep(spec.outageMs);
      await spec.server.start();
      return { from, to: now() };
    },
    async after(result, fault) {
      const seen = failuresDuring(result, fault!).length;
      return [
        check("the outage was seen: calls failed with TEMPORARILY_UNAVAILABLE", seen > 0, `no call failed while ${spec.what} was down`),
        replicasAlive(env, pids),
        ...((await spec.after?.(result)) ?? []),
      ];
    },
  });
}

/** (a) The source cluster stops under load and starts again; no replica is touched. */
export function sourceRestart(env: SoakEnvironment, settings: PhaseSettings, outageMs: number): Promise<PhaseReport> {
  return serverRestart(env, settings, { name: "source restart under load", what: "the source", server: env.cluster, outageMs });
}

/**
 * (a, ledger) The ledger's cluster stops under load, with proposals among the calls, and starts
 * again. Besides the load's checks (failures only TEMPORARILY_UNAVAILABLE, every success has its
 * evidence row, recovery): no half-written proposal. Only for a ledger with a server of its own.
 */
export function ledgerRestart(env: SoakEnvironment, settings: PhaseSettings, outageMs: number): Promise<PhaseReport> {
  const since = new Date().toISOString();
  return serverRestart(env, settings, {
    name: "ledger restart under load",
    what: "the ledger",
    server: env.ledger.server!,
    outageMs,
    proposeEvery: 10,
    failedProposalsMayLeaveEvidence: true,
    after: async (result) => [
      await answeredProposalsCheck(env, result.proposals),
      ...(await wholeProposalsChecks(env, result.proposals, since)),
    ],
  });
}

/** Every proposal a client was answered for is stored, verifies and waits in review_required. */
async function answeredProposalsCheck(env: SoakEnvironment, ids: string[]): Promise<Check> {
  const bad = await env.ledger.withLedger(async (ledger) => {
    const found: string[] = [];
    for (const id of ids) {
      const p = await ledger.proposals.get(id, TENANT);
      if (!p || !p.verification.verified || p.state !== "review_required") found.push(id);
    }
    return found;
  });
  return check("every proposal a client was answered for is stored, verifies and is in review_required", ids.length > 0 && bad.length === 0, `${bad.length} of ${ids.length} bad`);
}

/**
 * Whatever the ledger holds from this phase is whole: each proposal created since `since`
 * verifies, waits in review_required and has its proposal_created event (the two commit together
 * or not at all). Proposals whose answer was lost with the connection may be there; none is missing.
 */
async function wholeProposalsChecks(env: SoakEnvironment, answered: string[], since: string): Promise<Check[]> {
  const { stored, broken } = await env.ledger.withLedger(async (ledger) => {
    const proposals = await ledger.proposals.list({ tenantId: TENANT, since, limit: LIST_LIMIT });
    const bad: string[] = [];
    for (const p of proposals) {
      const events = await ledger.events.list({ proposalId: p.id, limit: 10 });
      if (!p.verification.verified || p.state !== "review_required" || !events.some((e) => e.type === "proposal_created")) bad.push(p.id);
    }
    return { stored: proposals.map((p) => p.id), broken: bad };
  });
  const storedSet = new Set(stored);
  const unanswered = stored.length - answered.filter((id) => storedSet.has(id)).length;
  return [
    check("no half-written proposal: every one stored in the phase verifies, is in review_required and has its proposal_created event", broken.length === 0, `${broken.length} of ${stored.length} broken, e.g. ${broken.slice(0, 3).join(", ")}`),
    check("no answered proposal is missing from the ledger", answered.every((id) => storedSet.has(id)), `${answered.filter((id) => !storedSet.has(id)).length} missing; ${unanswered} stored without an answer`),
  ];
}

/**
 * Calls straight to each replica, `width` at a time, twice: enough to take every pooled
 * connection the load left idle. Returns the failures by code.
 */
async function probeEachReplica(env: SoakEnvironment, width: number, replicas = env.replicas): Promise<string[]> {
  const failures: string[] = [];
  for (const replica of replicas) {
    const client = new HttpRpcClient(replica.url, env.token, width);
    try {
      for (let round = 0; round < 2; round++) {
        await Promise.all(
          Array.from({ length: width }, async (_, i) => {
            const invoice = `INV-${10005 + 5 * (round * width + i)}`;
            const text = await client.request("tools/call", JSON.stringify({ name: "billing.inspect_invoice", arguments: { invoice_id: invoice } })).catch((e: Error) => e.message);
            let envelope: any;
            try {
              envelope = JSON.parse(text).result?.structuredContent;
            } catch {}
            if (envelope?.ok !== true || envelope.data?.id !== invoice) failures.push(`replica ${replica.index}: ${envelope?.error?.code ?? text.slice(0, 80)}`);
          }),
        );
      }
    } finally {
      client.close();
    }
  }
  return failures;
}

/**
 * (a, idle) Faults while the pools hold idle connections and no call runs: a source restart (the
 * server closes them) and a reset of every connection through replica 0's proxy. The first calls
 * afterwards meet dead connections; they must still succeed, with no replica restarted.
 */
export async function idleWindow(env: SoakEnvironment, poolSize: number): Promise<PhaseReport> {
  const pids = env.replicas.map((r) => r.process.child.pid!);
  const warm = await probeEachReplica(env, poolSize);
  await env.cluster.restart();
  const afterRestart = await probeEachReplica(env, poolSize);
  env.proxy.reset();
  await sleep(50);
  env.proxy.resume();
  const afterReset = await probeEachReplica(env, poolSize, env.replicas.slice(0, 1));
  return {
    name: "idle-window restart and reset",
    checks: [
      check("pools warmed: every replica answered", warm.length === 0, warm.join("; ")),
      check("after a source restart in the idle window, the first calls on every replica succeed", afterRestart.length === 0, afterRestart.join("; ")),
      check("after every idle connection of replica 0 was reset, its first calls succeed", afterReset.length === 0, afterReset.join("; ")),
      replicasAlive(env, pids),
    ],
  };
}

/** The slowest a failing call may take: waiting for a slot (connect timeout), then one statement's deadline, plus scheduling slack. */
function failureBoundMs(settings: PhaseSettings): number {
  return CONNECT_TIMEOUT_MS + queryDeadlineMs(settings.statementTimeoutMs) + 1500;
}

/** (c) The proxy between replica 0 and the source stalls (swallows bytes) or resets (RST) under load. */
export function proxyFault(env: SoakEnvironment, settings: PhaseSettings, mode: "stall" | "reset", faultMs: number): Promise<PhaseReport> {
  const bound = failureBoundMs(settings);
  let probeFailures: string[] = [];
  return loadPhase(env, settings, {
    name: `${mode === "stall" ? "stalling" : "resetting"} proxy (replica 0 to source)`,
    durationMs: settings.faultLoadMs,
    allowed: ["TEMPORARILY_UNAVAILABLE"],
    async fault(now) {
      await sleep(1000);
      const from = now();
      if (mode === "stall") env.proxy.stall();
      else env.proxy.reset();
      // The balancer has no health checks, so under load every client soon waits on replica 0;
      // whether the others still serve is asked of them directly, mid-fault.
      const probeAt = now();
      const others = env.replicas.slice(1);
      probeFailures = await probeEachReplica(env, 1, others);
      await sleep(Math.max(0, faultMs - (now() - probeAt)));
      env.proxy.resume();
      return { from, to: now(), extraEvidence: others.length * 2 - probeFailures.length };
    },
    async after(result, fault) {
      const failed = failuresDuring(result, fault!);
      const slowest = Math.max(0, ...failed.map((c) => c.end - c.start));
      return [
        check(`the ${mode} was seen: calls failed with TEMPORARILY_UNAVAILABLE`, failed.length > 0, "no call failed"),
        check(`every failure was bounded (≤ ${bound} ms)`, slowest <= bound, `slowest failure ${slowest.toFixed(0)} ms`),
        check(`the other replicas answered directly during the ${mode}`, probeFailures.length === 0, probeFailures.join("; ")),
      ];
    },
  });
}

/** (b) One replica is killed with SIGKILL while reads and proposals run. */
export function killReplica(env: SoakEnvironment, settings: PhaseSettings): Promise<PhaseReport> {
  const victim = env.replicas[env.replicas.length - 1]!;
  let killedAt = 0;
  return loadPhase(env, settings, {
    name: "replica SIGKILL under load",
    durationMs: settings.faultLoadMs,
    allowed: [REPLICA_LOST],
    proposeEvery: 10,
    unansweredMayLeaveEvidence: true,
    async fault(now) {
      await sleep(1000);
      const from = now();
      killedAt = Date.now();
      victim.process.child.kill("SIGKILL");
      await new Promise((r) => (victim.process.child.exitCode !== null || victim.process.child.signalCode !== null ? r(undefined) : victim.process.child.once("exit", r)));
      return { from, to: now() };
    },
    async after(result) {
      const lost = result.calls.filter((c) => c.code === REPLICA_LOST).length;
      // `store verify` over the whole ledger runs once, right after this phase (harness.ts): this
      // is the last phase, so a second CLI start here would check the same rows again.
      return [
        check(`calls cut off by the kill are bounded (≤ ${settings.clients} clients)`, lost <= settings.clients, `${lost} cut off`),
        await answeredProposalsCheck(env, result.proposals),
        ...(await heartbeatChecks(env, victim.process.child.pid!, killedAt, settings.staleWaitMs ?? 0)),
      ];
    },
  });
}

/**
 * A ledger shared by replicas (Postgres) keeps a heartbeat row per server. The killed replica
 * could not delete its row: it must still be there, not refreshed since the kill, and (given time)
 * marked stale, while the survivors' rows stay live. A SQLite ledger has no rows (its file lease
 * is per server): no checks.
 */
async function heartbeatChecks(env: SoakEnvironment, victimPid: number, killedAt: number, staleWaitMs: number): Promise<Check[]> {
  const list = () => env.ledger.withLedger(async (ledger) => (ledger.listServers ? ledger.listServers() : undefined));
  let rows = await list();
  if (!rows) return [];
  const deadline = performance.now() + staleWaitMs;
  while (staleWaitMs > 0 && !rows.find((r) => r.pid === victimPid)?.stale && performance.now() < deadline) {
    await sleep(1000);
    rows = (await list())!;
  }
  const victim = rows.find((r) => r.pid === victimPid);
  const survivors = env.replicas.map((r) => r.process.child).filter((c) => c.pid !== victimPid && c.signalCode === null && c.exitCode === null);
  const survivorRows = survivors.map((c) => rows.find((r) => r.pid === c.pid));
  const show = JSON.stringify(rows.map((r) => ({ pid: r.pid, heartbeat_at: r.heartbeatAt, stale: r.stale })));
  return [
    check("the killed replica's heartbeat row is left behind, not refreshed since the kill", victim !== undefined && Date.parse(victim.heartbeatAt) <= killedAt, show),
    ...(staleWaitMs > 0 ? [check(`the killed replica's heartbeat row is marked stale (within ${staleWaitMs / 1000} s)`, victim?.stale === true, show)] : []),
    check("every surviving replica's heartbeat row is live", survivorRows.every((r) => r !== undefined && !r.stale), show),
  ];
}

/** `store verify` over the whole ledger, through the CLI: every proposal and decision MAC, the event chain. */
export async function ledgerVerifies(env: SoakEnvironment): Promise<Check> {
  const verify = await env.cli(["store", "verify", ...env.ledger.cliArgs, "--json"]);
  let verified = false;
  try {
    verified = verify.code === 0 && JSON.parse(verify.stdout).ok === true;
  } catch {}
  return check("the whole ledger verifies at the end (store verify: every proposal and decision, the event chain)", verified, verify.stdout.slice(0, 400) + verify.stderr.slice(0, 400));
}

/** (d) Approvals and applies of one proposal raced from several CLI processes. */
export async function racingReview(env: SoakEnvironment, runs: number): Promise<PhaseReport> {
  const race = await raceApprovals(env, runs);
  return { name: "racing approvals and applies", race, checks: race.checks };
}
