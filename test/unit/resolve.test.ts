// The resolve stage without a database: resolveContract against small hand-written snapshots.
// What it records for each capability (schema defaulting per engine, the columns it names,
// type fit) and every diagnostic it can produce, with its JSON pointer and fix.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { CapabilityConfig, Contract, Engine, ProposalCapabilityConfig, ReadCapabilityConfig } from "../../compiler/config/contract.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo, TypeClass } from "../../compiler/inspect/snapshot.ts";
import { resolveContract, type SnapshotsBySource } from "../../compiler/resolve/resolve.ts";
import type { ResolvedCapability } from "../../compiler/resolve/resolved.ts";
import { argFitsColumn, argTypeForColumn, fixedValueFitsColumn } from "../../compiler/resolve/type-fit.ts";

// ---- small snapshots -------------------------------------------------------------------

function column(name: string, data_type: string, type_class: TypeClass, more: Partial<ColumnInfo> = {}): ColumnInfo {
  return { name, data_type, type_class, nullable: false, has_default: false, generated: false, ...more };
}

function table(schema: string, name: string, columns: ColumnInfo[], more: Partial<TableInfo> = {}): TableInfo {
  return { schema, name, kind: "table", columns, primary_key: ["id"], foreign_keys: [], suggestions: {}, ...more };
}

const INVOICE_COLUMNS = [
  column("id", "text", "string"),
  column("tenant_id", "text", "string"),
  column("customer_id", "text", "string"),
  column("late_fee_cents", "integer", "integer"),
  column("balance", "numeric(12,2)", "decimal"),
  column("status", "text", "string"),
  column("waiver_reason", "text", "string", { nullable: true }),
  column("disputed", "boolean", "boolean"),
  column("total_with_tax", "numeric(12,2)", "decimal", { generated: true }),
  column("row_version", "bigint", "bigint"),
  column("updated_at", "timestamp with time zone", "timestamp"),
];

function snapshot(engine: Engine, tables: TableInfo[]): SchemaSnapshot {
  return { snapshot_version: 1, engine, database: "shop", tables };
}

const POSTGRES = snapshot("postgres", [
  table("public", "invoices", INVOICE_COLUMNS),
  // Same name in another schema: a target without a schema must not land here.
  table("archive", "invoices", [column("id", "text", "string"), column("tenant_id", "text", "string")]),
  table("billing", "credit_notes", [column("id", "uuid", "uuid"), column("tenant_id", "text", "string"), column("amount", "integer", "integer")]),
  table("public", "invoice_totals", [column("id", "text", "string"), column("tenant_id", "text", "string"), column("total", "numeric", "decimal")], {
    kind: "view",
    primary_key: [],
  }),
  table("public", "events", [column("seq", "bigint", "bigint"), column("tenant_id", "text", "string")], { primary_key: [] }),
  table("public", "line_items", [column("invoice_id", "text", "string"), column("line_no", "integer", "integer"), column("tenant_id", "text", "string")], {
    primary_key: ["invoice_id", "line_no"],
  }),
  table("public", "accounts", [column("tenant_id", "text", "string"), column("id", "text", "string")], { primary_key: ["tenant_id", "id"] }),
]);

// MySQL: the snapshot's "schema" is the inspected database's name.
const MYSQL = snapshot("mysql", [
  table("shop_prod", "invoices", INVOICE_COLUMNS.map((c) => (c.name === "updated_at" ? column("updated_at", "datetime(6)", "timestamp") : c))),
]);

// ---- small contracts -------------------------------------------------------------------

function readCapability(more: Partial<ReadCapabilityConfig> = {}): ReadCapabilityConfig {
  return {
    name: "billing.inspect_invoice",
    kind: "read",
    source: "db",
    target: { table: "invoices", primary_key: "id", tenant_key: "tenant_id" },
    args: { invoice_id: { type: "string", required: true } },
    lookup: { id_from_arg: "invoice_id" },
    visible_columns: ["id", "status"],
    ...more,
  };
}

