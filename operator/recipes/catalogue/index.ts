// The recipe catalogue, in the order `recipes list` shows it.

import { didYouMean } from "../../../compiler/config/suggest.ts";
import { closestNames, type RecipeProblem } from "../problems.ts";
import type { Recipe } from "../recipe.ts";
import { trialExtension } from "./accounts-trial-extension.ts";
import { lateFeeWaiver } from "./billing-late-fee-waiver.ts";
import { accountCredit } from "./credits-account-credit.ts";
import { refundReview } from "./orders-refund-review.ts";
import { ticketResolution } from "./support-ticket-resolution.ts";

export const RECIPES: readonly Recipe[] = [lateFeeWaiver, accountCredit, refundReview, ticketResolution, trialExtension];

export function findRecipe(name: string): { ok: true; recipe: Recipe } | { ok: false; problem: RecipeProblem } {
  const recipe = RECIPES.find((r) => r.name === name);
  if (recipe !== undefined) return { ok: true, recipe };
  const names = RECIPES.map((r) => r.name);
  return {
    ok: false,
    problem: {
      code: "RECIPE_UNKNOWN",
      message: `There is no recipe '${name}'.${didYouMean(name, names)}`,
      fix: "Run synapsor-runner recipes list to see the recipes.",
      suggestions: closestNames(name, names),
    },
  };
}
