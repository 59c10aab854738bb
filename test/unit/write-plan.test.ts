// The planned write of a proposal capability, pinned per engine without a database, in the
// style of Kysely's testSql: one helper takes a capability and the exact SQL and parameter
// sources each engine must get. Every statement apply can run is here.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sqlStatementComment } from "../../compiler/emit/comment-text.ts";
import type { SqlUpdatePlan, WriteParamSource } from "../../compiler/plan/capability-plan.ts";
import type { WriteStatementName } from "../../runtime/executors/write-plan.ts";
import { plannedWriteFrom, type WriteValues } from "../../runtime/executors/planned-write.ts";
import { INVOICES, column, planCase, table, waiver, type PlanCase } from "../support/plan-fixtures.ts";

type Expected = { sql: string; parameters: WriteParamSource[] } | null;

function writeOf(c: PlanCase): SqlUpdatePlan {
  const planned = planCase(c);
  assert.ok(planned.ok, planned.ok ? "" : JSON.stringify(planned.diagnostics, null, 2));
  const write = planned.capability.proposal?.write;
  assert.ok(write, "a sql_update proposal has a planned write");
  return write;
}

/** Plans `capability` for both engines and compares one statement with what each must be. */
function testSql(
  capability: Record<string, any>,
  statement: WriteStatementName,
  expected: { postgres: Expected; mysql: Expected },
  options: { tables?: PlanCase["tables"]; executors?: PlanCase["executors"] } = {},
): void {
  for (const engine of ["postgres", "mysql"] as const) {
    const write = writeOf({ engine, capability, tables: options.tables ?? [INVOICES], ...(options.executors ? { executors: options.executors } : {}) });
    const planned = write.statements[statement];
    const want = expected[engine];
    if (want === null) {
      assert.equal(planned, null, `${engine} ${statement}`);
      continue;
    }
    assert.ok(planned, `${engine} plans ${statement}`);
    // Every planned statement starts with its capability's fixed comment (compiler/emit/comment-text.ts).
    assert.equal(planned.text, `${sqlStatementComment(capability.name)} ${want.sql}`, `${engine} ${statement} SQL`);
    assert.deepEqual(planned.params, want.parameters, `${engine} ${statement} parameters`);
    assert.equal(planned.engine, engine);
    assert.match(planned.sha256, /^[0-9a-f]{64}$/);
  }
}

const OBJECT: WriteParamSource = { from: "object_id" };
const TENANT: WriteParamSource = { from: "tenant" };
const LOWER: WriteParamSource = { from: "version", part: "lower" };
const UPPER: WriteParamSource = { from: "version", part: "upper" };
const EXPECTED: WriteParamSource = { from: "version", part: "expected" };
const fixed = (value: string | number | boolean | null): WriteParamSource => ({ from: "fixed", value });
const receipt = (field: "idempotency_key" | "proposal_id" | "previous_version" | "new_version" | "receipt"): WriteParamSource => ({ from: "receipt", field });
const KEY = receipt("idempotency_key");
/**
 * MySQL's match on a character key or tenant column: the indexed `=`, then the same value as
 * bytes, so collations that ignore case, accents or trailing spaces cannot widen it.
 */
const exactMy = (column: string) => `${column} = ? AND CAST(CONVERT(${column} USING utf8mb4) AS BINARY) = CAST(CONVERT(? USING utf8mb4) AS BINARY)`;
/** The row match on INVOICES (text key, text tenant) per engine. */
const ROW_MY = `${exactMy("`id`")} AND ${exactMy("`tenant_id`")}`;
const ROW_MY_PARAMS = [OBJECT, OBJECT, TENANT, TENANT];

