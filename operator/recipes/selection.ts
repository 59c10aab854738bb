// A mapped recipe as an OnboardingSelection: the same object init's flags, --spec and the wizard
// produce, so the one generator (operator/onboard/generate.ts) writes the config for all of them.

import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV, type Engine, type Scalar } from "../../compiler/config/contract.ts";
import type { OnboardingSelection, PatchChoice, WritebackChoice } from "../onboard/selection.ts";
import type { MappedRecipe } from "./mapping.ts";

/** Where the generated server gets its credentials and trusted context: env var names only. */
export interface RecipeEnvironment {
  engine: Engine;
  read_url_env: string;
  /** The writer's URL env var, for direct sql_update writeback. */
  write_url_env?: string;
  /** An app-owned executor instead of direct SQL. */
  writeback?: WritebackChoice;
  tenant_env?: string;
  principal_env?: string;
  /** Replace the recipe's tool names (e.g. to fit a naming scheme already in use). */
  read_tool?: string;
  proposal_tool?: string;
  /** The snapshot file later builds read (relative to the config), when the schema came from one. */
  schema_snapshot?: string;
}

export function recipeSelection(mapped: MappedRecipe, env: RecipeEnvironment): OnboardingSelection {
  const { recipe, columns } = mapped;
  const column = (role: string): string | undefined => columns[role]?.name;

  const patch: Record<string, PatchChoice> = {};
  for (const item of recipe.patch) {
    const name = column(item.role);
    if (name === undefined) continue; // an optional role without a column
    patch[name] = "from_arg" in item ? { from_arg: item.from_arg } : { fixed: item.fixed };
  }
  const status_guards: Record<string, { from: Scalar[]; to: Scalar }> = {};
  const guard = recipe.transition_guard;
  const guardColumn = guard !== undefined ? column(guard.role) : undefined;
  if (guard !== undefined && guardColumn !== undefined) {
    status_guards[guardColumn] = { from: [...guard.from], to: guard.to };
    // A transition guard sets its column to the target state; said here too so the selection reads whole.
    patch[guardColumn] = { fixed: guard.to };
  }
  const patch_bounds: Record<string, { minimum?: number; maximum?: number }> = {};
  for (const [role, bounds] of Object.entries(recipe.bounds ?? {})) {
    const name = column(role);
    if (name !== undefined && name in patch) patch_bounds[name] = { ...bounds };
  }
  const preconditions: Record<string, Scalar[]> = {};
  for (const [role, values] of Object.entries(recipe.preconditions ?? {})) {
    const name = column(role);
    if (name !== undefined) preconditions[name] = [...values];
  }

  // The key, every mapped role and the version column: what a reviewer and the model need as evidence.
  const visible = [mapped.primary_key, ...recipe.columns.map((c) => column(c.role)).filter((n): n is string => n !== undefined)];
  if (mapped.conflict_column !== undefined) visible.push(mapped.conflict_column);

  return {
    version: 1,
    engine: env.engine,
    mode: "review",
    read_url_env: env.read_url_env,
    ...(env.write_url_env !== undefined ? { write_url_env: env.write_url_env } : {}),
    schema: mapped.table.schema,
    table: mapped.table.name,
    primary_key: mapped.primary_key,
    tenant_column: mapped.tenant_column,
    ...(mapped.conflict_column !== undefined ? { conflict_column: mapped.conflict_column } : {}),
    namespace: recipe.namespace,
    object_name: recipe.object_name,
    id_arg: recipe.id_arg,
    read_tool: env.read_tool ?? recipe.read_tool.name,
    proposal_tool: env.proposal_tool ?? recipe.proposal_tool.name,
    visible_columns: [...new Set(visible)],
    patch,
    ...(Object.keys(patch_bounds).length > 0 ? { patch_bounds } : {}),
    ...(Object.keys(status_guards).length > 0 ? { status_guards } : {}),
    ...(Object.keys(preconditions).length > 0 ? { preconditions } : {}),
    writeback: env.writeback ?? { type: "sql_update" },
    approval_role: recipe.approval_role,
    tenant_env: env.tenant_env ?? DEFAULT_TENANT_ENV,
    principal_env: env.principal_env ?? DEFAULT_PRINCIPAL_ENV,
    ...(env.schema_snapshot !== undefined ? { schema_snapshot: env.schema_snapshot } : {}),
  };
}