function proposalCapability(more: Partial<ProposalCapabilityConfig> = {}): ProposalCapabilityConfig {
  return {
    name: "billing.propose_waiver",
    kind: "proposal",
    source: "db",
    target: { table: "invoices", primary_key: "id", tenant_key: "tenant_id" },
    args: { invoice_id: { type: "string", required: true }, fee: { type: "integer", required: true }, reason: { type: "string", required: true } },
    lookup: { id_from_arg: "invoice_id" },
    visible_columns: ["id", "late_fee_cents"],
    patch: { late_fee_cents: { from_arg: "fee" }, waiver_reason: { from_arg: "reason" }, status: { fixed: "open" } },
    allowed_columns: ["late_fee_cents", "waiver_reason", "status"],
    numeric_bounds: { late_fee_cents: { minimum: 0, maximum: 10000 } },
    transition_guards: { status: { from: ["overdue"], to: ["open"] } },
    conflict_guard: { column: "updated_at" },
    ...more,
  };
}

function contract(engine: Engine, capabilities: CapabilityConfig[]): Contract {
  return {
    version: 1,
    mode: "review",
    sources: { db: { engine, read_url_env: "DB_READ_URL", write_url_env: "DB_WRITE_URL" } },
    capabilities,
  };
}

function resolved(engine: Engine, capabilities: CapabilityConfig[], snapshots?: SnapshotsBySource): ResolvedCapability[] {
  const result = resolveContract(contract(engine, capabilities), snapshots ?? { db: engine === "postgres" ? POSTGRES : MYSQL });
  assert.deepEqual(result.ok ? [] : result.diagnostics, [], "expected the contract to resolve");
  return result.ok ? result.value.capabilities : [];
}

function problems(engine: Engine, capabilities: CapabilityConfig[], snapshots?: SnapshotsBySource): Diagnostic[] {
  const result = resolveContract(contract(engine, capabilities), snapshots ?? { db: engine === "postgres" ? POSTGRES : MYSQL });
  assert.equal(result.ok, false, "expected resolve to report problems");
  return result.ok ? [] : result.diagnostics;
}

/** The one diagnostic a case expects, checked whole: code, pointer, message and fix. */
function only(diagnostics: Diagnostic[]): Diagnostic {
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 2));
  return diagnostics[0]!;
}

// ---- what resolve records ---------------------------------------------------------------

