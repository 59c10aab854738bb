// What `recipes list` and `recipes show` tell a person before anything is written: the tools a
// recipe creates, their arguments, the columns it needs (with the types and states it expects),
// and the guards that bound every proposal. One plain object per recipe, printed as JSON or text.

import type { TypeClass } from "../../compiler/inspect/snapshot.ts";
import { columnPlaceholder, tablePlaceholder, type Recipe } from "./recipe.ts";

export interface RecipeListEntry {
  name: string;
  summary: string;
  table: string;
  tools: string[];
  approval_role: string;
}

export interface RecipeArgument {
  name: string;
  /** "primary key" or the role whose column the argument sets. */
  feeds: string;
  description: string;
}

export interface RecipeToolDescription {
  name: string;
  kind: "read" | "proposal";
  description: string;
  returns_hint: string;
  arguments: RecipeArgument[];
}

export interface RecipeColumnDescription {
  role: string;
  placeholder: string;
  meaning: string;
  required: boolean;
  type: string;
  type_classes: TypeClass[];
  /** States the column must be able to hold, when the recipe moves or checks them. */
  values?: string[];
  defaults: string[];
  /** How the recipe uses the column: "shown", "set from argument x", "set to 'open'", "checked, never written". */
  use: string;
}

export interface RecipeDescription {
  name: string;
  summary: string;
  table: { role: string; placeholder: string; meaning: string; defaults: string[] };
  tools: RecipeToolDescription[];
  columns: RecipeColumnDescription[];
  guards: {
    bounds: Array<{ role: string; minimum?: number; maximum?: number }>;
    transition?: { role: string; from: string[]; to: string };
    preconditions: Array<{ role: string; one_of: string[] }>;
    approval_role: string;
  };
  /** A starting command; the flags in it are the recipe's defaults. */
  example: string;
}

export function listEntry(recipe: Recipe): RecipeListEntry {
  return {
    name: recipe.name,
    summary: recipe.summary,
    table: recipe.table.defaults[0]!,
    tools: [recipe.read_tool.name, recipe.proposal_tool.name],
    approval_role: recipe.approval_role,
  };
}

export function describeRecipe(recipe: Recipe): RecipeDescription {
  const patchArgs: RecipeArgument[] = recipe.patch.flatMap((p) =>
    "from_arg" in p ? [{ name: p.from_arg, feeds: p.role, description: p.arg_description }] : [],
  );
  const idArg: RecipeArgument = { name: recipe.id_arg, feeds: "primary key", description: recipe.id_arg_description };
  const guard = recipe.transition_guard;
  return {
    name: recipe.name,
    summary: recipe.summary,
    table: {
      role: recipe.table.role,
      placeholder: tablePlaceholder(recipe.table.role),
      meaning: recipe.table.meaning,
      defaults: [...recipe.table.defaults],
    },
    tools: [
      { name: recipe.read_tool.name, kind: "read", description: recipe.read_tool.description, returns_hint: recipe.read_tool.returns_hint, arguments: [idArg] },
      {
        name: recipe.proposal_tool.name,
        kind: "proposal",
        description: recipe.proposal_tool.description,
        returns_hint: recipe.proposal_tool.returns_hint,
        arguments: [idArg, ...patchArgs],
      },
    ],
    columns: recipe.columns.map((c) => ({
      role: c.role,
      placeholder: columnPlaceholder(c.role),
      meaning: c.meaning,
      required: c.optional !== true,
      type: c.type.label,
      type_classes: [...c.type.classes],
      ...(c.values !== undefined ? { values: [...c.values] } : {}),
      defaults: [...c.defaults],
      use: columnUse(recipe, c.role),
    })),
    guards: {
      bounds: Object.entries(recipe.bounds ?? {}).map(([role, b]) => ({ role, ...b })),
      ...(guard !== undefined ? { transition: { role: guard.role, from: [...guard.from], to: guard.to } } : {}),
      preconditions: Object.entries(recipe.preconditions ?? {}).map(([role, values]) => ({ role, one_of: [...values] })),
      approval_role: recipe.approval_role,
    },
    example: `synapsor-runner recipes init ${recipe.name} --from-env DATABASE_URL --table ${recipe.table.defaults[0]} --write-url-env DATABASE_WRITE_URL --output synapsor.runner.json`,
  };
}

function columnUse(recipe: Recipe, role: string): string {
  const patch = recipe.patch.find((p) => p.role === role);
  if (patch !== undefined) return "from_arg" in patch ? `set from argument ${patch.from_arg}` : `set to ${JSON.stringify(patch.fixed)}`;
  const guard = recipe.transition_guard;
  if (guard?.role === role) return `must be ${guard.from.map((v) => `'${v}'`).join(" or ")}; set to '${guard.to}'`;
  const pre = recipe.preconditions?.[role];
  if (pre !== undefined) return `must be ${pre.map((v) => `'${v}'`).join(" or ")}; checked, never written`;
  return "shown";
}

/** `recipes show` as text. */
export function formatDescription(d: RecipeDescription): string {
  const lines = [`${d.name}: ${d.summary}`, "", `Table ${d.table.placeholder}: ${d.table.meaning} (looked for: ${d.table.defaults.join(", ")}; or --table NAME)`, ""];
  lines.push("Tools it creates:");
  for (const tool of d.tools) {
    lines.push(`  ${tool.name} (${tool.kind})`, `    ${tool.description}`);
    for (const arg of tool.arguments) lines.push(`    arg ${arg.name} -> ${arg.feeds}: ${arg.description}`);
  }
  lines.push("", "Columns it needs (map with --map ROLE=COLUMN):");
  for (const c of d.columns) {
    const values = c.values !== undefined ? `, holding ${c.values.map((v) => `'${v}'`).join(", ")}` : "";
    lines.push(
      `  ${c.role} ${c.placeholder}${c.required ? "" : " (optional)"}: ${c.meaning}`,
      `    ${c.type}${values}; ${c.use}; looked for: ${c.defaults.join(", ")}`,
    );
  }
  lines.push("", "Guards:");
  for (const b of d.guards.bounds) lines.push(`  ${b.role} between ${b.minimum ?? "-inf"} and ${b.maximum ?? "+inf"}`);
  if (d.guards.transition !== undefined) {
    const t = d.guards.transition;
    lines.push(`  ${t.role}: only from ${t.from.map((v) => `'${v}'`).join(" or ")}, set to '${t.to}'`);
  }
  for (const p of d.guards.preconditions) lines.push(`  ${p.role}: only while ${p.one_of.map((v) => `'${v}'`).join(" or ")} (read, never written)`);
  lines.push(`  approval by role ${d.guards.approval_role}; nothing is written before a human approves`, "", `Start with: ${d.example}`);
  return lines.join("\n") + "\n";
}

/** `recipes list` as an aligned table. */
export function formatList(entries: readonly RecipeListEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length), 4);
  const lines = [`${"NAME".padEnd(width)}  SUMMARY`];
  for (const e of entries) lines.push(`${e.name.padEnd(width)}  ${e.summary}`);
  lines.push("", "Details: synapsor-runner recipes show NAME");
  return lines.join("\n") + "\n";
}
