// manifest.json: the plan as data, for reviewers and tools. Each capability's SQL, where
// every parameter comes from, and the SQL's SHA-256.

import type { BuildPlan } from "../plan/capability-plan.ts";

export function renderManifest(plan: BuildPlan): string {
  const manifest = {
    manifest_version: 1,
    runner_version: plan.runnerVersion,
    config: plan.config,
    mode: plan.mode,
    trusted_context: { tenant_id_env: plan.trustedContext.tenantIdEnv, principal_env: plan.trustedContext.principalEnv },
    capabilities: plan.capabilities.map((c) => ({
      name: c.name,
      kind: c.kind,
      tool_name: c.name,
      openai_alias: c.openaiAlias,
      source: c.source,
      target: c.target,
      sql: { [c.engine]: c.statement.text },
      sql_sha256: { [c.engine]: c.statement.sha256 },
      statement_name: c.statement.name,
      parameters: c.statement.params.map((p, i) => ({ position: i + 1, ...p })),
      visible_columns: c.visibleColumns,
      max_rows: c.maxRows,
      evidence: c.evidence,
      plan_sha256: c.planHash,
      ...(c.proposal
        ? {
            proposal: {
              id_arg: c.proposal.idArg,
              patch: c.proposal.patch,
              allowed_columns: c.proposal.allowedColumns,
              numeric_bounds: c.proposal.numericBounds,
              transition_guards: c.proposal.transitionGuards,
              conflict_column: c.proposal.conflictColumn ?? null,
              approval: c.proposal.approval,
              executor: c.proposal.executor,
            },
          }
        : {}),
    })),
  };
  return JSON.stringify(manifest, null, 2) + "\n";
}