describe("what resolve records", () => {
  test("Postgres: a target without a schema is public.<table>, even when another schema has the same table", () => {
    const [cap] = resolved("postgres", [readCapability()]);
    assert.equal(cap?.engine, "postgres");
    assert.equal(cap.schema, "public");
    assert.equal(cap.table.schema, "public");
    assert.equal(cap.table.columns.length, INVOICE_COLUMNS.length);
    assert.equal(cap.index, 0);
  });

  test("Postgres: an explicit schema picks that schema's table", () => {
    const [cap] = resolved("postgres", [
      readCapability({
        target: { schema: "billing", table: "credit_notes", primary_key: "id", tenant_key: "tenant_id" },
        args: { note_id: { type: "string", required: true } },
        lookup: { id_from_arg: "note_id" },
        visible_columns: ["id", "amount"],
      }),
    ]);
    assert.equal(cap?.schema, "billing");
    assert.equal(cap.table.name, "credit_notes");
    assert.equal(cap.columns.get("id")?.type_class, "uuid", "a string argument may feed a uuid key");
  });

  test("MySQL: a target without a schema stays unqualified (the connection's database); an explicit one is kept", () => {
    const [bare] = resolved("mysql", [readCapability()]);
    assert.equal(bare?.engine, "mysql");
    assert.equal(bare.schema, undefined);
    assert.equal(bare.table.schema, "shop_prod");
    const [qualified] = resolved("mysql", [readCapability({ target: { schema: "shop_prod", table: "invoices", primary_key: "id", tenant_key: "tenant_id" } })]);
    assert.equal(qualified?.schema, "shop_prod");
  });

  test("a read records exactly the columns it names: key, tenant key, visible, filter and order columns", () => {
    const [cap] = resolved("postgres", [
      readCapability({
        name: "billing.list_invoices",
        args: { customer: { type: "string", required: true } },
        lookup: {
          filters: [{ column: "customer_id", from_arg: "customer" }, { column: "disputed", fixed: false }],
          order_by: [{ column: "updated_at", direction: "desc" }],
        },
        visible_columns: ["id", "status"],
        max_rows: 20,
      }),
    ]);
    assert.deepEqual([...cap!.columns.keys()].sort(), ["customer_id", "disputed", "id", "status", "tenant_id", "updated_at"]);
    assert.equal(cap!.columns.get("updated_at")?.data_type, "timestamp with time zone");
  });

  test("a proposal also records its allowed, patched, bounded, guarded and conflict columns", () => {
    const [cap] = resolved("postgres", [
      proposalCapability({ visible_columns: ["id"], allowed_columns: ["late_fee_cents", "waiver_reason", "status", "balance"], numeric_bounds: { balance: { minimum: 0 } } }),
    ]);
    assert.deepEqual([...cap!.columns.keys()].sort(), ["balance", "id", "late_fee_cents", "status", "tenant_id", "updated_at", "waiver_reason"]);
    assert.equal(cap!.config.kind, "proposal");
  });

  test("each capability keeps its index, so later stages can point back into the config", () => {
    const caps = resolved("postgres", [readCapability(), proposalCapability()]);
    assert.deepEqual(caps.map((c) => [c.config.name, c.index]), [["billing.inspect_invoice", 0], ["billing.propose_waiver", 1]]);
  });

  test("a key of (tenant, id) addresses one row, because lookups bind both columns", () => {
    const [cap] = resolved("postgres", [
      readCapability({ target: { table: "accounts", primary_key: "id", tenant_key: "tenant_id" }, visible_columns: ["id"] }),
    ]);
    assert.deepEqual(cap?.table.primary_key, ["tenant_id", "id"]);
  });

  test("a read of a view needs no primary key", () => {
    const [cap] = resolved("postgres", [
      readCapability({ target: { table: "invoice_totals", primary_key: "id", tenant_key: "tenant_id" }, visible_columns: ["id", "total"] }),
    ]);
    assert.equal(cap?.table.kind, "view");
  });

  test("integer, number and string arguments feed the decimal, bigint and timestamp columns they fit", () => {
    resolved("postgres", [
      proposalCapability({
        args: {
          invoice_id: { type: "string", required: true },
          balance: { type: "number", required: true },
        },
        patch: { balance: { from_arg: "balance" }, row_version: { fixed: 7 }, updated_at: { fixed: "2026-01-01T00:00:00Z" } },
        allowed_columns: ["balance", "row_version", "updated_at"],
        numeric_bounds: { balance: { minimum: 0 } },
        transition_guards: {},
        // The version columns are patched here, so there is no conflict guard.
        conflict_guard: undefined,
        lookup: { id_from_arg: "invoice_id" },
      }),
      readCapability({
        name: "billing.list_by_version",
        args: { version: { type: "integer", required: true } },
        lookup: { filters: [{ column: "row_version", from_arg: "version" }] },
      }),
    ]);
  });
});

// ---- every diagnostic -------------------------------------------------------------------

