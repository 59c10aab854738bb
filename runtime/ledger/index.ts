// Public face of the ledger: the ports, the records, the factory and the hash helpers.

export type { Ledger, ReadLog, ProposalLog, WritebackLog, EventLog, DecisionOutcome, WritebackOutcome, ReceiptInput } from "./ports.ts";
export type {
  Decision,
  EvidenceBundle,
  LedgerEvent,
  NewProposal,
  ProposalGuards,
  ProposalState,
  QueryAuditRecord,
  ReadIds,
  ReadOutcome,
  ReadRecord,
  StoredProposal,
  StoredReceipt,
  WritebackJob,
} from "./records.ts";
export { openLedger, type LedgerOptions } from "./open.ts";
export { StoreUnavailableError } from "./store-error.ts";
export { canonicalJson, changeSetHash } from "./hash.ts";
export type { DecisionRequest, ReviewRefusal, ReviewRefusalCode } from "./review-rules.ts";
