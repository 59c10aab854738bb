// Tool arguments: the JSON Schema the model sees (and the validator is compiled from),
// with limits filled in where the author left them open.

import type { ResolvedCapability } from "../resolve/resolved.ts";
import type { ArgPlan } from "./capability-plan.ts";

/** Strings are bounded even when the author gives no max_length: an unbounded argument is a denial-of-service lever. */
export const DEFAULT_STRING_MAX_LENGTH = 1024;

export function planArgs(cap: ResolvedCapability): ArgPlan[] {
  const c = cap.config;
  const fed = columnsFedByArgs(cap);
  return Object.entries(c.args ?? {}).map(([name, arg]) => {
    const plan: ArgPlan = { name, type: arg.type, required: arg.required ?? false };
    if (arg.description) plan.description = arg.description;
    if (arg.type === "string") {
      const columnMax = fed.get(name)?.max_length;
      plan.maxLength = arg.max_length ?? Math.min(columnMax ?? DEFAULT_STRING_MAX_LENGTH, DEFAULT_STRING_MAX_LENGTH);
    }
    if (arg.minimum !== undefined) plan.minimum = arg.minimum;
    if (arg.maximum !== undefined) plan.maximum = arg.maximum;
    if (arg.enum) plan.enum = arg.enum;
    return plan;
  });
}

function columnsFedByArgs(cap: ResolvedCapability) {
  const c = cap.config;
  const fed = new Map<string, { max_length?: number }>();
  const note = (arg: string, column: string) => {
    const info = cap.columns.get(column);
    if (info && !fed.has(arg)) fed.set(arg, info);
  };
  if (c.lookup.id_from_arg) note(c.lookup.id_from_arg, c.target.primary_key);
  for (const f of c.lookup.filters ?? []) if ("from_arg" in f) note(f.from_arg, f.column);
  if (c.kind === "proposal") for (const [column, v] of Object.entries(c.patch)) if ("from_arg" in v) note(v.from_arg, column);
  return fed;
}

export function inputSchemaFor(args: ArgPlan[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const a of args) {
    const p: Record<string, unknown> = { type: a.type };
    if (a.description) p.description = a.description;
    if (a.maxLength !== undefined) p.maxLength = a.maxLength;
    if (a.minimum !== undefined) p.minimum = a.minimum;
    if (a.maximum !== undefined) p.maximum = a.maximum;
    if (a.enum) p.enum = a.enum;
    properties[a.name] = p;
  }
  const required = args.filter((a) => a.required).map((a) => a.name);
  return {
    type: "object",
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}
