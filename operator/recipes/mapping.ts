// Maps a recipe's roles onto one table of the inspected schema and checks each choice: the table
// exists (and is a table), every role's column exists with a type the role can use, a status
// column's enum labels include the states the recipe moves between, and no two roles share a
// column. All problems are reported together, each with the closest existing names.

import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { didYouMean } from "../../compiler/config/suggest.ts";
import { andList, closestNames, orList, type RecipeProblem } from "./problems.ts";
import { columnPlaceholder, type ColumnRole, type Recipe } from "./recipe.ts";

/** What the user said about their table: every field optional, the recipe's defaults fill the rest. */
export interface RecipeTarget {
  schema?: string;
  table?: string;
  /** Role → column, from `--map ROLE=COLUMN,...`. */
  map?: Record<string, string>;
  primary_key?: string;
  tenant_column?: string;
  conflict_column?: string;
}

/** A recipe bound to real names. */
export interface MappedRecipe {
  recipe: Recipe;
  table: TableInfo;
  /** Role → the column it was mapped to; optional roles with no column are absent. */
  columns: Record<string, ColumnInfo>;
  /** Optional roles left out, with the reason (shown to the user, never an error). */
  skipped: Array<{ role: string; reason: string }>;
  primary_key: string;
  tenant_column: string;
  conflict_column?: string;
}

export type MappingOutcome = { ok: true; mapped: MappedRecipe } | { ok: false; problems: RecipeProblem[] };

/** Parses "role=column,role2=column2"; malformed items are problems. */
export function parseRoleMap(text: string): { map: Record<string, string>; problems: RecipeProblem[] } {
  const map: Record<string, string> = {};
  const problems: RecipeProblem[] = [];
  for (const item of text.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const eq = item.indexOf("=");
    const role = eq < 0 ? "" : item.slice(0, eq).trim();
    const column = eq < 0 ? "" : item.slice(eq + 1).trim();
    if (role === "" || column === "") {
      problems.push({
        code: "RECIPE_BAD_FLAG",
        message: `--map item '${item}' is not ROLE=COLUMN.`,
        fix: "Write --map as ROLE=COLUMN pairs separated by commas, e.g. --map late_fee=late_fee_cents,status=state.",
        suggestions: [],
      });
    } else if (Object.hasOwn(map, role)) {
      problems.push({
        code: "RECIPE_BAD_FLAG",
        role,
        message: `--map names role '${role}' twice.`,
        fix: `Keep one ${role}=COLUMN pair.`,
        suggestions: [],
      });
    } else {
      map[role] = column;
    }
  }
  return { map, problems };
}

export function mapRecipe(recipe: Recipe, snapshot: SchemaSnapshot, target: RecipeTarget): MappingOutcome {
  const problems: RecipeProblem[] = [];
  const roles = new Set(recipe.columns.map((c) => c.role));
  for (const role of Object.keys(target.map ?? {})) {
    if (!roles.has(role)) {
      problems.push({
        code: "RECIPE_UNKNOWN_ROLE",
        role,
        message: `${recipe.name} has no role '${role}'.${didYouMean(role, roles)}`,
        fix: `Map one of its roles: ${orList([...roles])} (see synapsor-runner recipes show ${recipe.name}).`,
        suggestions: closestNames(role, [...roles]),
      });
    }
  }

  const table = findTable(recipe, snapshot, target, problems);
  if (table === undefined) return { ok: false, problems };
  const keys = bindKeys(table, target, problems);

  const columns: Record<string, ColumnInfo> = {};
  const skipped: MappedRecipe["skipped"] = [];
  // Columns already spoken for: a role may not take the key or tenant column, nor another role's column.
  const taken = new Map<string, string>();
  if (keys.primary_key !== undefined) taken.set(keys.primary_key, "the primary key");
  if (keys.tenant_column !== undefined) taken.set(keys.tenant_column, "the tenant column");
  for (const role of recipe.columns) {
    const explicit = target.map?.[role.role];
    const bound = bindRole(recipe, role, table, explicit, problems);
    if (bound.kind === "skip") {
      skipped.push({ role: role.role, reason: bound.reason });
      continue;
    }
    if (bound.kind === "problem") continue;
    const holder = taken.get(bound.column.name);
    if (holder !== undefined) {
      if (explicit === undefined && role.optional) {
        skipped.push({ role: role.role, reason: `its usual column '${bound.column.name}' is already ${holder}` });
        continue;
      }
      problems.push({
        code: "RECIPE_COLUMN_REUSED",
        role: role.role,
        message: `Role '${role.role}' is mapped to '${bound.column.name}', which is already ${holder}.`,
        fix: `Map ${role.role} to a column of its own with --map ${role.role}=COLUMN.`,
        suggestions: fittingColumns(role, table).filter((n) => !taken.has(n)).slice(0, 3),
      });
      continue;
    }
    taken.set(bound.column.name, `role '${role.role}'`);
    columns[role.role] = bound.column;
  }
  if (problems.length > 0 || keys.primary_key === undefined || keys.tenant_column === undefined) return { ok: false, problems };
  return {
    ok: true,
    mapped: {
      recipe,
      table,
      columns,
      skipped,
      primary_key: keys.primary_key,
      tenant_column: keys.tenant_column,
      ...(keys.conflict_column !== undefined ? { conflict_column: keys.conflict_column } : {}),
    },
  };
}

