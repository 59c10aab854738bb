// Why a recipe cannot be applied: every problem at once, each with a stable code, the fix, and
// (where a name was wrong) the closest names that exist.

import { editDistance } from "../../compiler/config/suggest.ts";

export type RecipeProblemCode =
  | "RECIPE_UNKNOWN"
  | "RECIPE_BAD_FLAG"
  | "RECIPE_UNKNOWN_ROLE"
  | "RECIPE_TABLE_NOT_FOUND"
  | "RECIPE_TABLE_AMBIGUOUS"
  | "RECIPE_TABLE_IS_VIEW"
  | "RECIPE_NO_PRIMARY_KEY"
  | "RECIPE_NO_TENANT_COLUMN"
  | "RECIPE_COLUMN_NOT_FOUND"
  | "RECIPE_COLUMN_TYPE_MISMATCH"
  | "RECIPE_ENUM_VALUE_MISSING"
  | "RECIPE_COLUMN_NOT_WRITABLE"
  | "RECIPE_COLUMN_REUSED"
  /** The onboarding generator refused the selection the recipe produced (e.g. no writer named). */
  | "RECIPE_SELECTION_REFUSED";

export interface RecipeProblem {
  code: RecipeProblemCode;
  /** The role concerned, when the problem is about one (e.g. "late_fee"). */
  role?: string;
  /** The selection field the generator objected to (RECIPE_SELECTION_REFUSED only), e.g. "write_url_env". */
  field?: string;
  message: string;
  fix: string;
  /** Existing names closest to what was asked for, best first (possibly empty). */
  suggestions: string[];
}

/** Up to `count` candidates closest to `name` (or to any of several names) by edit distance, best first; ties keep their order. */
export function closestNames(name: string | readonly string[], candidates: readonly string[], count = 3): string[] {
  const names = typeof name === "string" ? [name] : name;
  return candidates
    .map((candidate, index) => ({ candidate, index, distance: Math.min(...names.map((n) => editDistance(n, candidate))) }))
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .slice(0, count)
    .map((c) => c.candidate);
}

/** "'a', 'b' or 'c'" for a sentence. */
export function orList(names: readonly string[]): string {
  return joinQuoted(names, "or");
}

/** "'a', 'b' and 'c'" for a sentence. */
export function andList(names: readonly string[]): string {
  return joinQuoted(names, "and");
}

function joinQuoted(names: readonly string[], word: string): string {
  const quoted = names.map((n) => `'${n}'`);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${word} ${quoted.at(-1)}`;
}

/** The problems as lines for a terminal: "CODE: message", then the fix and the closest names, indented. */
export function formatProblems(problems: readonly RecipeProblem[]): string {
  return problems
    .map((p) => {
      const closest = p.suggestions.length > 0 ? `\n  closest: ${p.suggestions.map((s) => `'${s}'`).join(", ")}` : "";
      return `${p.code}: ${p.message}\n  fix: ${p.fix}${closest}`;
    })
    .join("\n");
}
