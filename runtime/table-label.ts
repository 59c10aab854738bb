// How a table is named in the ledger, the audit, messages and manifests: "schema.table", or the
// bare table when the target has no schema (MySQL targets). Not SQL: see runtime/dialect for that.

export function tableLabel(schema: string | null | undefined, table: string): string {
  return schema ? `${schema}.${table}` : table;
}
