// Where the console's pages get their models: the seam between the server and the builders
// (review-model.ts and outcome-model.ts: the ledger, the build's plan and the live row).

import type { OutcomeModel, ReviewModel } from "./model.ts";

export interface ConsoleModels {
  /** undefined: no such proposal. */
  review(proposalId: string): Promise<ReviewModel | undefined>;
  outcome(proposalId: string): Promise<OutcomeModel | undefined>;
}

/** The ledger event a console comment is recorded as (detail: { actor, text }). */
export const COMMENT_EVENT = "proposal_commented";