describe("a timestamp version and one transition (the example's waiver)", () => {
  const params: WriteParamSource[] = [
    { from: "patch", column: "late_fee_cents", arg: "new_late_fee_cents" },
    { from: "patch", column: "waiver_reason", arg: "reason" },
    fixed("open"),
    OBJECT,
    TENANT,
    LOWER,
    UPPER,
    fixed("overdue"),
  ];

  test("the guarded UPDATE: patch and version bump, WHERE key, tenant, version range and from-state; RETURNING only on Postgres", () => {
    testSql(waiver(), "update", {
      postgres: {
        sql:
          'UPDATE "public"."invoices" SET "late_fee_cents" = $1, "waiver_reason" = $2, "status" = $3, "updated_at" = clock_timestamp() ' +
          'WHERE "id" = $4 AND "tenant_id" = $5 AND "updated_at" >= $6 AND "updated_at" < $7 AND "status" IN ($8) ' +
          'RETURNING "updated_at" AS "synapsor_new_version"',
        parameters: params,
      },
      mysql: {
        sql:
          "UPDATE `invoices` SET `late_fee_cents` = ?, `waiver_reason` = ?, `status` = ?, `updated_at` = CURRENT_TIMESTAMP(6) " +
          `WHERE ${ROW_MY} AND \`updated_at\` >= ? AND \`updated_at\` < ? AND \`status\` IN (?)`,
        parameters: [...params.slice(0, 3), ...ROW_MY_PARAMS, ...params.slice(5)],
      },
    });
  });

  test("the conflict explanation: one 0/1 flag per guard for the row with this key in this tenant", () => {
    const flags = [LOWER, UPPER, fixed("overdue"), OBJECT, TENANT];
    testSql(waiver(), "explainConflict", {
      postgres: {
        sql:
          'SELECT CASE WHEN "updated_at" >= $1 AND "updated_at" < $2 THEN 1 ELSE 0 END AS "version_ok", ' +
          'CASE WHEN "status" IN ($3) THEN 1 ELSE 0 END AS "transition_ok_0" FROM "public"."invoices" WHERE "id" = $4 AND "tenant_id" = $5',
        parameters: flags,
      },
      mysql: {
        sql:
          "SELECT CASE WHEN `updated_at` >= ? AND `updated_at` < ? THEN 1 ELSE 0 END AS `version_ok`, " +
          `CASE WHEN \`status\` IN (?) THEN 1 ELSE 0 END AS \`transition_ok_0\` FROM \`invoices\` WHERE ${ROW_MY}`,
        parameters: [LOWER, UPPER, fixed("overdue"), ...ROW_MY_PARAMS],
      },
    });
  });

  test("MySQL reads the new version back in the transaction; Postgres has RETURNING", () => {
    testSql(waiver(), "readNewVersion", {
      postgres: null,
      mysql: { sql: `SELECT \`updated_at\` AS \`synapsor_new_version\` FROM \`invoices\` WHERE ${ROW_MY}`, parameters: ROW_MY_PARAMS },
    });
  });

  test("the receipt statements: claim (INSERT pending), complete (UPDATE applied), read", () => {
    const claim = [receipt("idempotency_key"), receipt("proposal_id"), fixed("billing.propose_late_fee_waiver"), TENANT, OBJECT];
    testSql(waiver(), "claimReceipt", {
      postgres: {
        sql:
          'INSERT INTO "synapsor"."synapsor_writeback_receipts" (idempotency_key, proposal_id, capability, tenant_id, object_id, status, rows_affected) ' +
          "VALUES ($1, $2, $3, $4, $5, 'pending', 0)",
        parameters: claim,
      },
      mysql: {
        sql:
          "INSERT INTO `synapsor_writeback_receipts` (idempotency_key, proposal_id, capability, tenant_id, object_id, status, rows_affected) " +
          "VALUES (?, ?, ?, ?, ?, 'pending', 0)",
        parameters: claim,
      },
    });
    const complete = [receipt("previous_version"), receipt("new_version"), receipt("receipt"), receipt("idempotency_key")];
    testSql(waiver(), "completeReceipt", {
      postgres: {
        sql:
          'UPDATE "synapsor"."synapsor_writeback_receipts" SET status = \'applied\', rows_affected = 1, previous_version = $1, new_version = $2, ' +
          "receipt = $3, applied_at = clock_timestamp() WHERE idempotency_key = $4",
        parameters: complete,
      },
      mysql: {
        sql:
          "UPDATE `synapsor_writeback_receipts` SET status = 'applied', rows_affected = 1, previous_version = ?, new_version = ?, " +
          `receipt = ?, applied_at = CURRENT_TIMESTAMP(6) WHERE ${exactMy("idempotency_key")}`,
        parameters: [...complete, KEY],
      },
    });
    testSql(waiver(), "readReceipt", {
      postgres: { sql: 'SELECT status, previous_version, new_version, receipt FROM "synapsor"."synapsor_writeback_receipts" WHERE idempotency_key = $1', parameters: [receipt("idempotency_key")] },
      mysql: { sql: `SELECT status, previous_version, new_version, receipt FROM \`synapsor_writeback_receipts\` WHERE ${exactMy("idempotency_key")}`, parameters: [KEY, KEY] },
    });
  });

  test("the executor's receipts_schema names the receipts table", () => {
    const executors = { writer: { type: "sql_update", receipts_schema: "audit" } };
    testSql(
      waiver(),
      "readReceipt",
      {
        postgres: { sql: 'SELECT status, previous_version, new_version, receipt FROM "audit"."synapsor_writeback_receipts" WHERE idempotency_key = $1', parameters: [receipt("idempotency_key")] },
        mysql: { sql: `SELECT status, previous_version, new_version, receipt FROM \`audit\`.\`synapsor_writeback_receipts\` WHERE ${exactMy("idempotency_key")}`, parameters: [KEY, KEY] },
      },
      { executors },
    );
  });

  test("the plan lists what grants need and the guard's kind, decided from the column type", () => {
    const write = writeOf({ engine: "postgres", capability: waiver(), tables: [INVOICES] });
    assert.deepEqual(write.table, { schema: "public", name: "invoices" });
    assert.deepEqual(write.patchColumns, ["late_fee_cents", "waiver_reason", "status"]);
    assert.deepEqual(write.setColumns, ["late_fee_cents", "waiver_reason", "status", "updated_at"]);
    assert.deepEqual(write.readColumns, ["id", "tenant_id", "updated_at", "status"]);
    assert.deepEqual(write.versionGuard, { column: "updated_at", kind: "timestamp" });
    assert.deepEqual(write.receiptsTable, { schema: "synapsor", name: "synapsor_writeback_receipts" });
    const mysql = writeOf({ engine: "mysql", capability: waiver(), tables: [INVOICES] });
    assert.deepEqual(mysql.table, { name: "invoices" }, "a schema-less MySQL target stays unqualified");
    assert.deepEqual(mysql.receiptsTable, { name: "synapsor_writeback_receipts" });
  });
});