function findTable(recipe: Recipe, snapshot: SchemaSnapshot, target: RecipeTarget, problems: RecipeProblem[]): TableInfo | undefined {
  const inSchema = snapshot.tables.filter((t) => target.schema === undefined || t.schema === target.schema);
  const where = target.schema !== undefined ? ` in schema '${target.schema}'` : "";
  const wanted = target.table !== undefined ? [target.table] : recipe.table.defaults;
  const name = wanted.find((n) => inSchema.some((t) => t.name === n));
  if (name === undefined) {
    const tableNames = [...new Set(inSchema.map((t) => t.name))];
    problems.push({
      code: "RECIPE_TABLE_NOT_FOUND",
      message:
        target.table !== undefined
          ? `Table '${target.table}' does not exist${where}.`
          : `No table for ${recipe.name}'s ${recipe.table.role} table (${recipe.table.meaning})${where}: looked for ${orList(recipe.table.defaults)}.`,
      fix:
        tableNames.length === 0
          ? `No tables were inspected${where}; name the schema that holds your tables with --schema NAME.`
          : `Name your table with --table NAME (one of the inspected tables).`,
      // An empty schema is most likely a misspelt one: offer the schemas that do hold tables.
      suggestions:
        tableNames.length === 0 && target.schema !== undefined
          ? closestNames(target.schema, [...new Set(snapshot.tables.map((t) => t.schema))])
          : closestNames(wanted[0]!, tableNames),
    });
    return undefined;
  }
  const matches = inSchema.filter((t) => t.name === name);
  if (matches.length > 1) {
    problems.push({
      code: "RECIPE_TABLE_AMBIGUOUS",
      message: `Table '${name}' exists in more than one schema: ${orList(matches.map((t) => t.schema))}.`,
      fix: "Choose one with --schema NAME.",
      suggestions: matches.map((t) => t.schema),
    });
    return undefined;
  }
  const table = matches[0]!;
  if (table.kind === "view") {
    problems.push({
      code: "RECIPE_TABLE_IS_VIEW",
      message: `'${table.schema}.${table.name}' is a view; a recipe proposes changes, which need a table.`,
      fix: "Pass the underlying table with --table NAME.",
      suggestions: closestNames(name, inSchema.filter((t) => t.kind === "table").map((t) => t.name)),
    });
    return undefined;
  }
  return table;
}

interface Keys {
  primary_key?: string;
  tenant_column?: string;
  conflict_column?: string;
}

function bindKeys(table: TableInfo, target: RecipeTarget, problems: RecipeProblem[]): Keys {
  const keys: Keys = {};
  const names = table.columns.map((c) => c.name);
  const mustExist = (flag: string, name: string): string | undefined => {
    if (names.includes(name)) return name;
    problems.push({
      code: "RECIPE_COLUMN_NOT_FOUND",
      message: `${flag} '${name}' is not a column of '${table.name}'.`,
      fix: `Pass ${flag} with one of the table's columns.`,
      suggestions: closestNames(name, names),
    });
    return undefined;
  };

  if (target.primary_key !== undefined) keys.primary_key = mustExist("--primary-key", target.primary_key);
  else if (table.primary_key.length === 1) keys.primary_key = table.primary_key[0];
  else {
    problems.push({
      code: "RECIPE_NO_PRIMARY_KEY",
      message:
        table.primary_key.length === 0
          ? `'${table.name}' has no primary key; a proposal must address exactly one row.`
          : `'${table.name}' has a composite primary key (${orList(table.primary_key)}); a recipe addresses a row by one column.`,
      fix: "Name a unique, non-null column with --primary-key COLUMN.",
      suggestions: closestNames("id", names),
    });
  }

  const tenant = target.tenant_column ?? table.suggestions.tenant_key;
  if (tenant !== undefined) keys.tenant_column = mustExist("--tenant-column", tenant);
  else {
    problems.push({
      code: "RECIPE_NO_TENANT_COLUMN",
      message: `No tenant column was found in '${table.name}'; every read and proposal is scoped to one tenant.`,
      fix: "Name the column that holds the tenant (account, organisation, clinic ...) with --tenant-column COLUMN.",
      suggestions: closestNames("tenant_id", names),
    });
  }

  const conflict = target.conflict_column ?? table.suggestions.version_column;
  if (conflict !== undefined) keys.conflict_column = mustExist("--conflict-column", conflict);
  return keys;
}

type RoleBinding = { kind: "column"; column: ColumnInfo } | { kind: "skip"; reason: string } | { kind: "problem" };

