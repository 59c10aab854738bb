// Public face of the ledger: the ports, the records, the factory, the keys and the hash helpers.

export type {
  ApprovalOutcome,
  DecisionOutcome,
  EventLog,
  ExpiryOutcome,
  Ledger,
  ProposalLog,
  ReadLog,
  ReceiptInput,
  WritebackLog,
  WritebackOutcome,
} from "./ports.ts";
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
  Verification,
  VerificationProblem,
  WritebackJob,
} from "./records.ts";
export { openLedger, type LedgerOptions, type PostgresLedgerLocation, type PostgresLedgerOptions, type SqliteLedgerOptions } from "./open.ts";
export { StoreUnavailableError } from "./store-error.ts";
export type { ServerInfo, ServerRegistration, ServerRow } from "./postgres/servers.ts";
export { EVENTS_CHANNEL } from "./postgres/event-log.ts";
export { canonicalJson, changeSetHash } from "./hash.ts";
export { DEFAULT_LEDGER_KEY_ENV, LedgerKeyError, type KeyRing, type LedgerKey } from "./keys/key-ring.ts";
export { openKeyRing, type KeySettings } from "./keys/open-key-ring.ts";
export type { DecisionRequest, ReviewRefusal, ReviewRefusalCode } from "./review-rules.ts";
