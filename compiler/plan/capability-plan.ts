// The intermediate representation between resolve and emit. Serialised (minus the
// TypeScript-only fields), it is manifest.json: what every tool runs, exactly.

import type { ArgType, Engine, Scalar } from "../config/contract.ts";
import type { HttpJwtSettings } from "../../runtime/auth/settings.ts";
import type { LimitSettings } from "../../runtime/limits/settings.ts";
import type { SqlUpdatePlan } from "../../runtime/executors/write-plan.ts";
import type { NumericTextFormat } from "../../runtime/calls/arguments.ts";
import type { TextFormat } from "../../runtime/calls/text-formats.ts";
import type { Durability } from "../../runtime/ledger/durability.ts";

export type { SqlUpdatePlan, WriteParamSource, WriteStatementPlan } from "../../runtime/executors/write-plan.ts";

export type ParamSource =
  /** `optional`: the argument may be left out; it is then bound as null, and its given-flag is false. */
  | { from: "arg"; name: string; optional?: true }
  /** Whether an optional argument was given, bound as the engine's boolean (Dialect.givenFlag). */
  | { from: "arg_given"; name: string }
  | { from: "context"; name: "tenant_id" | "principal" }
  | { from: "fixed"; value: Scalar };

export interface StatementPlan {
  /** Stable name (Postgres named prepared statement); changes when the text changes. */
  name: string;
  engine: Engine;
  text: string;
  params: ParamSource[];
  sha256: string;
}

export interface ArgPlan {
  name: string;
  type: ArgType;
  required: boolean;
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: Array<string | number>;
  /**
   * Set when the argument feeds a bigint or decimal column: JSON integers are limited to those a
   * JSON number carries exactly, and the canonical text form (pattern, format) is accepted where
   * the column needs it (compiler/plan/arguments.ts).
   */
  exactNumber?: { jsonIntegerLimit?: number; format?: NumericTextFormat; pattern?: string };
  /**
   * Set when a string argument feeds a timestamp, date, time or uuid column: the format and the
   * pattern its column takes (compiler/plan/text-format.ts), checked when the tool is called.
   */
  textFormat?: { format: TextFormat; pattern: string };
}

export interface ColumnPlan {
  name: string;
  dataType: string;
  /** TypeScript type of the JSON value the model receives. */
  tsType: string;
  nullable: boolean;
}

export interface ProposalPlan {
  idArg: string;
  patch: Array<{ column: string; value: { fixed: Scalar } | { arg: string } }>;
  allowedColumns: string[];
  numericBounds: Record<string, { minimum?: number; maximum?: number }>;
  transitionGuards: Record<string, { from: Scalar[]; to: Scalar[] }>;
  conflictColumn?: string;
  /** Read-only preconditions (absent when there are none): the row must hold one of the values. */
  preconditions?: Record<string, { oneOf: Scalar[] }>;
  /** The contract's approval settings; the durations are fixed into each proposal as deadlines by the ledger. */
  approval: { mode: "human"; requiredRole?: string; expiresAfter?: string; validFor?: string; reviewers?: "declared" };
  executor: { name: string; type: "sql_update" | "http_handler" | "command_handler" };
  /**
   * Every statement a sql_update executor runs for this capability, planned here; null when an
   * app-owned executor (http_handler, command_handler) performs the write.
   */
  write: SqlUpdatePlan | null;
}

export interface CapabilityPlan {
  name: string;
  kind: "read" | "proposal";
  /** Function-safe alias for clients that reject dots (`--alias-mode openai`). */
  openaiAlias: string;
  /** Final model-facing description. */
  description: string;
  source: string;
  engine: Engine;
  target: { schema?: string; table: string; primaryKey: string; tenantKey: string };
  args: ArgPlan[];
  inputSchema: Record<string, unknown>;
  /** A successful result's `data` (read) or `proposal`, typed per column (output-schema.ts); published in manifest.json, not in the plan hash. */
  resultSchema: Record<string, unknown>;
  statement: StatementPlan;
  /** Columns the statement returns, in order; for proposals this includes the columns the diff needs. */
  columns: ColumnPlan[];
  /** Columns the model may see. */
  visibleColumns: string[];
  single: boolean;
  maxRows: number;
  evidence: "required" | "optional";
  proposal?: ProposalPlan;
  /** SHA-256 of the decided plan (plan-hash.ts); proposals record it and apply re-checks it. */
  planHash: string;
}

export interface BuildPlan {
  runnerVersion: string;
  config: { file: string; sha256: string };
  mode: "read_only" | "review";
  /** ledgerKeyEnv: the variable the contract names for the ledger keys, or null (SYNAPSOR_LEDGER_KEY if set, else the key file). */
  /** durability: the contract's storage.durability, or the default (runtime/ledger/durability.ts). */
  /** postgresUrlEnv: the variable holding a Postgres ledger's URL (storage.postgres_url_env), or null for the SQLite file. */
  storage: { sqlitePath: string; postgresUrlEnv: string | null; ledgerKeyEnv: string | null; durability: Durability };
  sources: Record<string, { engine: Engine; readUrlEnv: string; writeUrlEnv?: string; statementTimeoutMs: number }>;
  trustedContext: { tenantIdEnv: string; principalEnv: string; httpJwt?: HttpJwtSettings };
  /** The contract's limits; absent when it sets none. */
  limits?: LimitSettings;
  capabilities: CapabilityPlan[];
}

