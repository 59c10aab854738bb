// A runtime Capability built straight from a CapabilityPlan, so previews describe tools
// with the same describeTool the compiled server uses, without bundling anything.
// It is for describing only: calling it throws, because nothing validated or bound it.

import type { ArgsValidator, Capability } from "../../runtime/capability.ts";
import { paramSourceLabel } from "../../compiler/emit/capability-module.ts";
import type { CapabilityPlan } from "../../compiler/plan/capability-plan.ts";
import { toolOutputSchema } from "../../compiler/plan/output-schema.ts";

function notCallable(): never {
  throw new Error("A previewed capability describes a tool; it cannot be called.");
}

export function capabilityFromPlan(plan: CapabilityPlan): Capability {
  const common = {
    name: plan.name,
    description: plan.description,
    source: plan.source,
    engine: plan.engine,
    target: { ...plan.target },
    inputSchema: plan.inputSchema,
    outputSchema: toolOutputSchema(plan.kind, plan.resultSchema),
    validateArgs: notCallable as unknown as ArgsValidator,
    statement: { name: plan.statement.name, text: plan.statement.text },
    params: notCallable,
    paramSources: plan.statement.params.map(paramSourceLabel),
    columns: plan.columns.map((c) => c.name),
    evidence: plan.evidence,
  };
  const p = plan.proposal;
  if (!p) return { ...common, kind: "read", single: plan.single, maxRows: plan.maxRows };
  return {
    ...common,
    kind: "proposal",
    patch: notCallable,
    allowedColumns: p.allowedColumns,
    numericBounds: p.numericBounds,
    transitionGuards: p.transitionGuards,
    ...(p.preconditions !== undefined ? { preconditions: p.preconditions } : {}),
    ...(p.conflictColumn !== undefined ? { conflictColumn: p.conflictColumn } : {}),
    idArg: p.idArg,
    visibleColumns: plan.visibleColumns,
    approval: p.approval,
    executor: p.executor,
    planHash: plan.planHash,
  };
}
