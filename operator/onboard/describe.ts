// The words the model reads: tool descriptions and returns hints, written from the table and the
// person's choices. Only names and chosen values are used, never schema comments (text anyone with
// DDL rights could have written for the model to obey). Quoting hostile names is the encoder's job.

import type { Scalar } from "../../compiler/config/contract.ts";

export interface Described {
  object: string;
  table: string;
  primaryKey: string;
  idArg: string;
  visible: string[];
}

const list = (names: readonly string[]) => names.join(", ");
const shown = (value: Scalar) => (typeof value === "string" ? `'${value}'` : String(value));

export function readDescription(d: Described): string {
  return (
    `Look up one ${d.object} of the current tenant by its ${d.primaryKey} (argument ${d.idArg}) and return its fields. ` +
    `Call it first to gather evidence before proposing any change, so the proposal rests on the row as it is now.`
  );
}

export function readReturnsHint(d: Described): string {
  return `One row of ${d.table} with ${list(d.visible)}; an error result when no ${d.object} with that ${d.primaryKey} exists for this tenant.`;
}

export type PatchLine = { column: string; fixed: Scalar } | { column: string; arg: string };

export function proposalDescription(
  d: Described,
  patches: readonly PatchLine[],
  guards: Readonly<Record<string, readonly Scalar[]>>,
  preconditions: Readonly<Record<string, readonly Scalar[]>>,
): string {
  const changes = patches.map((p) => ("fixed" in p ? `set ${p.column} to ${shown(p.fixed)}` : `set ${p.column} from the argument ${p.arg}`));
  const conditions = [...Object.entries(guards), ...Object.entries(preconditions)].map(
    ([column, values]) => `${column} is ${values.map(shown).join(" or ")}`,
  );
  const only = conditions.length > 0 ? ` Only allowed while ${conditions.join(" and ")}.` : "";
  return (
    `Propose a change to one ${d.object} of the current tenant, found by its ${d.primaryKey} (argument ${d.idArg}): ${changes.join(", ")}.${only} ` +
    `Nothing is written until a person approves the proposal outside this conversation; the result shows the values before and after.`
  );
}

export function proposalReturnsHint(d: Described, columns: readonly string[]): string {
  return `A proposal waiting for review, with its id and the before and proposed values of ${list(columns)}. A policy error explains a refused change (a value out of bounds or a row in the wrong state).`;
}

export function listDescription(d: Described, filters: readonly string[], order: string | undefined, maxRows: number): string {
  const by = filters.length > 0 ? ` whose ${filters.join(" and ")} match the arguments of the same name` : "";
  const sorted = order ? `, ordered by ${order}` : "";
  return `List up to ${maxRows} ${d.table} rows of the current tenant${by}${sorted}. Use it to find the ${d.object} a request is about before looking one up.`;
}

export function listReturnsHint(d: Described, maxRows: number): string {
  return `Up to ${maxRows} rows with ${list(d.visible)}; an empty list when nothing matches.`;
}

export function argDescription(column: string, purpose: "id" | "patch" | "filter"): string {
  switch (purpose) {
    case "id":
      return `The ${column} of the row, as it appears in the data or the request.`;
    case "patch":
      return `The new value of ${column}.`;
    case "filter":
      return `Only rows whose ${column} equals this value.`;
  }
}