/** A fleet-style table: integer counter, several from-states, quoting-worthy names. */
const ORDERS = table("public", "work orders", ["order-id"], [
  column("order-id", "bigint"),
  column("org_id", "text"),
  column("state", "text", true),
  column('pri"ority', "integer"),
  column("row_version", "integer"),
  column("flag`ged", "boolean"),
]);

function unblock(): Record<string, any> {
  return {
    name: "fleet.propose_unblock",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "work orders", primary_key: "order-id", tenant_key: "org_id" },
    args: { order_no: { type: "integer", required: true }, new_priority: { type: "integer", required: true, minimum: 1, maximum: 5 } },
    lookup: { id_from_arg: "order_no" },
    visible_columns: ["order-id", "state", 'pri"ority', "row_version"],
    patch: { 'pri"ority': { from_arg: "new_priority" }, state: { fixed: "scheduled" }, "flag`ged": { fixed: false } },
    allowed_columns: ['pri"ority', "state", "flag`ged"],
    transition_guards: { state: { from: ["blocked", "on_hold", null], to: ["scheduled"] } },
    conflict_guard: { column: "row_version" },
    approval: { mode: "human" },
    executor: "writer",
  };
}

describe("an integer counter, several from-states and names that need quoting", () => {
  test("the UPDATE increments the counter and matches it exactly; NULL among the from-states is IS NULL", () => {
    const params: WriteParamSource[] = [
      { from: "patch", column: 'pri"ority', arg: "new_priority" },
      fixed("scheduled"),
      fixed(false),
      OBJECT,
      TENANT,
      EXPECTED,
      fixed("blocked"),
      fixed("on_hold"),
    ];
    testSql(
      unblock(),
      "update",
      {
        postgres: {
          sql:
            'UPDATE "public"."work orders" SET "pri""ority" = $1, "state" = $2, "flag`ged" = $3, "row_version" = "row_version" + 1 ' +
            'WHERE "order-id" = $4 AND "org_id" = $5 AND "row_version" = $6 AND ("state" IN ($7, $8) OR "state" IS NULL) ' +
            'RETURNING "row_version" AS "synapsor_new_version"',
          parameters: params,
        },
        mysql: {
          sql:
            'UPDATE `work orders` SET `pri"ority` = ?, `state` = ?, `flag``ged` = ?, `row_version` = `row_version` + 1 ' +
            `WHERE \`order-id\` = ? AND ${exactMy("`org_id`")} AND \`row_version\` = ? AND (\`state\` IN (?, ?) OR \`state\` IS NULL)`,
          // A bigint key compares exactly already; the text tenant column gets the byte comparison.
          parameters: [...params.slice(0, 5), TENANT, ...params.slice(5)],
        },
      },
      { tables: [ORDERS] },
    );
  });

  test("the explanation and MySQL's read-back use the same quoting", () => {
    const flags = [EXPECTED, fixed("blocked"), fixed("on_hold"), OBJECT, TENANT];
    testSql(
      unblock(),
      "explainConflict",
      {
        postgres: {
          sql:
            'SELECT CASE WHEN "row_version" = $1 THEN 1 ELSE 0 END AS "version_ok", CASE WHEN ("state" IN ($2, $3) OR "state" IS NULL) THEN 1 ELSE 0 END AS "transition_ok_0" ' +
            'FROM "public"."work orders" WHERE "order-id" = $4 AND "org_id" = $5',
          parameters: flags,
        },
        mysql: {
          sql:
            "SELECT CASE WHEN `row_version` = ? THEN 1 ELSE 0 END AS `version_ok`, CASE WHEN (`state` IN (?, ?) OR `state` IS NULL) THEN 1 ELSE 0 END AS `transition_ok_0` " +
            `FROM \`work orders\` WHERE \`order-id\` = ? AND ${exactMy("`org_id`")}`,
          parameters: [...flags, TENANT],
        },
      },
      { tables: [ORDERS] },
    );
    testSql(
      unblock(),
      "readNewVersion",
      { postgres: null, mysql: { sql: `SELECT \`row_version\` AS \`synapsor_new_version\` FROM \`work orders\` WHERE \`order-id\` = ? AND ${exactMy("`org_id`")}`, parameters: [OBJECT, TENANT, TENANT] } },
      { tables: [ORDERS] },
    );
    const write = writeOf({ engine: "postgres", capability: unblock(), tables: [ORDERS] });
    assert.deepEqual(write.versionGuard, { column: "row_version", kind: "counter" });
    assert.deepEqual(write.setColumns, ['pri"ority', "state", "flag`ged", "row_version"]);
    assert.deepEqual(write.readColumns, ["order-id", "org_id", "row_version", "state"]);
  });

  test("several transition guards get one flag each, in config order", () => {
    const cap = unblock();
    cap.transition_guards['pri"ority'] = { from: [1, 2], to: [1, 2, 3, 4, 5] };
    const write = writeOf({ engine: "mysql", capability: cap, tables: [ORDERS] });
    assert.deepEqual(
      write.transitions.map((t) => [t.column, t.from, t.flag]),
      [
        ["state", ["blocked", "on_hold", null], "transition_ok_0"],
        ['pri"ority', [1, 2], "transition_ok_1"],
      ],
    );
    assert.match(write.statements.update.text, /AND \(`state` IN \(\?, \?\) OR `state` IS NULL\) AND `pri"ority` IN \(\?, \?\)$/);
  });
});

