// The limits a compiled server carries (planned from the contract's `limits`).

/** Up to `max` calls at once, refilled evenly over `windowS` seconds. */
export interface CallRate {
  max: number;
  windowS: number;
}

/** The contract's `limits` as the server carries it; an absent field is no limit. */
export interface LimitSettings {
  callsPerPrincipal?: CallRate;
  callsPerTenant?: CallRate;
  /** Proposals in review_required or approved one tenant may have at once (counted in the ledger). */
  openProposalsPerTenant?: number;
}
