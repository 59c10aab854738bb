// Capability names: shape, uniqueness, OpenAI alias collisions and a suggested rename.

import type { Contract } from "../contract.ts";
import { pointer } from "../../diagnostics.ts";
import type { Report } from "./report.ts";

/** One lowercase identifier segment; capability names have two, argument names are one. */
export const NAME_SEGMENT = /^[a-z][a-z0-9_]*$/;
export const MAX_CAPABILITY_NAME_LENGTH = 64;

/** The name an OpenAI-compatible client sees (function names cannot contain dots). */
export function openAiAlias(name: string): string {
  return name.replace(/\./g, "__");
}

export function checkNames(contract: Contract, report: Report): void {
  const byName = new Map<string, number>();
  const byAlias = new Map<string, number>();
  contract.capabilities.forEach((capability, index) => {
    const at = pointer("capabilities", index, "name");
    const { name } = capability;
    const first = byName.get(name);
    if (first !== undefined) {
      report(
        "DUPLICATE_CAPABILITY",
        at,
        `Capability name '${name}' is already used by capabilities/${first}.`,
        "Give each capability its own name; tool names must be unique.",
      );
      return;
    }
    byName.set(name, index);
    const segments = name.split(".");
    const wellFormed =
      segments.length === 2 && segments.every((s) => NAME_SEGMENT.test(s)) && name.length <= MAX_CAPABILITY_NAME_LENGTH;
    if (!wellFormed) {
      report(
        "INVALID_CAPABILITY_NAME",
        at,
        `Capability name '${name}' is not of the form namespace.verb_object (two lowercase segments of letters, digits and underscores joined by one dot, at most ${MAX_CAPABILITY_NAME_LENGTH} characters).`,
        `Rename it, e.g. '${suggestName(name)}'.`,
      );
      return;
    }
    const alias = openAiAlias(name);
    const clash = byAlias.get(alias);
    if (clash !== undefined) {
      report(
        "INVALID_CAPABILITY_NAME",
        at,
        `Capability name '${name}' and '${contract.capabilities[clash]!.name}' (capabilities/${clash}) both become the OpenAI alias '${alias}'.`,
        "Rename one of them; avoid double underscores around the dot.",
      );
      return;
    }
    byAlias.set(alias, index);
  });
}

function suggestName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_.]+/g, "_")
    .split(".")
    .filter((s) => s.length > 0);
  const namespace = (cleaned[0] ?? "app").replace(/^[^a-z]+/, "") || "app";
  const rest = cleaned.slice(1).join("_").replace(/^[^a-z]+/, "") || "inspect_record";
  return `${namespace}.${rest}`.slice(0, MAX_CAPABILITY_NAME_LENGTH);
}