describe("no version and no transition guard", () => {
  test("the UPDATE matches key and tenant only; the explanation says whether the row is there", () => {
    const cap = waiver();
    delete cap.conflict_guard;
    delete cap.transition_guards;
    testSql(cap, "update", {
      postgres: {
        sql: 'UPDATE "public"."invoices" SET "late_fee_cents" = $1, "waiver_reason" = $2, "status" = $3 WHERE "id" = $4 AND "tenant_id" = $5',
        parameters: [{ from: "patch", column: "late_fee_cents", arg: "new_late_fee_cents" }, { from: "patch", column: "waiver_reason", arg: "reason" }, fixed("open"), OBJECT, TENANT],
      },
      mysql: {
        sql: `UPDATE \`invoices\` SET \`late_fee_cents\` = ?, \`waiver_reason\` = ?, \`status\` = ? WHERE ${ROW_MY}`,
        parameters: [{ from: "patch", column: "late_fee_cents", arg: "new_late_fee_cents" }, { from: "patch", column: "waiver_reason", arg: "reason" }, fixed("open"), ...ROW_MY_PARAMS],
      },
    });
    testSql(cap, "explainConflict", {
      postgres: { sql: 'SELECT 1 AS "row_found" FROM "public"."invoices" WHERE "id" = $1 AND "tenant_id" = $2', parameters: [OBJECT, TENANT] },
      mysql: { sql: `SELECT 1 AS \`row_found\` FROM \`invoices\` WHERE ${ROW_MY}`, parameters: ROW_MY_PARAMS },
    });
    testSql(cap, "readNewVersion", { postgres: null, mysql: null });
  });
});

