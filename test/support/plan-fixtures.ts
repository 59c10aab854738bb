// Database-free plans for unit tests: a contract with one proposal capability and a schema
// snapshot describing its table, run through validate → resolve → plan exactly as a build would.

import type { Engine } from "../../compiler/config/contract.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import type { BuildPlan, CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { planContract } from "../../compiler/pipeline.ts";
import { typeClassOf } from "../../compiler/inspect/type-class.ts";

/** A column as a snapshot records it, from its type text. */
export function column(name: string, dataType: string, nullable = false): ColumnInfo {
  return { name, data_type: dataType, type_class: typeClassOf(dataType), nullable, has_default: false, generated: false };
}

export function table(schema: string, name: string, primaryKey: string[], columns: ColumnInfo[]): TableInfo {
  return { schema, name, kind: "table", columns, primary_key: primaryKey, foreign_keys: [], suggestions: {} };
}

export interface PlanCase {
  engine: Engine;
  /** The proposal capability; on MySQL its target.schema is dropped (the connection's database). */
  capability: Record<string, any>;
  tables: TableInfo[];
  executors?: Record<string, unknown>;
}

/** The contract around one capability, engine-adapted. */
export function contractFor(c: PlanCase): Record<string, any> {
  const capability = structuredClone(c.capability);
  if (c.engine === "mysql") delete capability.target.schema;
  return {
    version: 1,
    mode: "review",
    sources: { app: { engine: c.engine, read_url_env: "APP_READ_URL", write_url_env: "APP_WRITE_URL" } },
    executors: c.executors ?? { writer: { type: "sql_update" } },
    capabilities: [capability],
  };
}

function snapshotFor(c: PlanCase): SchemaSnapshot {
  const tables = c.tables.map((t) => (c.engine === "mysql" ? { ...t, schema: "app" } : t));
  return { snapshot_version: 1, engine: c.engine, database: "app", tables };
}

export type Planned = { ok: true; plan: BuildPlan; capability: CapabilityPlan } | { ok: false; diagnostics: Diagnostic[] };

export function planCase(c: PlanCase, raw: Record<string, any> = contractFor(c)): Planned {
  const validated = validateContract(raw);
  if (!validated.ok) return { ok: false, diagnostics: validated.diagnostics };
  const planned = planContract({ contract: validated.value, snapshot: snapshotFor(c), configPath: "synapsor.runner.json", configSha256: "0".repeat(64) });
  if (!planned.ok) return { ok: false, diagnostics: planned.diagnostics };
  return { ok: true, plan: planned.plan, capability: planned.plan.capabilities[0]! };
}

/** The invoice table of the support-billing example, as either engine describes it. */
export const INVOICES = table("public", "invoices", ["id"], [
  column("id", "text"),
  column("tenant_id", "text"),
  column("late_fee_cents", "integer"),
  column("status", "text"),
  column("waiver_reason", "character varying(500)", true),
  column("updated_at", "timestamp with time zone"),
]);

/** The example's waiver proposal: timestamp version, one transition, a fixed and two argument-fed values. */
export function waiver(): Record<string, any> {
  return {
    name: "billing.propose_late_fee_waiver",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "invoices", primary_key: "id", tenant_key: "tenant_id" },
    args: {
      invoice_id: { type: "string", required: true, max_length: 64 },
      new_late_fee_cents: { type: "integer", required: true, minimum: 0 },
      reason: { type: "string", required: true, max_length: 500 },
    },
    lookup: { id_from_arg: "invoice_id" },
    visible_columns: ["id", "late_fee_cents", "status", "waiver_reason", "updated_at"],
    patch: {
      late_fee_cents: { from_arg: "new_late_fee_cents" },
      waiver_reason: { from_arg: "reason" },
      status: { fixed: "open" },
    },
    allowed_columns: ["late_fee_cents", "waiver_reason", "status"],
    numeric_bounds: { late_fee_cents: { minimum: 0, maximum: 10000 } },
    transition_guards: { status: { from: ["overdue"], to: ["open"] } },
    conflict_guard: { column: "updated_at" },
    approval: { mode: "human", required_role: "billing_lead" },
    executor: "writer",
  };
}
