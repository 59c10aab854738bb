// Tenant-key and version-column suggestions, computed across a snapshot's tables.

import { test } from "node:test";
import assert from "node:assert/strict";
import { findTenantRoot, suggestHints } from "../../compiler/inspect/index.ts";
import type { ColumnInfo, TableInfo } from "../../compiler/inspect/snapshot.ts";

type Shape = Omit<TableInfo, "suggestions">;

function col(name: string, nullable = false): ColumnInfo {
  return { name, data_type: "text", type_class: "string", nullable, has_default: false, generated: false };
}

function tbl(name: string, columns: ColumnInfo[], fks: Array<[string, string]> = [], extra: Partial<Shape> = {}): Shape {
  return {
    schema: "public",
    name,
    kind: "table",
    columns,
    primary_key: ["id"],
    foreign_keys: fks.map(([column, table]) => ({ columns: [column], references: { schema: "public", table, columns: ["id"] } })),
    ...extra,
  };
}

// A clinic's schema: nothing is called tenant_id, and billing accounts would fool the name list.
const CLINIC: Shape[] = [
  tbl("appointments", [col("id"), col("clinic_id"), col("patient_id"), col("status"), col("updated_at")], [["clinic_id", "clinics"], ["patient_id", "patients"]]),
  tbl("clinics", [col("id"), col("name"), col("account_id")]),
  tbl("invoices", [col("id"), col("clinic_id"), col("account_id"), col("patient_id")], [["clinic_id", "clinics"], ["patient_id", "patients"], ["account_id", "billing_accounts"]]),
  tbl("patients", [col("id"), col("clinic_id"), col("version")], [["clinic_id", "clinics"]]),
  tbl("billing_accounts", [col("id"), col("clinic_id")], [["clinic_id", "clinics"]]),
  tbl("referrals", [col("id"), col("clinic_id"), col("referring_clinic_id")], [["referring_clinic_id", "clinics"], ["clinic_id", "clinics"]]),
  tbl("clinic_day_summary", [col("clinic_id", true), col("visits")], [], { kind: "view", primary_key: [] }),
  tbl("audit_log", [col("id"), col("clinic_id", true), col("org_id")]),
];

test("the table most others point at with a NOT NULL foreign key is the tenant root", () => {
  assert.deepEqual(findTenantRoot(CLINIC), { schema: "public", table: "clinics", column: "clinic_id", referencedBy: 5, otherTables: 6 });
});

test("clinic schema: clinic_id everywhere, the root's own primary key, the name list only where the shape says nothing", () => {
  const byName = new Map(CLINIC.map((t, i) => [t.name, suggestHints(CLINIC)[i]]));
  assert.deepEqual(byName.get("appointments"), { tenant_key: "clinic_id", version_column: "updated_at" });
  assert.deepEqual(byName.get("clinics"), { tenant_key: "id" });
  // The foreign key to the root beats account_id from the name list.
  assert.deepEqual(byName.get("invoices"), { tenant_key: "clinic_id" });
  assert.deepEqual(byName.get("patients"), { tenant_key: "clinic_id", version_column: "version" });
  // Two keys to the root: the name the rest of the schema uses.
  assert.deepEqual(byName.get("referrals"), { tenant_key: "clinic_id" });
  // A view has no foreign keys; its column of the schema's name is the guess.
  assert.deepEqual(byName.get("clinic_day_summary"), { tenant_key: "clinic_id" });
  // A nullable clinic_id on a table is not a tenant key; the name list decides.
  assert.deepEqual(byName.get("audit_log"), { tenant_key: "org_id" });
});

test("no root without evidence: a tie, a single reference, nullable keys or a minority", () => {
  const tie = [
    tbl("a", [col("id")]), tbl("b", [col("id")]),
    tbl("x", [col("id"), col("a_id"), col("b_id")], [["a_id", "a"], ["b_id", "b"]]),
    tbl("y", [col("id"), col("a_id"), col("b_id")], [["a_id", "a"], ["b_id", "b"]]),
  ];
  assert.equal(findTenantRoot(tie), undefined);
  assert.equal(findTenantRoot([tbl("a", [col("id")]), tbl("x", [col("id"), col("a_id")], [["a_id", "a"]])]), undefined);
  const nullable = [tbl("a", [col("id")]), ...["x", "y"].map((n) => tbl(n, [col("id"), col("a_id", true)], [["a_id", "a"]]))];
  assert.equal(findTenantRoot(nullable), undefined);
  const minority = [tbl("a", [col("id")]), ...["x", "y"].map((n) => tbl(n, [col("id"), col("a_id")], [["a_id", "a"]])), ...["p", "q"].map((n) => tbl(n, [col("id")]))];
  assert.equal(findTenantRoot(minority), undefined);
  // Without a root the name list decides, preference order over column order.
  assert.deepEqual(suggestHints([tbl("t", [col("id"), col("account_id"), col("tenant_id"), col("lock_version"), col("updated_at")])]), [
    { tenant_key: "tenant_id", version_column: "updated_at" },
  ]);
});

test("a self-reference and composite keys are not tenant evidence", () => {
  const tables = [
    tbl("a", [col("id")]),
    tbl("x", [col("id"), col("parent_id")], [["parent_id", "x"]]),
    { ...tbl("y", [col("id"), col("a_id")]), foreign_keys: [{ columns: ["a_id", "id"], references: { schema: "public", table: "a", columns: ["id", "k"] } }] },
  ];
  assert.equal(findTenantRoot(tables), undefined);
});
