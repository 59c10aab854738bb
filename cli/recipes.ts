// `synapsor-runner recipes list|show|init`: reviewed business actions mapped onto one's own table.

import type { Command } from "commander";
import { RECIPES, findRecipe } from "../operator/recipes/catalogue/index.ts";
import { describeRecipe, formatDescription, formatList, listEntry } from "../operator/recipes/describe.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { CliError, printJson } from "./program.ts";
import { registerInit } from "./recipes-init.ts";
import { formatProblems } from "../operator/recipes/problems.ts";

export function register(program: Command): void {
  const recipes = program
    .command("recipes")
    .description("Ready-made review capabilities (late-fee waiver, account credit, refund review ...) mapped onto your own table");

  recipes
    .command("list")
    .description("List the recipes")
    .option("--json", "print the list as JSON")
    .action((flags: { json?: boolean }) => {
      const entries = RECIPES.map(listEntry);
      if (flags.json) printJson({ recipes: entries });
      else process.stdout.write(terminalSafeLines(formatList(entries)));
    });

  recipes
    .command("show")
    .description("Show what a recipe creates: tools, arguments, the columns it needs with their types, and its guards")
    .argument("<name>", "recipe name, e.g. billing.late_fee_waiver")
    .option("--json", "print the description as JSON")
    .action((name: string, flags: { json?: boolean }) => {
      const found = findRecipe(name);
      if (!found.ok) throw new CliError(formatProblems([found.problem]));
      const description = describeRecipe(found.recipe);
      if (flags.json) printJson(description);
      else process.stdout.write(terminalSafeLines(formatDescription(description)));
    });

  registerInit(recipes);

}
