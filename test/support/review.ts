// Review steps taken in the test process through the same operator functions the `proposals`
// commands call, for tests where a decision or a look at a proposal only sets up or checks
// state for what they really test (apply, the console): one CLI start saved per step. Tests of
// the review commands themselves keep going through the real CLI (test/support/cli.ts).

import assert from "node:assert/strict";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { decideProposal, type DecisionRequest } from "../../operator/review/decide.ts";
import { proposalHistory } from "../../operator/review/history.ts";
import { withLedger } from "../../operator/review/store.ts";

/** What `proposals approve ID --store S --actor A [--role R] --yes` records; asserts it was recorded. */
export async function approveInProcess(store: string, proposalId: string, actor: string, role?: string): Promise<void> {
  const request: DecisionRequest = { proposalId, decision: "approved", actor, ...(role !== undefined ? { role } : {}) };
  const outcome = await withLedger(store, (ledger) => decideProposal(ledger, request));
  assert.equal(outcome.ok, true, outcome.ok ? "" : `${outcome.refusal.code}: ${outcome.refusal.message}`);
}

/** The two verdicts `proposals show ID --json` prints: every keyed MAC verifies, and the plain change-set hash matches. */
export async function proposalVerdicts(store: string, proposalId: string): Promise<{ verified: boolean; hashVerified: boolean }> {
  return withLedger(store, async (ledger) => {
    const history = await proposalHistory(ledger, proposalId);
    assert.ok(history, `no proposal ${proposalId} in ${store}`);
    const p = history.proposal;
    return {
      verified: p.verification.verified && history.decisions.every((d) => d.verification.verified),
      hashVerified: changeSetHash(p) === p.hash,
    };
  });
}

/** The proposal as stored, what `proposals show ID --json` prints under `proposal`. */
export async function storedProposal(store: string, proposalId: string): Promise<StoredProposal> {
  const proposal = await withLedger(store, (ledger) => ledger.proposals.get(proposalId));
  assert.ok(proposal, `no proposal ${proposalId} in ${store}`);
  return proposal;
}

/** The ids of every proposal in the store, newest first, as `proposals list --json` lists them. */
export async function proposalIds(store: string): Promise<string[]> {
  return withLedger(store, async (ledger) => (await ledger.proposals.list({ limit: 10_000 })).map((p) => p.id));
}
