// Where the console's pages get their models: the seam between the server and the builders.
// Today interim-model.ts fills it from the ledger alone; the real builders (review-model.ts,
// outcome-model.ts: the live row, the guards evaluated now) plug in here, and nothing else in
// the console changes.

import type { OutcomeModel, ReviewModel } from "./model.ts";

export interface ConsoleModels {
  /** undefined: no such proposal. */
  review(proposalId: string): Promise<ReviewModel | undefined>;
  outcome(proposalId: string): Promise<OutcomeModel | undefined>;
}

/** The ledger event a console comment is recorded as (detail: { actor, text }). */
export const COMMENT_EVENT = "proposal_commented";
