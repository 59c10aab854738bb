// Stage 4: plan. Turns resolved capabilities into the build's intermediate representation:
// one fixed statement per capability, its parameter order, arguments and policy.

import {
  DEFAULT_JWT_CLOCK_SKEW_S,
  DEFAULT_PRINCIPAL_ENV,
  DEFAULT_STORE_PATH,
  DEFAULT_TENANT_ENV,
  type Contract,
  type HttpJwtConfig,
  type LimitsConfig,
} from "../config/contract.ts";
import type { ResolvedCapability, ResolvedContract } from "../resolve/resolved.ts";
import { inputSchemaFor, planArgs } from "./arguments.ts";
import type { HttpJwtSettings } from "../../runtime/auth/settings.ts";
import type { LimitSettings } from "../../runtime/limits/settings.ts";
import { DEFAULT_DURABILITY } from "../../runtime/ledger/durability.ts";
import type { BuildPlan, CapabilityPlan, ProposalPlan } from "./capability-plan.ts";
import { describeCapability } from "./describe.ts";
import { capabilityPlanHash } from "./plan-hash.ts";
import { resultSchemaFor } from "./output-schema.ts";
import { planSelect, selectedColumns } from "./statements.ts";
import { planWrite } from "./write-statements.ts";
import { tsTypeForColumn } from "./ts-types.ts";

export interface PlanInputs {
  contract: Contract;
  /** Reviewers are declared (in the contract or synapsor.reviewers.json): decisions must be by an established reviewer. */
  reviewersDeclared?: boolean;
  resolved: ResolvedContract;
  configFile: string;
  configSha256: string;
  runnerVersion: string;
}

export function planBuild({ contract, resolved, configFile, configSha256, runnerVersion, reviewersDeclared = false }: PlanInputs): BuildPlan {
  const sources: BuildPlan["sources"] = {};
  for (const name of Object.keys(contract.sources).sort()) {
    const s = contract.sources[name]!;
    sources[name] = {
      engine: s.engine,
      readUrlEnv: s.read_url_env,
      ...(s.write_url_env ? { writeUrlEnv: s.write_url_env } : {}),
      statementTimeoutMs: s.statement_timeout_ms ?? 5000,
    };
  }
  return {
    runnerVersion,
    config: { file: configFile, sha256: configSha256 },
    mode: contract.mode,
    storage: {
      sqlitePath: contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH,
      postgresUrlEnv: contract.storage?.postgres_url_env ?? null,
      ledgerKeyEnv: contract.storage?.ledger_key_env ?? null,
      durability: contract.storage?.durability ?? DEFAULT_DURABILITY,
    },
    sources,
    trustedContext: {
      tenantIdEnv: contract.trusted_context?.values?.tenant_id_env ?? DEFAULT_TENANT_ENV,
      principalEnv: contract.trusted_context?.values?.principal_env ?? DEFAULT_PRINCIPAL_ENV,
      ...(contract.trusted_context?.http_jwt ? { httpJwt: planHttpJwt(contract.trusted_context.http_jwt) } : {}),
    },
    ...(contract.limits ? { limits: planLimits(contract.limits) } : {}),
    capabilities: resolved.capabilities.map((cap) => planCapability(contract, cap, reviewersDeclared)),
  };
}

function planLimits(limits: LimitsConfig): LimitSettings {
  const rate = (r: { max: number; window_s: number }) => ({ max: r.max, windowS: r.window_s });
  return {
    ...(limits.calls_per_principal ? { callsPerPrincipal: rate(limits.calls_per_principal) } : {}),
    ...(limits.calls_per_tenant ? { callsPerTenant: rate(limits.calls_per_tenant) } : {}),
    ...(limits.open_proposals_per_tenant !== undefined ? { openProposalsPerTenant: limits.open_proposals_per_tenant } : {}),
  };
}

export function planHttpJwt(jwt: HttpJwtConfig): HttpJwtSettings {
  return {
    issuer: jwt.issuer,
    audience: jwt.audience,
    ...(jwt.jwks_url_env !== undefined ? { jwksUrlEnv: jwt.jwks_url_env } : {}),
    ...(jwt.key_env !== undefined ? { keyEnv: jwt.key_env } : {}),
    algorithms: [...jwt.algorithms],
    claims: { tenant: jwt.claims.tenant, principal: jwt.claims.principal, ...(jwt.claims.roles !== undefined ? { roles: jwt.claims.roles } : {}) },
    requiredScopes: [...(jwt.required_scopes ?? [])],
    clockSkewS: jwt.clock_skew_s ?? DEFAULT_JWT_CLOCK_SKEW_S,
  };
}

function planCapability(contract: Contract, cap: ResolvedCapability, reviewersDeclared: boolean): CapabilityPlan {
  const c = cap.config;
  const args = planArgs(cap);
  const plan: Omit<CapabilityPlan, "planHash" | "resultSchema"> = {
    name: c.name,
    kind: c.kind,
    openaiAlias: c.name.replace(/\./g, "__"),
    description: describeCapability(cap),
    source: c.source,
    engine: cap.engine,
    target: {
      ...(cap.schema !== undefined ? { schema: cap.schema } : {}),
      table: c.target.table,
      primaryKey: c.target.primary_key,
      tenantKey: c.target.tenant_key,
    },
    args,
    inputSchema: inputSchemaFor(args),
    statement: planSelect(cap),
    columns: selectedColumns(cap).map((name) => {
      const info = cap.columns.get(name)!;
      return { name, dataType: info.data_type, tsType: tsTypeForColumn(info), nullable: info.nullable };
    }),
    visibleColumns: [...c.visible_columns],
    single: Boolean(c.lookup.id_from_arg),
    maxRows: c.lookup.id_from_arg ? 1 : (c.max_rows ?? 20),
    evidence: c.evidence ?? "required",
  };
  if (c.kind === "proposal") {
    const executorName = c.executor ?? "sql_update";
    const executor = contract.executors?.[executorName] ?? { type: "sql_update" as const };
    const proposal: ProposalPlan = {
      idArg: c.lookup.id_from_arg!,
      patch: Object.entries(c.patch).map(([column, v]) => ({
        column,
        value: "from_arg" in v ? { arg: v.from_arg } : { fixed: v.fixed },
      })),
      allowedColumns: [...c.allowed_columns],
      numericBounds: { ...(c.numeric_bounds ?? {}) },
      transitionGuards: { ...(c.transition_guards ?? {}) },
      ...(c.conflict_guard ? { conflictColumn: c.conflict_guard.column } : {}),
      ...(Object.keys(c.preconditions ?? {}).length > 0
        ? { preconditions: Object.fromEntries(Object.entries(c.preconditions!).map(([column, p]) => [column, { oneOf: [...p.one_of] }])) }
        : {}),
      approval: {
        mode: "human",
        ...(c.approval?.required_role ? { requiredRole: c.approval.required_role } : {}),
        ...(c.approval?.expires_after ? { expiresAfter: c.approval.expires_after } : {}),
        ...(c.approval?.valid_for ? { validFor: c.approval.valid_for } : {}),
        ...(reviewersDeclared ? { reviewers: "declared" as const } : {}),
      },
      executor: { name: executorName, type: executor.type },
      write: executor.type === "sql_update" ? planWrite(cap, executor.receipts_schema) : null,
    };
    plan.proposal = proposal;
  }
  return { ...plan, resultSchema: resultSchemaFor(plan, cap.columns), planHash: capabilityPlanHash(plan) };
}
