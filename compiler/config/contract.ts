// The shape of synapsor.runner.json after JSON Schema validation.
// schemas/synapsor.runner.schema.json is the source of truth; these types mirror it.

export type Engine = "postgres" | "mysql";
export type Mode = "read_only" | "review";
export type ArgType = "string" | "integer" | "number" | "boolean";
export type Scalar = string | number | boolean | null;

export interface Contract {
  /** Editor hint pointing at schemas/synapsor.runner.schema.json. */
  $schema?: string;
  version: 1;
  mode: Mode;
  /** Accepted for compatibility; results always use the version 2 envelope. */
  result_format?: 2;
  storage?: {
    sqlite_path?: string;
    /** The variable holding the URL of a Postgres ledger shared by replicas; excludes sqlite_path. */
    postgres_url_env?: string;
    ledger_key_env?: string;
    /** How long ledger records are kept: the age `store prune` uses without --older-than, e.g. "90d". */
    retention?: string;
    /** What a crash may lose: power_loss (default, fsync per commit) or process_crash (fsync at checkpoints). */
    durability?: "power_loss" | "process_crash";
  };
  sources: Record<string, SourceConfig>;
  trusted_context?: TrustedContextConfig;
  executors?: Record<string, ExecutorConfig>;
  capabilities: CapabilityConfig[];
  /** Declared reviewers; absent: reviewers name themselves (--actor, --role). */
  reviewers?: ReviewerConfig[];
  /** Call rate limits and the open-proposal cap; absent: no limit. */
  limits?: LimitsConfig;
  build?: { out_dir?: string; schema_snapshot?: string };
}

export interface SourceConfig {
  engine: Engine;
  read_url_env: string;
  write_url_env?: string;
  statement_timeout_ms?: number;
}

export interface TrustedContextConfig {
  provider: "environment";
  values?: { tenant_id_env?: string; principal_env?: string };
  /** HTTP requests take tenant and principal from a verified JWT; stdio and the CLI keep `values`. */
  http_jwt?: HttpJwtConfig;
}

export type JwtAlgorithm =
  | "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512" | "EdDSA" | "HS256" | "HS384" | "HS512";

export interface HttpJwtConfig {
  issuer: string;
  /** The canonical URI of the MCP endpoint; tokens' `aud` must contain it. */
  audience: string;
  /** Exactly one of jwks_url_env and key_env: the names of variables, never their values. */
  jwks_url_env?: string;
  key_env?: string;
  algorithms: JwtAlgorithm[];
  /** roles: optional; the claim whose value (a list of strings or a space-separated string) is the request's roles. */
  claims: { tenant: string; principal: string; roles?: string };
  required_scopes?: string[];
  clock_skew_s?: number;
}

/** Up to `max` calls at once, refilled evenly over `window_s` seconds. */
export interface CallRateConfig {
  max: number;
  window_s: number;
}

export interface LimitsConfig {
  calls_per_principal?: CallRateConfig;
  calls_per_tenant?: CallRateConfig;
  /** Proposals in review_required or approved one tenant may have at once. */
  open_proposals_per_tenant?: number;
}

export type ExecutorConfig =
  | {
      type: "sql_update";
      source?: string;
      /** Where synapsor_writeback_receipts lives; default "synapsor" (Postgres) or the connection's database (MySQL). */
      receipts_schema?: string;
    }
  | {
      type: "http_handler";
      url_env: string;
      method?: "POST";
      auth?: { type: "bearer_env"; token_env: string };
      signing_secret_env?: string;
      timeout_ms?: number;
    }
  | { type: "command_handler"; command_env: string; timeout_ms?: number };

export interface ArgConfig {
  type: ArgType;
  required?: boolean;
  description?: string;
  max_length?: number;
  minimum?: number;
  maximum?: number;
  enum?: Array<string | number>;
}

export interface TargetConfig {
  schema?: string;
  table: string;
  primary_key: string;
  tenant_key: string;
}

/** Equality filter for list lookups: the column equals an argument or a fixed value. */
export type FilterConfig = { column: string; from_arg: string } | { column: string; fixed: Scalar };

export interface LookupConfig {
  /** Single-row lookup by primary key. */
  id_from_arg?: string;
  /** List lookup: equality filters, always combined with the tenant key. */
  filters?: FilterConfig[];
  order_by?: Array<{ column: string; direction?: "asc" | "desc" }>;
}

interface CapabilityBase {
  name: string;
  description?: string;
  returns_hint?: string;
  source: string;
  target: TargetConfig;
  args?: Record<string, ArgConfig>;
  lookup: LookupConfig;
  visible_columns: string[];
  evidence?: "required" | "optional";
  max_rows?: number;
}

export interface ReadCapabilityConfig extends CapabilityBase {
  kind: "read";
}

export type PatchValue = { fixed: Scalar } | { from_arg: string };

export interface ProposalCapabilityConfig extends CapabilityBase {
  kind: "proposal";
  patch: Record<string, PatchValue>;
  allowed_columns: string[];
  numeric_bounds?: Record<string, { minimum?: number; maximum?: number }>;
  transition_guards?: Record<string, { from: Scalar[]; to: Scalar[] }>;
  conflict_guard?: { column: string };
  /**
   * Read-only preconditions: the row must hold one of these values when the proposal is made and
   * when it is applied (part of the planned UPDATE's WHERE); the column needs no UPDATE grant.
   */
  preconditions?: Record<string, { one_of: Scalar[] }>;
  approval?: ApprovalConfig;
  executor?: string;
}

export interface ApprovalConfig {
  mode: "human";
  required_role?: string;
  /** A duration ("30m", "72h", "7d"): how long a proposal waits for a decision before it expires. */
  expires_after?: string;
  /** A duration: how long an approval stays valid for apply. */
  valid_for?: string;
}

/** A person who may decide proposals (schemas/synapsor.runner.schema.json#/$defs/reviewer). */
export interface ReviewerConfig {
  id: string;
  name?: string;
  roles: string[];
  os_users?: string[];
  /** Hex SHA-256 of the token the reviewer keeps in an environment variable; never the token. */
  credential_sha256?: string;
}

export type CapabilityConfig = ReadCapabilityConfig | ProposalCapabilityConfig;

export const DEFAULT_TENANT_ENV = "SYNAPSOR_TENANT_ID";
export const DEFAULT_PRINCIPAL_ENV = "SYNAPSOR_PRINCIPAL";
/** Seconds of clock tolerance for a token's exp, nbf and iat when clock_skew_s is not set. */
export const DEFAULT_JWT_CLOCK_SKEW_S = 30;
export const DEFAULT_STORE_PATH = "./.synapsor/local.db";
/** Upper bound on rows a list read may return; keeps every result small enough for a model. */
export const MAX_LIST_ROWS = 100;
