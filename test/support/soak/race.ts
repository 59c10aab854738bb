// (d) Approvals and applies of one proposal raced from several processes through the real CLI,
// model-based with fast-check: each run draws how many `proposals approve` and `apply` processes
// start and when, runs them all at once, then one more `apply` settles the outcome. Whatever the
// schedule, the model allows one outcome only: one approval recorded, one UPDATE in the target
// table (counted by a trigger), one receipt row in the target's receipts table, one `applied`
// receipt in the ledger, and the proposal in state applied.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { HttpRpcClient } from "../../../bench/lib/http-client.ts";
import { EXAMPLE_DIR } from "../example.ts";
import type { SoakEnvironment } from "./environment.ts";
import { TENANT, overdueCount, overdueInvoice } from "./load.ts";
import type { Check } from "./phases.ts";

export interface RaceRun {
  proposal: string;
  approvers: number;
  appliers: number;
  approvalsRecorded: number;
  writes: number;
  targetReceipts: number;
  ledgerAppliedReceipts: number;
  state: string;
  applyStatuses: string[];
}

export interface RaceReport {
  runs: RaceRun[];
  checks: Check[];
}

interface Schedule {
  approvers: number;
  appliers: number;
  delays: number[];
}

const schedule = fc.record({
  approvers: fc.integer({ min: 2, max: 3 }),
  appliers: fc.integer({ min: 2, max: 3 }),
  delays: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 6, maxLength: 6 }),
});

export async function raceApprovals(env: SoakEnvironment, runs: number): Promise<RaceReport> {
  const results: RaceRun[] = [];
  const client = new HttpRpcClient(env.balancer.url, env.token, 1);
  const schemaArgs = ["--schema", join(EXAMPLE_DIR, "synapsor.schema.json")];
  // Overdue invoices of TENANT from the top of the range, one per run (an applied one is no longer overdue).
  let nextSlot = overdueCount(env.invoicesPerTenant) - 1;

  const one = async (plan: Schedule): Promise<boolean> => {
    const invoice = overdueInvoice(nextSlot--);
    const answer = JSON.parse(
      await client.request("tools/call", JSON.stringify({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: invoice, new_late_fee_cents: 0, reason: "soak race" } })),
    ).result?.structuredContent;
    if (answer?.ok !== true) throw new Error(`the race's proposal failed: ${JSON.stringify(answer).slice(0, 300)}`);
    const id = answer.proposal.id as string;
    const approve = (n: number) => env.cli(["proposals", "approve", id, ...env.ledger.cliArgs, "--actor", `lead-${n}`, "--role", "billing_lead", "--yes", "--json"]);
    const apply = () => env.cli(["apply", "--proposal", id, "--config", env.configPath, ...env.ledger.cliArgs, ...schemaArgs, "--json"]);
    const jobs = [
      ...Array.from({ length: plan.approvers }, (_, n) => ({ kind: "approve" as const, run: () => approve(n) })),
      ...Array.from({ length: plan.appliers }, () => ({ kind: "apply" as const, run: apply })),
    ];
    const outcomes = await Promise.all(jobs.map(async (job, i) => ({ kind: job.kind, result: await sleep(plan.delays[i] ?? 0).then(job.run) })));
    const settle = await apply();
    const applies = [...outcomes.filter((o) => o.kind === "apply").map((o) => o.result), settle];
    const applyStatuses = applies.map((r) => {
      try {
        const body = JSON.parse(r.stdout);
        return body.status ? `${body.status}${body.source === "target_receipt" ? " (target_receipt)" : ""}` : `error ${body.error?.code}`;
      } catch {
        return `exit ${r.code}`;
      }
    });
    const [writes] = await env.sourceQuery<{ n: number }>("SELECT count(*)::int AS n FROM soak_writes WHERE invoice_id = $1", [invoice]);
    const [receipts] = await env.sourceQuery<{ n: number }>("SELECT count(*)::int AS n FROM synapsor.synapsor_writeback_receipts WHERE proposal_id = $1", [id]);
    const ledgerView = await env.ledger.withLedger(async (ledger) => ({
      state: (await ledger.proposals.get(id))?.state ?? "missing",
      applied: (await ledger.writeback.listReceipts({ proposalId: id })).filter((r) => r.receipt.status === "applied").length,
      approvals: (await ledger.proposals.decisions(id)).filter((d) => d.decision === "approved").length,
    }));
    const run: RaceRun = {
      proposal: id,
      approvers: plan.approvers,
      appliers: plan.appliers,
      approvalsRecorded: ledgerView.approvals,
      writes: writes!.n,
      targetReceipts: receipts!.n,
      ledgerAppliedReceipts: ledgerView.applied,
      state: ledgerView.state,
      applyStatuses,
    };
    results.push(run);
    const approvedExits = outcomes.filter((o) => o.kind === "approve" && o.result.code === 0).length;
    return approvedExits === 1 && run.approvalsRecorded === 1 && run.writes === 1 && run.targetReceipts === 1 && run.ledgerAppliedReceipts === 1 && run.state === "applied";
  };

  let failure: string | undefined;
  try {
    // No shrinking: every run spends one overdue invoice, and the failing schedule is reported as drawn.
    const outcome = await fc.check(fc.asyncProperty(schedule, one), { numRuns: runs, endOnFailure: true });
    if (outcome.failed) failure = `counterexample ${JSON.stringify(outcome.counterexample)}${outcome.errorInstance ? `: ${String(outcome.errorInstance)}` : ""}`;
  } finally {
    client.close();
  }
  return {
    runs: results,
    checks: [
      {
        name: `${results.length} raced schedules: one approval, one write, one target receipt, one applied ledger receipt each`,
        ok: failure === undefined && results.length === runs,
        ...(failure ? { detail: `${failure}; runs: ${JSON.stringify(results).slice(0, 600)}` } : {}),
      },
    ],
  };
}
