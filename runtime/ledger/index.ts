// Public face of the ledger: the interface, the default SQLite implementation and the hash helpers.

export type {
  EvidenceBundle,
  Ledger,
  LedgerEvent,
  NewProposal,
  ProposalGuards,
  ProposalState,
  QueryAuditRecord,
  ReadOutcome,
  ReadRecord,
  StoredProposal,
} from "./ledger.ts";
export { openSqliteLedger, openSqliteLedger as openLedger, StoreUnavailableError } from "./sqlite.ts";
export { canonicalJson, changeSetHash } from "./hash.ts";
export type { Decision, DecisionOutcome, StoredReceipt, WritebackJob } from "./ledger.ts";
export { ReviewRuleError, type ReviewRuleCode } from "./review-error.ts";
