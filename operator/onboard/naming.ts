// Names init derives when the person gave none: a tool namespace and a singular object name from
// the table, and argument names from columns. Every derived name is a valid capability segment
// (lowercase letters, digits and underscores, starting with a letter), whatever the table is called.

import { NAME_SEGMENT } from "../../compiler/config/rules/names.ts";

/** "Patient Visits" → "patient_visits"; "2024_orders" → "t_2024_orders"; "" → fallback. */
export function toSegment(raw: string, fallback: string): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/_+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (cleaned === "") return fallback;
  const segment = /^[a-z]/.test(cleaned) ? cleaned : `t_${cleaned}`;
  return segment.slice(0, 40).replace(/_+$/, "");
}

/** A plain English singular of a snake_case plural: the last word only ("order_items" → "order_item"). */
export function singular(name: string): string {
  const rules: Array<[RegExp, string]> = [
    [/ies$/, "y"],
    [/(ss|x|ch|sh)es$/, "$1"],
    [/([^s])s$/, "$1"],
  ];
  for (const [pattern, replacement] of rules) {
    if (pattern.test(name)) return name.replace(pattern, replacement);
  }
  return name;
}

export function defaultNamespace(table: string): string {
  return toSegment(table, "records");
}

export function defaultObjectName(table: string): string {
  return singular(toSegment(table, "record"));
}

/** An argument named after a column, made a valid argument name when the column's is not. */
export function argNameForColumn(column: string): string {
  return NAME_SEGMENT.test(column) ? column : toSegment(column, "value");
}

export const toolNames = {
  read: (ns: string, object: string) => `${ns}.inspect_${object}`,
  proposal: (ns: string, object: string) => `${ns}.propose_${object}_update`,
  /** Listing takes the table's own (plural) name: "clinic.list_appointments". */
  list: (ns: string, table: string) => `${ns}.list_${toSegment(table, "records")}`,
};