describe("what the plan decides beyond the SQL", () => {
  test("an app executor has no runner-side write", () => {
    const cap = waiver();
    const planned = planCase({
      engine: "postgres",
      capability: cap,
      tables: [INVOICES],
      executors: { writer: { type: "http_handler", url_env: "HANDLER_URL", auth: { type: "bearer_env", token_env: "HANDLER_TOKEN" } } },
    });
    assert.ok(planned.ok);
    assert.equal(planned.capability.proposal?.write, null);
  });

  test("the plan hash covers the write: another receipts table is another plan", () => {
    const base = planCase({ engine: "postgres", capability: waiver(), tables: [INVOICES] });
    const moved = planCase({ engine: "postgres", capability: waiver(), tables: [INVOICES], executors: { writer: { type: "sql_update", receipts_schema: "audit" } } });
    assert.ok(base.ok && moved.ok);
    assert.notEqual(base.capability.planHash, moved.capability.planHash);
  });

  test("the bind functions put each value where its source says, for both engines", () => {
    const values: WriteValues = {
      objectId: "INV-1",
      tenantId: "acme",
      patch: { late_fee_cents: 0, waiver_reason: "outage", status: "open" },
      version: { expected: null, lower: "L", upper: "U" },
      receipt: { idempotencyKey: "k", proposalId: "p", previousVersion: "pv", newVersion: "nv", json: "{}" },
    };
    for (const engine of ["postgres", "mysql"] as const) {
      const write = plannedWriteFrom(writeOf({ engine, capability: waiver(), tables: [INVOICES] }));
      // MySQL binds each text key twice: the indexed `=` and the byte comparison.
      const row = engine === "mysql" ? ["INV-1", "INV-1", "acme", "acme"] : ["INV-1", "acme"];
      const key = engine === "mysql" ? ["k", "k"] : ["k"];
      assert.deepEqual(write.update.params(values), [0, "outage", "open", ...row, "L", "U", "overdue"]);
      assert.deepEqual(write.explainConflict.params(values), ["L", "U", "overdue", ...row]);
      assert.deepEqual(write.claimReceipt.params(values), ["k", "p", "billing.propose_late_fee_waiver", "acme", "INV-1"]);
      assert.deepEqual(write.completeReceipt.params(values), ["pv", "nv", "{}", ...key]);
      assert.deepEqual(write.readReceipt.params(values), key);
      assert.deepEqual(write.readNewVersion?.params(values) ?? null, engine === "mysql" ? row : null);
    }
  });
});

describe("resolve rules the planned write depends on", () => {
  const codes = (c: PlanCase) => {
    const planned = planCase(c);
    assert.equal(planned.ok, false);
    return planned.ok ? [] : planned.diagnostics;
  };

  test("a conflict_guard on a column that is neither a timestamp nor an integer is a build error with a pointer and a fix", () => {
    for (const dataType of ["text", "date", "numeric(10,2)", "uuid", "boolean"]) {
      const tables = [table("public", "invoices", ["id"], [...INVOICES.columns.filter((c) => c.name !== "updated_at"), column("updated_at", dataType)])];
      const [d, ...rest] = codes({ engine: "postgres", capability: waiver(), tables });
      assert.equal(rest.length, 0, dataType);
      assert.equal(d!.code, "CONFLICT_GUARD_NOT_A_VERSION", dataType);
      assert.equal(d!.pointer, "/capabilities/0/conflict_guard/column");
      assert.match(d!.message, new RegExp(`'updated_at' is ${dataType.replace(/[()]/g, "\\$&")}`));
      assert.match(d!.fix, /timestamp .*integer version/);
    }
    for (const dataType of ["timestamp without time zone", "datetime(6)", "bigint", "int"]) {
      const tables = [table("public", "invoices", ["id"], [...INVOICES.columns.filter((c) => c.name !== "updated_at"), column("updated_at", dataType)])];
      assert.ok(planCase({ engine: "mysql", capability: waiver(), tables }).ok, dataType);
    }
  });
});

