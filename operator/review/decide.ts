// A person's decision, as every review front end takes it (the CLI today, a local UI later).
// The rules are the ledger's own (runtime/ledger/review-rules.ts); a front end checks them
// first only to refuse before it asks the reviewer anything, and the ledger checks them again
// when it records the decision.

import type { DecisionOutcome, Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import type { DecisionRequest } from "../../runtime/ledger/review-rules.ts";

export type { DecisionKind, DecisionRequest } from "../../runtime/ledger/review-rules.ts";

/**
 * Records the decision. With `shown`, the proposal the person looked at: the decision is
 * refused if the stored proposal no longer hashes the same.
 */
export async function decideProposal(ledger: Ledger, request: DecisionRequest, shown?: StoredProposal): Promise<DecisionOutcome> {
  return ledger.proposals.decide(shown ? { ...request, expectedHash: shown.hash } : request);
}
