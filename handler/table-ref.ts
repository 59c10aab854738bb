// The tables an app names in its handler config ("credits" or "billing.credits").

import { tableLabel } from "../runtime/table-label.ts";

export interface TableRef {
  schema?: string;
  name: string;
}

/** "credits" or "billing.credits". */
export function parseTableName(text: string): TableRef {
  const dot = text.indexOf(".");
  return dot < 0 ? { name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

export function tableKey(ref: TableRef): string {
  return tableLabel(ref.schema, ref.name);
}
