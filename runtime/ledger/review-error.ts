// The one way the ledger refuses a review-side write that breaks the proposal state rules
// (a job or receipt for a proposal nobody approved, a receipt naming another proposal's job).
// These are caller bugs or tampering, not store faults, so they carry their own stable code.

export type ReviewRuleCode = "PROPOSAL_NOT_FOUND" | "APPROVAL_REQUIRED" | "JOB_NOT_FOUND";

export class ReviewRuleError extends Error {
  readonly code: ReviewRuleCode;
  constructor(code: ReviewRuleCode, message: string) {
    super(message);
    this.name = "ReviewRuleError";
    this.code = code;
  }
}
