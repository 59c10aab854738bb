// Applying a recipe: map its roles onto the user's table, turn the result into an onboarding
// selection, and let the one onboarding generator produce the contract; the recipe's own words
// for the model then replace the generator's generic descriptions.

import type { Contract } from "../../compiler/config/contract.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { contractProblems, generateContract } from "../onboard/generate.ts";
import type { SelectionProblem } from "../onboard/problems.ts";
import type { OnboardingSelection } from "../onboard/selection.ts";
import { mapRecipe, type MappedRecipe, type RecipeTarget } from "./mapping.ts";
import type { RecipeProblem } from "./problems.ts";
import type { Recipe } from "./recipe.ts";
import { recipeSelection, type RecipeEnvironment } from "./selection.ts";
import { withRecipeText } from "./text.ts";

export type AppliedRecipe =
  | { ok: true; contract: Contract; selection: OnboardingSelection; mapped: MappedRecipe; notes: string[] }
  | { ok: false; problems: RecipeProblem[] };

export function applyRecipe(recipe: Recipe, snapshot: SchemaSnapshot, target: RecipeTarget, env: Omit<RecipeEnvironment, "engine">): AppliedRecipe {
  const mapping = mapRecipe(recipe, snapshot, target);
  if (!mapping.ok) return mapping;
  const selection = recipeSelection(mapping.mapped, { ...env, engine: snapshot.engine });
  const generated = generateContract(selection, snapshot);
  if (!generated.ok) return { ok: false, problems: generated.problems.map(refusal) };
  const contract = withRecipeText(generated.contract, mapping.mapped, selection);
  // The recipe's text is checked like everything else the generator writes (lengths, characters).
  const textProblems = contractProblems(contract, snapshot);
  if (textProblems.length > 0) return { ok: false, problems: textProblems.map(refusal) };
  return { ok: true, contract, selection, mapped: mapping.mapped, notes: generated.notes };
}

function refusal(problem: SelectionProblem): RecipeProblem {
  return { code: "RECIPE_SELECTION_REFUSED", field: problem.field, message: problem.message, fix: problem.fix, suggestions: [] };
}
