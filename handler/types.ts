// The helper's public types: what an app team configures, and what its business function
// receives. Everything here is framework-neutral.

import type { Scalar } from "../runtime/values.ts";
import type { Receipt, WritebackRequest } from "../runtime/executors/protocol.ts";

export type { Scalar, Receipt, WritebackRequest };

export type Engine = "postgres" | "mysql";

/** A value the scoped transaction will bind; objects other than Date are refused. */
export type BindValue = Scalar | bigint | Date;

export type Row = Record<string, unknown>;

/** What the business function reports it did, e.g. { type: "db.insert", table: "credits", id: "CR-1" }. */
export type Effect = Record<string, Scalar>;

/** The capability's target row, as the runner's config names it. */
export interface TargetTable {
  /** Defaults to the connection's current schema (Postgres) or database (MySQL). */
  schema?: string;
  name: string;
  primaryKey: string;
  tenantKey: string;
  /** The conflict-guard column; when set, every request must carry an expected version for it. */
  versionColumn?: string;
}

/** A parsed, checked request plus the locked row; what the business function works from. */
export interface Job<Patch = Record<string, Scalar>, TargetRow = Row> {
  action: string;
  proposalId: string;
  idempotencyKey: string;
  issuedAt: string;
  tenantId: string;
  objectId: string;
  principal: string;
  patch: Patch;
  /** The row as the proposal saw it, and as the proposal would leave it. */
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** The target row as it is now, locked with SELECT … FOR UPDATE for this transaction. */
  row: TargetRow;
  approval: { actor: string; role: string | null; approvedAt: string };
  evidenceBundleId: string;
}

/**
 * The only database access a business function gets: the capability's table and its fixed
 * extra tables, identifiers quoted, values bound, and every statement limited to the job's
 * tenant on tables that have the tenant column.
 */
export interface ScopedTx {
  /** Inserts one row; the tenant column is filled in (or must already equal the job's tenant). */
  insert(table: string, row: Record<string, BindValue | undefined>): Promise<{ rowCount: number }>;
  /** Updates the row with this primary key inside the job's tenant. */
  update(table: string, id: BindValue, patch: Record<string, BindValue | undefined>): Promise<{ rowCount: number }>;
  /** Rows matching every equality in `where`, inside the job's tenant (at most 1000). */
  query(table: string, where?: Record<string, BindValue>): Promise<Row[]>;
}

export interface ApplyResult {
  effects?: Effect[];
}

export interface CapabilityBinding<Patch = any, TargetRow = any> {
  table: TargetTable;
  /** Extra tables the business function may touch ("credits" or "billing.credits"). */
  tables?: string[];
  /** The business write. Throw to roll everything back; the runner then gets a failed receipt. */
  apply: (job: Job<Patch, TargetRow>, tx: ScopedTx) => Promise<ApplyResult | void>;
}

export interface WritebackHandlerOptions {
  /** Env var holding the bearer token the runner sends. Without it the HTTP entry points refuse every request. */
  tokenEnv?: string;
  /** Env var holding the HMAC secret; when set, every request must be signed and fresh. */
  signingSecretEnv?: string;
  /** Accepted distance between X-Synapsor-Issued-At and this clock; default 300 s. */
  maxSkewSeconds?: number;
  source: { engine: Engine; urlEnv: string; statementTimeoutMs?: number; maxConnections?: number };
  /** Where idempotency receipts live; default synapsor_handler_receipts in the default schema. */
  receiptsTable?: { schema?: string; name?: string; create?: boolean };
  capabilities: Record<string, CapabilityBinding>;
  /** Sees the raw cause of every failure (driver text, thrown errors) for the app's own logs. */
  onError?: (err: unknown, context: { action?: string; proposalId?: string; stage: string }) => void;
}

export interface HandlerRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The raw body exactly as received; the signature covers these bytes. */
  body: string | Uint8Array;
}

export interface HandlerResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}
