// The second half of the demo: what happens outside MCP. A person approves (with the role the
// capability requires), a trusted process applies through the guarded sql_update executor, a
// deliberate conflict shows the version guard, and the replay tells the whole story.

import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pg from "pg";
import type { Contract } from "../../compiler/config/contract.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { applyProposal } from "../apply/apply-proposal.ts";
import { decideProposal } from "../review/decide.ts";
import { proposalHistory } from "../review/history.ts";
import { buildReplay, replayMarkdown } from "../review/replay.ts";
import type { KeyRing } from "../../runtime/ledger/keys/key-ring.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { DemoStep } from "./run-demo.ts";

export interface ReviewStepsInput {
  contract: Contract;
  /** The build's plan: apply re-checks proposals against it and runs its planned statements. */
  plan: BuildPlan;
  ledgerPath: string;
  /** The keys the demo's server seals with (run-demo opens them from the server's own environment). */
  keys: KeyRing;
  readUrl: string;
  writeUrl: string;
  say: (line: string) => void;
  inspect: (invoiceId: string) => Promise<Record<string, any>>;
  propose: (invoiceId: string, fee: number, reason: string) => Promise<Record<string, any>>;
  firstProposalId: string;
  steps: DemoStep[];
  clock: () => number;
}

const REVIEWER = { actor: "dana (demo billing lead)", role: "billing_lead" };

export async function reviewAndApply(input: ReviewStepsInput): Promise<{ conflictProposalId: string }> {
  const { say, contract, plan, steps, clock } = input;
  const env = { SUPPORT_DB_READ_URL: input.readUrl, SUPPORT_DB_WRITE_URL: input.writeUrl };
  const ledger = await openLedger({ path: input.ledgerPath, keys: input.keys });
  try {
    const approve = async (proposalId: string) => {
      const result = await decideProposal(ledger, { proposalId, decision: "approved", ...REVIEWER });
      if (!result.ok) throw new Error(`approval refused: ${result.refusal.message}`);
      return result.decision;
    };
    const apply = async (proposalId: string, label: string) => {
      const outcome = await applyProposal({ contract, plan, ledger, proposalId, env });
      if (!outcome.ok) throw new Error(`apply refused: ${outcome.refusal.message}`);
      steps.push({ step: label, envelope: { receipt: outcome.receipt, receipt_id: outcome.stored?.id ?? null }, seconds: clock() });
      return outcome;
    };

    const unapproved = await applyProposal({ contract, plan, ledger, proposalId: input.firstProposalId, env });
    say(`10. Applying before anyone approved → refused: ${unapproved.ok ? "(unexpectedly applied)" : unapproved.refusal.code}.`);

    const decision = await approve(input.firstProposalId);
    say(`11. ${decision.actor} approves ${input.firstProposalId} with role ${decision.role}, as "synapsor-runner proposals approve" would.`);
    say(`    The approval is sealed with the ledger key ${decision.verification.keyId} and bound to the proposal's keyed MAC and the row`);
    say("    the reviewer was shown: a proposal edited in the ledger file could not use it (docs/ledger.md).");

    const applied = await apply(input.firstProposalId, "apply_first");
    const row = await input.inspect("INV-3001");
    say(`12. Applying it, as "synapsor-runner apply" would → ${applied.receipt.status}: one guarded UPDATE in one transaction, with its receipt.`);
    say(`    INV-3001 now: late fee ${row.late_fee_cents}, status ${row.status}; version ${applied.receipt.previous_version} → ${applied.receipt.new_version}.`);
    const again = await apply(input.firstProposalId, "apply_again");
    say(`    Applying the same proposal again → ${again.receipt.status}: the idempotency receipt stops a second write.`);

    const second = await input.propose("INV-3003", 0, "Card declined during the outage (ticket T-1004).");
    const secondId = second.proposal.id as string;
    await approve(secondId);
    say(`13. The agent proposes waiving INV-3003's fee (${secondId}) and it is approved, but before it is applied`);
    const client = new pg.Client({ connectionString: input.writeUrl });
    await client.connect();
    try {
      await client.query("UPDATE invoices SET late_fee_cents = 3000 WHERE id = 'INV-3003'");
    } finally {
      await client.end();
    }
    say("    a person lowers the fee to 3000 by hand in the billing app.");
    const conflict = await apply(secondId, "apply_conflict");
    const kept = await input.inspect("INV-3003");
    say(`    apply → ${conflict.receipt.status} (${conflict.receipt.safe_error_code}): the row changed after the proposal, so nothing was written;`);
    say(`    INV-3003 keeps the person's edit: late fee ${kept.late_fee_cents}. The agent would have to look again and propose anew.`);

    const history = (await proposalHistory(ledger, input.firstProposalId))!;
    const replay = buildReplay(history);
    const replayPath = join(dirname(input.ledgerPath), `replay-${input.firstProposalId}.md`);
    writeFileSync(replayPath, replayMarkdown(replay));
    say(`14. Replay of ${input.firstProposalId} (synapsor-runner replay export ... --format markdown): ${replayPath}`);
    say("    trusted context → evidence read → proposed diff → approval → writeback job → receipts, each with its time.");
    return { conflictProposalId: secondId };
  } finally {
    await ledger.close();
  }
}
