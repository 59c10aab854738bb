// The TypeScript types generated interfaces use, as code. A column's type is one of a fixed few
// (plan/ts-types.ts derives it from the column's type class, never from its type text); an
// argument with an enum becomes a union of encoded literals.

import type { ArgPlan } from "../plan/capability-plan.ts";
import { codeLiteral, joinCode, type Code } from "./code-literal.ts";

const COLUMN_TYPES: ReadonlySet<string> = new Set(
  ["string", "number", "boolean", "unknown"].flatMap((t) => [t, `${t} | null`]),
);

/** A column's planned TypeScript type, checked against the fixed set it is derived from. */
export function columnTypeCode(tsType: string): Code {
  if (!COLUMN_TYPES.has(tsType)) throw new Error(`BUG: column type ${JSON.stringify(tsType)} is not one the planner derives.`);
  return tsType as Code;
}

/** An argument's TypeScript type: its enum as a union of literals, else the JSON type it arrives as. */
export function argTypeCode(arg: Pick<ArgPlan, "type" | "enum" | "exactNumber">): Code {
  if (arg.enum && arg.enum.length > 0) return joinCode(arg.enum.map((v) => codeLiteral(v)), " | ");
  switch (arg.type) {
    case "integer":
      // An integer feeding a bigint column may arrive as digit text past 2^53 (plan/arguments.ts).
      return (arg.exactNumber?.format !== undefined ? "number | string" : "number") as Code;
    case "number":
      return "number" as Code;
    case "boolean":
      return "boolean" as Code;
    default:
      return "string" as Code;
  }
}
