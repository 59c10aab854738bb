// What a generated capability module hands to the runtime. Everything here is fixed
// at build time: the SQL text, which values are the model's and which are trusted.

import type { TrustedContext } from "./context.ts";
import type { Engine, FixedStatement } from "./db/adapter.ts";
import type { Scalar } from "./values.ts";

/** JSON Schema object for tool arguments (also the source of the compiled validator). */
export type JsonSchema = Record<string, unknown>;

/** An Ajv standalone validator: returns true or sets `errors`. */
export interface ArgsValidator {
  (data: unknown): boolean;
  errors?: Array<{ instancePath: string; keyword: string; message?: string; params: Record<string, unknown> }> | null;
}

export interface Target {
  schema?: string;
  table: string;
  primaryKey: string;
  tenantKey: string;
}

interface CapabilityCommon<Args> {
  name: string;
  /** Model-facing description, final text. */
  description: string;
  source: string;
  engine: Engine;
  target: Target;
  inputSchema: JsonSchema;
  /** What tools/list publishes of a result: `ok` and this tool's typed `data` or `proposal` (compiler/plan/output-schema.ts). */
  outputSchema: JsonSchema;
  validateArgs: ArgsValidator;
  statement: FixedStatement;
  /** Bound values in placeholder order. */
  params: (args: Args, ctx: TrustedContext) => unknown[];
  /** Same order as params: "arg:<name>", "context:tenant_id", "fixed". Trusted values are never logged. */
  paramSources: readonly string[];
  /** Columns returned to the model, in order. */
  columns: readonly string[];
  evidence: "required" | "optional";
}

export interface ReadCapability<Args = Record<string, unknown>> extends CapabilityCommon<Args> {
  kind: "read";
  /** true: one row by primary key, `data` is the row object. false: a list, `data` is { rows }. */
  single: boolean;
  maxRows: number;
}

export interface ProposalCapability<Args = Record<string, unknown>> extends CapabilityCommon<Args> {
  kind: "proposal";
  /** The proposed column values, computed from arguments and fixed values only. */
  patch: (args: Args) => Record<string, Scalar>;
  allowedColumns: readonly string[];
  numericBounds: Readonly<Record<string, { minimum?: number; maximum?: number }>>;
  transitionGuards: Readonly<Record<string, { from: readonly Scalar[]; to: readonly Scalar[] }>>;
  conflictColumn?: string;
  /** Read-only preconditions: the row read must hold one of these values (absent when there are none). */
  preconditions?: Readonly<Record<string, { oneOf: readonly Scalar[] }>>;
  /** Id argument for the target row. */
  idArg: string;
  /**
   * The author's visible_columns: all the model may see of the row. `columns` also holds what the
   * diff, guards and version check need; those stay in the ledger for reviewers.
   */
  visibleColumns: readonly string[];
  approval: { mode: "human"; requiredRole?: string; expiresAfter?: string; validFor?: string; reviewers?: "declared" };
  executor: { name: string; type: "sql_update" | "http_handler" | "command_handler" };
  /** SHA-256 of the compiled plan; every proposal records it so apply can refuse a changed plan. */
  planHash: string;
}

export type Capability = ReadCapability<any> | ProposalCapability<any>;

export function defineRead<Args>(capability: Omit<ReadCapability<Args>, "kind">): ReadCapability<Args> {
  return Object.freeze({ kind: "read", ...capability });
}

export function defineProposal<Args>(
  capability: Omit<ProposalCapability<Args>, "kind">,
): ProposalCapability<Args> {
  return Object.freeze({ kind: "proposal", ...capability });
}

export type { Scalar };