describe("resolve diagnostics", () => {
  test("NO_SCHEMA_FOR_SOURCE: no snapshot for the capability's source", () => {
    assert.deepEqual(only(problems("postgres", [readCapability()], {})), {
      code: "NO_SCHEMA_FOR_SOURCE",
      pointer: "/capabilities/0/source",
      message: "No schema snapshot is available for source 'db'.",
      fix: "Pass --schema with a snapshot from `synapsor-runner inspect --json`, or --from-env with the database URL variable.",
    });
  });

  test("ENGINE_MISMATCH: the snapshot was taken from the other engine", () => {
    assert.deepEqual(only(problems("postgres", [readCapability()], { db: MYSQL })), {
      code: "ENGINE_MISMATCH",
      pointer: "/sources/db/engine",
      message: "Source 'db' says engine 'postgres' but the schema snapshot was taken from mysql.",
      fix: "Inspect the right database, or correct the source's engine.",
    });
  });

  test("UNKNOWN_TABLE: with a close name it suggests it, otherwise it says what to check", () => {
    assert.deepEqual(only(problems("postgres", [readCapability({ target: { table: "invoice", primary_key: "id", tenant_key: "tenant_id" } })])), {
      code: "UNKNOWN_TABLE",
      pointer: "/capabilities/0/target/table",
      message: "Table 'public.invoice' does not exist in the schema snapshot.",
      fix: "Did you mean 'invoices'?",
    });
    assert.deepEqual(only(problems("mysql", [readCapability({ target: { table: "shipments", primary_key: "id", tenant_key: "tenant_id" } })])), {
      code: "UNKNOWN_TABLE",
      pointer: "/capabilities/0/target/table",
      message: "Table 'shipments' does not exist in the schema snapshot.",
      fix: "Check the table name and schema, or re-run inspect if the table is new.",
    });
  });

  test("UNKNOWN_TABLE: a Postgres table in another schema is not found without that schema", () => {
    const d = only(problems("postgres", [readCapability({ target: { table: "credit_notes", primary_key: "id", tenant_key: "tenant_id" } })]));
    assert.equal(d.code, "UNKNOWN_TABLE");
    assert.equal(d.message, "Table 'public.credit_notes' does not exist in the schema snapshot.");
  });

  test("UNKNOWN_TABLE: a MySQL target naming another database", () => {
    const d = only(problems("mysql", [readCapability({ target: { schema: "shop_test", table: "invoices", primary_key: "id", tenant_key: "tenant_id" } })]));
    assert.equal(d.message, "Table 'shop_test.invoices' does not exist in the schema snapshot.");
  });

  test("UNKNOWN_COLUMN: a close name is suggested, otherwise every column is listed", () => {
    assert.deepEqual(only(problems("postgres", [readCapability({ visible_columns: ["id", "stauts"] })])), {
      code: "UNKNOWN_COLUMN",
      pointer: "/capabilities/0/visible_columns/1",
      message: "Column 'stauts' does not exist in public.invoices.",
      fix: "Did you mean 'status'?",
    });
    assert.equal(
      only(problems("postgres", [readCapability({ visible_columns: ["id", "shipping_address"] })])).fix,
      `Use one of: ${INVOICE_COLUMNS.map((c) => c.name).join(", ")}.`,
    );
  });

  test("UNKNOWN_COLUMN: every place a column is named reports its own pointer", () => {
    const cases: Array<[string, CapabilityConfig]> = [
      ["/capabilities/0/target/primary_key", readCapability({ target: { table: "invoices", primary_key: "invoice_no", tenant_key: "tenant_id" } })],
      ["/capabilities/0/target/tenant_key", readCapability({ target: { table: "invoices", primary_key: "id", tenant_key: "org" } })],
      [
        "/capabilities/0/lookup/filters/0/column",
        readCapability({ args: { c: { type: "string", required: true } }, lookup: { filters: [{ column: "customer", from_arg: "c" }] } }),
      ],
      [
        "/capabilities/0/lookup/order_by/0/column",
        readCapability({ args: { c: { type: "string", required: true } }, lookup: { filters: [{ column: "customer_id", from_arg: "c" }], order_by: [{ column: "created_at" }] } }),
      ],
      ["/capabilities/0/allowed_columns/3", proposalCapability({ allowed_columns: ["late_fee_cents", "waiver_reason", "status", "note"] })],
      ["/capabilities/0/patch/note", proposalCapability({ patch: { note: { fixed: "x" } }, allowed_columns: [] })],
      ["/capabilities/0/numeric_bounds/fee", proposalCapability({ numeric_bounds: { fee: { maximum: 1 } } })],
      ["/capabilities/0/transition_guards/state", proposalCapability({ transition_guards: { state: { from: ["a"], to: ["b"] } } })],
      ["/capabilities/0/conflict_guard/column", proposalCapability({ conflict_guard: { column: "version" } })],
    ];
    for (const [expected, capability] of cases) {
      const found = problems("postgres", [capability]).filter((d) => d.code === "UNKNOWN_COLUMN");
      assert.deepEqual(found.map((d) => d.pointer), [expected], expected);
    }
  });

  test("NOT_THE_PRIMARY_KEY: no key, another single key, or a composite key beyond (tenant, id)", () => {
    assert.deepEqual(
      only(problems("postgres", [readCapability({ target: { table: "events", primary_key: "seq", tenant_key: "tenant_id" }, visible_columns: ["seq"] })])),
      {
        code: "NOT_THE_PRIMARY_KEY",
        pointer: "/capabilities/0/target/primary_key",
        message: "public.events has no primary key, so single rows cannot be addressed safely.",
        fix: "Capabilities address rows by one key column (optionally together with the tenant key); use a table with such a key.",
      },
    );
    assert.deepEqual(only(problems("postgres", [readCapability({ target: { table: "invoices", primary_key: "customer_id", tenant_key: "tenant_id" } })])), {
      code: "NOT_THE_PRIMARY_KEY",
      pointer: "/capabilities/0/target/primary_key",
      message: "'customer_id' is not the primary key of public.invoices (its key is id).",
      fix: "Set primary_key to 'id'.",
    });
    const composite = only(
      problems("postgres", [
        readCapability({
          target: { table: "line_items", primary_key: "line_no", tenant_key: "tenant_id" },
          args: { line: { type: "integer", required: true } },
          lookup: { id_from_arg: "line" },
          visible_columns: ["line_no"],
        }),
      ]),
    );
    assert.equal(composite.message, "'line_no' is not the primary key of public.line_items (its key is invoice_id, line_no).");
    assert.match(composite.fix, /one key column/);
  });

  test("ARG_TYPE_MISMATCH: at the id lookup, a filter and a patch value, with the type that fits", () => {
    assert.deepEqual(only(problems("postgres", [readCapability({ args: { invoice_id: { type: "boolean", required: true } } })])), {
      code: "ARG_TYPE_MISMATCH",
      pointer: "/capabilities/0/lookup/id_from_arg",
      message: "Argument 'invoice_id' is a boolean but feeds column 'id' (text).",
      fix: 'Declare \'invoice_id\' as type "string".',
    });
    const filter = only(
      problems("postgres", [readCapability({ args: { flag: { type: "string", required: true } }, lookup: { filters: [{ column: "disputed", from_arg: "flag" }] } })]),
    );
    assert.deepEqual([filter.pointer, filter.fix], ["/capabilities/0/lookup/filters/0/from_arg", 'Declare \'flag\' as type "boolean".']);
    const patch = only(problems("postgres", [proposalCapability({ args: { invoice_id: { type: "string", required: true }, fee: { type: "number", required: true }, reason: { type: "string", required: true } } })]));
    assert.deepEqual([patch.pointer, patch.fix], ["/capabilities/0/patch/late_fee_cents/from_arg", 'Declare \'fee\' as type "integer".']);
  });

  test("FIXED_VALUE_MISMATCH: filters, patches and transition guards; null only where the column is nullable", () => {
    const at = (capability: CapabilityConfig) => problems("postgres", [capability]).map((d) => `${d.code}@${d.pointer}`);
    assert.deepEqual(at(readCapability({ args: {}, lookup: { filters: [{ column: "late_fee_cents", fixed: 1.5 }] } })), [
      "FIXED_VALUE_MISMATCH@/capabilities/0/lookup/filters/0/fixed",
    ]);
    assert.deepEqual(at(proposalCapability({ patch: { status: { fixed: null } } })), ["FIXED_VALUE_MISMATCH@/capabilities/0/patch/status/fixed"]);
    resolved("postgres", [proposalCapability({ patch: { waiver_reason: { fixed: null } } })]); // waiver_reason is nullable
    assert.deepEqual(at(proposalCapability({ transition_guards: { status: { from: [true], to: ["open", 3] } } })), [
      "FIXED_VALUE_MISMATCH@/capabilities/0/transition_guards/status/from/0",
      "FIXED_VALUE_MISMATCH@/capabilities/0/transition_guards/status/to/1",
    ]);
    const d = only(problems("postgres", [proposalCapability({ patch: { status: { fixed: null } } })]));
    assert.equal(d.message, "Fixed value null does not fit column 'status' (text, not null).");
    assert.equal(d.fix, "Use a value of the column's type.");
  });

  test("PROPOSAL_ON_VIEW: a proposal must target a table", () => {
    const d = only(
      problems("postgres", [
        proposalCapability({
          target: { table: "invoice_totals", primary_key: "id", tenant_key: "tenant_id" },
          visible_columns: ["id"],
          patch: { total: { fixed: 0 } },
          allowed_columns: ["total"],
          numeric_bounds: {},
          transition_guards: {},
          conflict_guard: undefined,
          args: { invoice_id: { type: "string", required: true } },
        }),
      ]),
    );
    assert.deepEqual(d, {
      code: "PROPOSAL_ON_VIEW",
      pointer: "/capabilities/0/target/table",
      message: "public.invoice_totals is a view; proposals must target a table so the change can be applied.",
      fix: "Point the proposal at the underlying table.",
    });
  });

  test("COLUMN_NOT_WRITABLE: a generated column cannot be patched", () => {
    assert.deepEqual(
      only(problems("postgres", [proposalCapability({ patch: { total_with_tax: { fixed: 0 } }, allowed_columns: ["total_with_tax"], numeric_bounds: {}, transition_guards: {} })])),
      {
        code: "COLUMN_NOT_WRITABLE",
        pointer: "/capabilities/0/patch/total_with_tax",
        message: "Column 'total_with_tax' is generated by the database and cannot be patched.",
        fix: "Remove it from patch and allowed_columns.",
      },
    );
  });

  test("BOUNDS_ON_NON_NUMERIC: bounds on text, boolean or timestamp columns", () => {
    for (const name of ["waiver_reason", "disputed", "updated_at"]) {
      const d = only(problems("mysql", [proposalCapability({ numeric_bounds: { [name]: { minimum: 0 } }, conflict_guard: { column: "row_version" } })]));
      assert.equal(d.code, "BOUNDS_ON_NON_NUMERIC");
      assert.equal(d.pointer, `/capabilities/0/numeric_bounds/${name}`);
      assert.equal(d.fix, "Put bounds only on numeric columns; constrain text with the argument's max_length or enum.");
    }
    assert.equal(
      only(problems("mysql", [proposalCapability({ numeric_bounds: { updated_at: { minimum: 0 } } })])).message,
      "numeric_bounds names 'updated_at', which is datetime(6), not a number.",
    );
  });

  test("every problem of every capability is reported, in config order", () => {
    const found = problems("postgres", [
      readCapability({ target: { table: "invoice", primary_key: "id", tenant_key: "tenant_id" } }),
      readCapability({ name: "billing.inspect_other", visible_columns: ["id", "stauts", "balanse"] }),
      proposalCapability({ numeric_bounds: { status: { minimum: 0 } }, conflict_guard: { column: "version" } }),
    ]);
    assert.deepEqual(found.map((d) => `${d.code}@${d.pointer}`), [
      "UNKNOWN_TABLE@/capabilities/0/target/table",
      "UNKNOWN_COLUMN@/capabilities/1/visible_columns/1",
      "UNKNOWN_COLUMN@/capabilities/1/visible_columns/2",
      "BOUNDS_ON_NON_NUMERIC@/capabilities/2/numeric_bounds/status",
      "UNKNOWN_COLUMN@/capabilities/2/conflict_guard/column",
    ]);
  });
});