describe("an optional argument feeding the patch: one fixed UPDATE that sets its column only when given", () => {
  const optionalReason = () => {
    const cap = waiver();
    cap.args.reason.required = false;
    return cap;
  };
  const GIVEN: WriteParamSource = { from: "patch_given", column: "waiver_reason", arg: "reason" };
  const REASON: WriteParamSource = { from: "patch", column: "waiver_reason", arg: "reason", optional: true };
  const params: WriteParamSource[] = [
    { from: "patch", column: "late_fee_cents", arg: "new_late_fee_cents" },
    GIVEN,
    REASON,
    fixed("open"),
    OBJECT,
    TENANT,
    LOWER,
    UPPER,
    fixed("overdue"),
  ];

  test("builds (no PATCH_ARGUMENT_NOT_REQUIRED); the optional column is a CASE on a 'given' flag, the required ones keep a plain SET", () => {
    testSql(optionalReason(), "update", {
      postgres: {
        sql:
          'UPDATE "public"."invoices" SET "late_fee_cents" = $1, "waiver_reason" = CASE WHEN $2 THEN $3 ELSE "waiver_reason" END, "status" = $4, ' +
          '"updated_at" = clock_timestamp() WHERE "id" = $5 AND "tenant_id" = $6 AND "updated_at" >= $7 AND "updated_at" < $8 AND "status" IN ($9) ' +
          'RETURNING "updated_at" AS "synapsor_new_version"',
        parameters: params,
      },
      mysql: {
        sql:
          "UPDATE `invoices` SET `late_fee_cents` = ?, `waiver_reason` = CASE WHEN ? THEN ? ELSE `waiver_reason` END, `status` = ?, " +
          `\`updated_at\` = CURRENT_TIMESTAMP(6) WHERE ${ROW_MY} AND \`updated_at\` >= ? AND \`updated_at\` < ? AND \`status\` IN (?)`,
        parameters: [...params.slice(0, 4), ...ROW_MY_PARAMS, ...params.slice(6)],
      },
    });
  });

  test("the plan names the optional columns; a capability without one has no such field, so its plan and goldens are unchanged", () => {
    const write = writeOf({ engine: "postgres", capability: optionalReason(), tables: [INVOICES] });
    assert.deepEqual(write.optionalPatchColumns, ["waiver_reason"]);
    // Its CASE reads the column, so the writer's grants (writeback grants) include SELECT on it.
    assert.deepEqual(write.readColumns, ["id", "tenant_id", "updated_at", "status", "waiver_reason"]);
    assert.equal(Object.hasOwn(writeOf({ engine: "postgres", capability: waiver(), tables: [INVOICES] }), "optionalPatchColumns"), false);
    const required = planCase({ engine: "postgres", capability: waiver(), tables: [INVOICES] });
    const optional = planCase({ engine: "postgres", capability: optionalReason(), tables: [INVOICES] });
    assert.ok(required.ok && optional.ok);
    assert.notEqual(required.capability.planHash, optional.capability.planHash);
  });

  test("binding: the flag says whether the approved patch carries the column; a column left out is bound as null and kept by the CASE", () => {
    const values = (patch: WriteValues["patch"]): WriteValues => ({
      objectId: "INV-1",
      tenantId: "acme",
      patch,
      version: { expected: null, lower: "L", upper: "U" },
      receipt: { idempotencyKey: "k", proposalId: "p", previousVersion: null, newVersion: null, json: null },
    });
    for (const engine of ["postgres", "mysql"] as const) {
      const write = plannedWriteFrom(writeOf({ engine, capability: optionalReason(), tables: [INVOICES] }));
      assert.deepEqual(write.optionalPatchColumns, ["waiver_reason"]);
      // MySQL binds the key and the tenant twice (the indexed `=`, then the exact comparison).
      const row = engine === "mysql" ? ["INV-1", "INV-1", "acme", "acme"] : ["INV-1", "acme"];
      assert.deepEqual(write.update.params(values({ late_fee_cents: 0, status: "open" })), [0, false, null, "open", ...row, "L", "U", "overdue"]);
      assert.deepEqual(
        write.update.params(values({ late_fee_cents: 0, waiver_reason: "outage", status: "open" })),
        [0, true, "outage", "open", ...row, "L", "U", "overdue"],
      );
    }
  });

  test("several optional columns: each has its own flag and value, in SET order", () => {
    const cap = optionalReason();
    cap.args.new_late_fee_cents.required = false;
    const write = writeOf({ engine: "postgres", capability: cap, tables: [INVOICES] });
    assert.deepEqual(write.optionalPatchColumns, ["late_fee_cents", "waiver_reason"]);
    assert.match(write.statements.update.text, /^\/\* synapsor:[a-z_.]+ \*\/ UPDATE "public"\."invoices" SET "late_fee_cents" = CASE WHEN \$1 THEN \$2 ELSE "late_fee_cents" END, "waiver_reason" = CASE WHEN \$3 THEN \$4 ELSE "waiver_reason" END, "status" = \$5, /);
  });
});
