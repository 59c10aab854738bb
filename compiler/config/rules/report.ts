// The contract rule codes and the callback shapes every rule module reports through.

/** Every rule code with a one-line summary; docs/contract.md documents each of them. */
export const CONTRACT_RULES = [
  { code: "DUPLICATE_CAPABILITY", summary: "two capabilities share a name" },
  { code: "INVALID_CAPABILITY_NAME", summary: "name is not `namespace.verb_object` (lowercase, one dot, at most 64 characters) or its OpenAI alias collides" },
  { code: "INVALID_ARGUMENT_NAME", summary: "an argument name is not a lowercase identifier" },
  { code: "TRUST_SCOPE_ARGUMENT", summary: "an argument names or feeds a trust scope (tenant, organization, principal, role, ...)" },
  { code: "PROPOSAL_IN_READ_ONLY_MODE", summary: "a proposal capability in a read_only contract" },
  { code: "UNKNOWN_SOURCE", summary: "a capability or executor names a source that is not declared" },
  { code: "UNKNOWN_EXECUTOR", summary: "a proposal names an executor that is not declared" },
  { code: "EXECUTOR_SOURCE_MISMATCH", summary: "a sql_update executor bound to another source than the proposal's" },
  { code: "SHARED_WRITE_CREDENTIAL", summary: "write_url_env is the same variable as read_url_env" },
  { code: "TRUSTED_CONTEXT_FROM_SECRET", summary: "tenant_id_env or principal_env names a variable that holds a credential (a database URL, a handler token or secret, the ledger key or the ledger database's URL)" },
  { code: "INVALID_HTTP_JWT", summary: "trusted_context.http_jwt sets both or neither of jwks_url_env and key_env, mixes HS* with public-key algorithms or with a key set, has an audience that is not an https resource URI, or reads its key from the tenant or principal variable" },
  { code: "MISSING_WRITE_CREDENTIAL", summary: "a source with sql_update proposals has no write_url_env" },
  { code: "INVALID_LOOKUP", summary: "lookup sets both or neither of id_from_arg and filters, or orders a single-row lookup" },
  { code: "PROPOSAL_REQUIRES_ID_LOOKUP", summary: "a proposal looks its row up by filters instead of id_from_arg" },
  { code: "ID_ARGUMENT_NOT_REQUIRED", summary: "the argument of id_from_arg is optional" },
  { code: "INVALID_MAX_ROWS", summary: "max_rows is not 1 for a single-row lookup" },
  { code: "UNKNOWN_ARGUMENT", summary: "id_from_arg / from_arg names an argument that is not declared" },
  { code: "UNUSED_ARGUMENT", summary: "a declared argument feeds nothing" },
  { code: "PATCH_COLUMN_NOT_ALLOWED", summary: "a patch column is missing from allowed_columns" },
  { code: "PATCH_PROTECTED_COLUMN", summary: "patch or allowed_columns includes the primary key or tenant key" },
  { code: "GUARDED_COLUMN_NOT_ALLOWED", summary: "numeric_bounds or transition_guards names a column outside allowed_columns" },
  { code: "INVALID_BOUNDS", summary: "a numeric bound has minimum greater than maximum" },
  { code: "FIXED_VALUE_OUT_OF_BOUNDS", summary: "a fixed patch value breaks the column's numeric bounds" },
  { code: "FIXED_VALUE_NOT_IN_TRANSITION", summary: "a fixed patch value is not in the column's transition `to` list" },
  { code: "CONFLICT_GUARD_IN_PATCH", summary: "the conflict-guard column is also patched" },
  { code: "PRECONDITION_ON_PATCHED_COLUMN", summary: "a precondition names a column the patch changes, or the primary or tenant key" },
  { code: "PRECONDITION_NEEDS_SQL_UPDATE", summary: "a proposal with preconditions is applied by an app-owned executor, which the runner cannot hold to them" },
  { code: "INVALID_ARGUMENT_CONSTRAINT", summary: "an argument's constraints contradict its type or each other" },
  { code: "INVALID_DURATION", summary: "approval.expires_after or approval.valid_for is outside 1 minute … 365 days" },
  { code: "DUPLICATE_REVIEWER", summary: "two declared reviewers share an id" },
  { code: "SHARED_OS_USER", summary: "one OS user would map to two declared reviewers" },
  { code: "CONFLICTING_LEDGER", summary: "storage sets both sqlite_path and postgres_url_env" },
  { code: "INVALID_LIMITS", summary: "limits.open_proposals_per_tenant in a contract without proposals, or calls_per_principal no stricter than calls_per_tenant" },
  { code: "REQUIRED_ROLE_UNDECLARED", summary: "a capability's approval.required_role is held by no declared reviewer" },
] as const;

export type ContractRuleCode = (typeof CONTRACT_RULES)[number]["code"];

/** Collects one problem; rules never stop at the first one. */
export type Report = (code: ContractRuleCode, at: string, message: string, fix: string) => void;

/** Builds a JSON pointer below the capability being checked. */
export type Pointer = (...rest: Array<string | number>) => string;
