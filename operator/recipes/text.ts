// The recipe's words for the model, with placeholders filled in: tool descriptions, result hints
// and argument descriptions name the user's own table and columns. The generator writes generic
// text from the schema alone; the recipe knows the business action, so its text replaces that.

import type { Contract } from "../../compiler/config/contract.ts";
import type { OnboardingSelection } from "../onboard/selection.ts";
import type { MappedRecipe } from "./mapping.ts";
import { columnPlaceholder, tablePlaceholder, type Recipe } from "./recipe.ts";

/** Every placeholder a recipe's text uses, e.g. ["{invoice_table}", "{late_fee_column}"]. */
export function placeholdersIn(recipe: Recipe): string[] {
  const texts = [recipe.read_tool, recipe.proposal_tool].flatMap((t) => [t.description, t.returns_hint]);
  texts.push(recipe.id_arg_description, ...recipe.patch.map((p) => ("from_arg" in p ? p.arg_description : "")));
  return [...new Set(texts.flatMap((t) => t.match(/\{[a-z_]+\}/g) ?? []))];
}

/** The text with each `{role_table}` / `{role_column}` replaced by the mapped name. */
export function fillPlaceholders(text: string, mapped: MappedRecipe): string {
  const names = new Map<string, string>([[tablePlaceholder(mapped.recipe.table.role), mapped.table.name]]);
  for (const [role, column] of Object.entries(mapped.columns)) names.set(columnPlaceholder(role), column.name);
  return text.replace(/\{[a-z_]+\}/g, (placeholder) => names.get(placeholder) ?? placeholder);
}

/** The contract with the recipe's descriptions on its two tools and their arguments. */
export function withRecipeText(contract: Contract, mapped: MappedRecipe, selection: OnboardingSelection): Contract {
  const { recipe } = mapped;
  const argText = new Map<string, string>([[recipe.id_arg, recipe.id_arg_description]]);
  for (const item of recipe.patch) if ("from_arg" in item) argText.set(item.from_arg, item.arg_description);
  const toolText = new Map([
    [selection.read_tool ?? recipe.read_tool.name, recipe.read_tool],
    [selection.proposal_tool ?? recipe.proposal_tool.name, recipe.proposal_tool],
  ]);
  return {
    ...contract,
    capabilities: contract.capabilities.map((capability) => {
      const text = toolText.get(capability.name);
      if (text === undefined) return capability;
      const args = Object.fromEntries(
        Object.entries(capability.args ?? {}).map(([name, arg]) => {
          const description = argText.get(name);
          return [name, description === undefined ? arg : { ...arg, description: fillPlaceholders(description, mapped) }];
        }),
      );
      return {
        ...capability,
        description: fillPlaceholders(text.description, mapped),
        returns_hint: fillPlaceholders(text.returns_hint, mapped),
        ...(capability.args !== undefined ? { args } : {}),
      };
    }),
  };
}
