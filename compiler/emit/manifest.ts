// manifest.json: the plan as data, for reviewers and tools. Each capability's SQL, where
// every parameter comes from, the SQL's SHA-256 and its result typed per column; for proposals
// also every statement of the planned write, or a plain note that an app-owned executor performs it.

import type { BuildPlan, ProposalPlan, WriteStatementPlan } from "../plan/capability-plan.ts";
import { escapeInvisibleInSource } from "./code-literal.ts";
import type { CallRate, LimitSettings } from "../../runtime/limits/settings.ts";

export function renderManifest(plan: BuildPlan): string {
  const manifest = {
    manifest_version: 1,
    runner_version: plan.runnerVersion,
    config: plan.config,
    mode: plan.mode,
    // Which ledger the server writes without --store: every replica of a Postgres one shares it.
    ledger: plan.storage.postgresUrlEnv !== null
      ? { engine: "postgres", url_env: plan.storage.postgresUrlEnv }
      : { engine: "sqlite", sqlite_path: plan.storage.sqlitePath },
    trusted_context: {
      tenant_id_env: plan.trustedContext.tenantIdEnv,
      principal_env: plan.trustedContext.principalEnv,
      ...(plan.trustedContext.httpJwt ? { http_jwt: plan.trustedContext.httpJwt } : {}),
    },
    ...(plan.limits ? { limits: manifestLimits(plan.limits) } : {}),
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
      // The result typed per column, for reviewers and whoever generates client types; each
      // tool's outputSchema in tools/list is `ok` plus this, admitting null (output-schema.ts).
      result_schema: c.resultSchema,
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
              ...(c.proposal.preconditions ? { preconditions: c.proposal.preconditions } : {}),
              conflict_column: c.proposal.conflictColumn ?? null,
              approval: c.proposal.approval,
              executor: c.proposal.executor,
              write: manifestWrite(c.proposal),
            },
          }
        : {}),
    })),
  };
  // Escaped like generated code (bidi controls, U+2028, tag characters... as \uXXXX): still the
  // same JSON value, but a reviewer reading the manifest sees every character.
  return escapeInvisibleInSource(JSON.stringify(manifest, null, 2)) + "\n";
}

/** The limits in the contract's own words, so a reviewer compares them field for field. */
function manifestLimits(limits: LimitSettings) {
  const rate = (r: CallRate) => ({ max: r.max, window_s: r.windowS });
  return {
    calls_per_principal: limits.callsPerPrincipal ? rate(limits.callsPerPrincipal) : null,
    calls_per_tenant: limits.callsPerTenant ? rate(limits.callsPerTenant) : null,
    open_proposals_per_tenant: limits.openProposalsPerTenant ?? null,
  };
}

function manifestStatement(s: WriteStatementPlan | null) {
  if (!s) return null;
  return {
    name: s.name,
    sql: { [s.engine]: s.text },
    sql_sha256: { [s.engine]: s.sha256 },
    parameters: s.params.map((p, i) => ({ position: i + 1, ...p })),
  };
}

/** What an app-owned executor's proposal runs instead of a planned UPDATE (the manifest and the review console say it alike). */
export function appExecutorNote(executor: ProposalPlan["executor"]): string {
  return `No runner-side UPDATE: apply sends the approved change set (writeback protocol 1.0) to the app-owned ${executor.type} executor '${executor.name}', which performs the write.`;
}

function manifestWrite(p: ProposalPlan) {
  const w = p.write;
  if (!w) {
    return {
      executor: p.executor.type,
      statements: null,
      note: appExecutorNote(p.executor),
    };
  }
  return {
    executor: w.executor,
    table: w.table,
    primary_key: w.primaryKey,
    tenant_key: w.tenantKey,
    receipts_table: w.receiptsTable,
    patch_columns: w.patchColumns,
    ...(w.optionalPatchColumns ? { optional_patch_columns: w.optionalPatchColumns } : {}),
    set_columns: w.setColumns,
    read_columns: w.readColumns,
    version_guard: w.versionGuard,
    transitions: w.transitions,
    ...(w.preconditions ? { preconditions: w.preconditions } : {}),
    statements: {
      claim_receipt: manifestStatement(w.statements.claimReceipt),
      update: manifestStatement(w.statements.update),
      read_new_version: manifestStatement(w.statements.readNewVersion),
      complete_receipt: manifestStatement(w.statements.completeReceipt),
      explain_conflict: manifestStatement(w.statements.explainConflict),
      read_receipt: manifestStatement(w.statements.readReceipt),
    },
  };
}