// ---- type fit ------------------------------------------------------------------------------

describe("which argument types and fixed values fit which columns", () => {
  const CLASSES: TypeClass[] = ["string", "integer", "bigint", "decimal", "number", "boolean", "timestamp", "date", "time", "json", "uuid", "binary", "other"];
  const fitting = (type: "string" | "integer" | "number" | "boolean") => CLASSES.filter((c) => argFitsColumn(type, c));

  test("argument types", () => {
    // Drivers take bigint, decimal and temporal values as text, so a string argument may feed them.
    assert.deepEqual(fitting("string"), ["string", "bigint", "decimal", "timestamp", "date", "time", "uuid", "other"]);
    assert.deepEqual(fitting("integer"), ["integer", "bigint", "decimal", "number"]);
    assert.deepEqual(fitting("number"), ["decimal", "number"]);
    assert.deepEqual(fitting("boolean"), ["boolean"]);
  });

  test("fixed values", () => {
    assert.equal(fixedValueFitsColumn(null, "integer"), true, "nullability is checked against the column separately");
    assert.equal(fixedValueFitsColumn(3, "integer"), true);
    assert.equal(fixedValueFitsColumn(3.5, "integer"), false);
    assert.equal(fixedValueFitsColumn(3.5, "bigint"), false);
    assert.equal(fixedValueFitsColumn(3.5, "decimal"), true);
    assert.equal(fixedValueFitsColumn(3, "string"), false);
    assert.equal(fixedValueFitsColumn("3", "decimal"), true);
    assert.equal(fixedValueFitsColumn("open", "integer"), false);
    assert.equal(fixedValueFitsColumn(true, "boolean"), true);
    assert.equal(fixedValueFitsColumn(true, "integer"), false);
  });

  test("the type a mismatch message suggests is one that fits", () => {
    // json and binary columns take no argument type at all (see the report); every other class does.
    for (const c of CLASSES.filter((x) => x !== "json" && x !== "binary")) {
      assert.equal(argFitsColumn(argTypeForColumn(c), c), true, c);
    }
    assert.deepEqual(
      ["integer", "bigint", "decimal", "number", "boolean"].map((c) => argTypeForColumn(c as TypeClass)),
      ["integer", "string", "string", "number", "boolean"],
    );
  });
});