function bindRole(recipe: Recipe, role: ColumnRole, table: TableInfo, explicit: string | undefined, problems: RecipeProblem[]): RoleBinding {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const placeholder = columnPlaceholder(role.role);
  const column = explicit !== undefined ? byName.get(explicit) : role.defaults.map((n) => byName.get(n)).find((c) => c !== undefined);
  if (column === undefined) {
    if (explicit === undefined && role.optional) return { kind: "skip", reason: `no column named ${orList(role.defaults)}` };
    problems.push({
      code: "RECIPE_COLUMN_NOT_FOUND",
      role: role.role,
      message:
        explicit !== undefined
          ? `Role '${role.role}' ${placeholder} is mapped to '${explicit}', which is not a column of '${table.name}'.`
          : `No column for role '${role.role}' ${placeholder} (${role.meaning}) in '${table.name}': looked for ${orList(role.defaults)}.`,
      ...withExample(role, table, `Map it to ${role.type.label} of '${table.name}' with --map ${role.role}=COLUMN.`, suggestColumns([...(explicit !== undefined ? [explicit] : []), ...role.defaults], role, table)),
    });
    return { kind: "problem" };
  }
  const unfit = whyUnfit(role, column);
  if (unfit !== undefined) {
    if (explicit === undefined && role.optional) return { kind: "skip", reason: `'${column.name}' ${unfit.short}` };
    const problem = unfit.problem(recipe, table);
    problems.push({ ...problem, role: role.role, ...withExample(role, table, problem.fix, suggestColumns(role.defaults, role, table, column.name)) });
    return { kind: "problem" };
  }
  const patched = recipe.patch.some((p) => p.role === role.role) || recipe.transition_guard?.role === role.role;
  if (patched && column.generated) {
    if (explicit === undefined && role.optional) return { kind: "skip", reason: `'${column.name}' is generated by the database` };
    problems.push({
      code: "RECIPE_COLUMN_NOT_WRITABLE",
      role: role.role,
      message: `Role '${role.role}' ${placeholder} is written by the proposal, but '${column.name}' is generated by the database.`,
      fix: `Map ${role.role} to a stored column with --map ${role.role}=COLUMN.`,
      suggestions: suggestColumns(role.defaults, role, table, column.name),
    });
    return { kind: "problem" };
  }
  return { kind: "column", column };
}

interface Unfit {
  short: string;
  problem(recipe: Recipe, table: TableInfo): Omit<RecipeProblem, "role" | "suggestions">;
}

function whyUnfit(role: ColumnRole, column: ColumnInfo): Unfit | undefined {
  const placeholder = columnPlaceholder(role.role);
  if (!role.type.classes.includes(column.type_class)) {
    return {
      short: `is ${column.data_type}, not ${role.type.label}`,
      problem: (_recipe, table) => ({
        code: "RECIPE_COLUMN_TYPE_MISMATCH",
        message: `Role '${role.role}' ${placeholder} needs ${role.type.label}, but '${table.name}.${column.name}' is ${column.data_type} (${column.type_class}).`,
        fix: `Map ${role.role} to ${role.type.label} with --map ${role.role}=COLUMN, or change the column's type.`,
      }),
    };
  }
  const labels = column.enum_values;
  const missing = labels === undefined ? [] : (role.values ?? []).filter((v) => !labels.includes(v));
  if (missing.length > 0) {
    return {
      short: `cannot hold ${orList(missing)}`,
      problem: (recipe, table) => ({
        code: "RECIPE_ENUM_VALUE_MISSING",
        message: `${recipe.name} needs '${table.name}.${column.name}' to hold ${andList(role.values ?? [])}, but its enum has no ${andList(missing)} (its labels: ${andList(labels ?? [])}).`,
        fix: `Add the missing label${missing.length > 1 ? "s" : ""} to the enum type, or map ${role.role} to a column that holds these states.`,
      }),
    };
  }
  return undefined;
}

/** The fix with the best suggestion spelt out as a flag, and the suggestions. */
function withExample(role: ColumnRole, table: TableInfo, fix: string, suggestions: string[]): { fix: string; suggestions: string[] } {
  const best = suggestions[0];
  // Only a column the role can use is offered as the flag to type.
  const fits = best !== undefined && fittingColumns(role, table).includes(best);
  return { fix: fits ? `${fix} Closest: --map ${role.role}=${best}.` : fix, suggestions };
}

/** Column names the role could use (right type class), closest to `near` first; all columns when none fits. */
function suggestColumns(near: readonly string[], role: ColumnRole, table: TableInfo, exclude?: string): string[] {
  const fitting = fittingColumns(role, table).filter((n) => n !== exclude);
  return closestNames(near, fitting.length > 0 ? fitting : table.columns.map((c) => c.name).filter((n) => n !== exclude));
}

function fittingColumns(role: ColumnRole, table: TableInfo): string[] {
  return table.columns.filter((c) => role.type.classes.includes(c.type_class) && whyUnfit(role, c) === undefined).map((c) => c.name);
}
