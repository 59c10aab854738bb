// The three contract defects a newcomer hit, at the plan level (no database): an optional filter
// argument is planned as one fixed statement with a given-flag; arguments feeding date, time,
// timestamp and uuid columns get a format and pattern, checked by the same compiled validator and
// runtime check the server ships; read-only preconditions are planned into the UPDATE's WHERE
// and read, never written. The end-to-end behaviour is in test/e2e/newcomer-contract.test.ts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compileValidator } from "../../compiler/emit/validators.ts";
import { checkArguments } from "../../runtime/calls/arguments.ts";
import { isValidText } from "../../runtime/calls/text-formats.ts";
import type { ArgsValidator } from "../../runtime/capability.ts";
import { INVOICES, column, planCase, table, waiver } from "../support/plan-fixtures.ts";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compile } from "../../compiler/pipeline.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { buildToolsPreview, formatToolsPreview } from "../../operator/preview/tools-preview.ts";

const GOLDEN_CONFIG = fileURLToPath(new URL("../golden/newcomer-contract-postgres/synapsor.runner.json", import.meta.url));
const EXAMPLE_SNAPSHOT = fileURLToPath(new URL("../../examples/support-billing/synapsor.schema.json", import.meta.url));

const EVENTS = (engine: "postgres" | "mysql") =>
  table("public", "events", ["id"], [
    column("id", engine === "postgres" ? "uuid" : "char(36)"),
    column("tenant_id", "text"),
    column("status", "text"),
    column("starts_at", engine === "postgres" ? "timestamp with time zone" : "datetime(3)"),
    column("local_start", engine === "postgres" ? "timestamp(0) without time zone" : "timestamp"),
    column("day", "date"),
    column("opens", engine === "postgres" ? "time without time zone" : "time"),
    column("opens_tz", engine === "postgres" ? "time with time zone" : "time"),
    column("ref", engine === "postgres" ? "uuid" : "uuid", true),
  ]);

function listEvents(optional: boolean): Record<string, any> {
  return {
    name: "events.list_events",
    kind: "read",
    source: "app",
    target: { schema: "public", table: "events", primary_key: "id", tenant_key: "tenant_id" },
    args: { status: { type: "string", required: !optional, max_length: 16 }, day: { type: "string" } },
    lookup: { filters: [{ column: "status", from_arg: "status" }, { column: "day", from_arg: "day" }] },
    visible_columns: ["id", "status", "day"],
  };
}

function reschedule(): Record<string, any> {
  return {
    name: "events.propose_reschedule",
    kind: "proposal",
    source: "app",
    target: { schema: "public", table: "events", primary_key: "id", tenant_key: "tenant_id" },
    args: {
      event_id: { type: "string", required: true },
      starts_at: { type: "string", required: true },
      local_start: { type: "string" },
      day: { type: "string" },
      opens: { type: "string" },
      opens_tz: { type: "string" },
      ref: { type: "string" },
    },
    lookup: { id_from_arg: "event_id" },
    visible_columns: ["id", "starts_at"],
    patch: {
      starts_at: { from_arg: "starts_at" },
      local_start: { from_arg: "local_start" },
      day: { from_arg: "day" },
      opens: { from_arg: "opens" },
      opens_tz: { from_arg: "opens_tz" },
      ref: { from_arg: "ref" },
    },
    allowed_columns: ["starts_at", "local_start", "day", "opens", "opens_tz", "ref"],
    preconditions: { status: { one_of: ["scheduled", "tentative"] } },
    approval: { mode: "human" },
    executor: "writer",
  };
}

function planned(engine: "postgres" | "mysql", capability: Record<string, any>, tables = [EVENTS(engine)]) {
  const p = planCase({ engine, capability, tables });
  assert.ok(p.ok, p.ok ? "" : JSON.stringify(p.diagnostics));
  return p;
}

async function checker(schema: Record<string, unknown>) {
  const code = compileValidator(schema);
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  const validate = mod.validate as ArgsValidator;
  return (a: Record<string, unknown>) => checkArguments(validate, schema, a);
}

describe("an optional argument feeding a list filter", () => {
  test("Postgres: one fixed statement, the filter switched off by a bound boolean given-flag, never IS NULL", () => {
    const { capability } = planned("postgres", listEvents(true));
    assert.equal(
      capability.statement.text,
      '/* synapsor:events.list_events */ SELECT "id", "status", "day" FROM "public"."events" WHERE ($1 = FALSE OR "status" = $2) AND ($3 = FALSE OR "day" = $4) AND "tenant_id" = $5 ORDER BY "id" ASC LIMIT 21',
    );
    assert.deepEqual(capability.statement.params, [
      { from: "arg_given", name: "status" },
      { from: "arg", name: "status", optional: true },
      { from: "arg_given", name: "day" },
      { from: "arg", name: "day", optional: true },
      { from: "context", name: "tenant_id" },
    ]);
    assert.doesNotMatch(capability.statement.text, /IS NULL/);
  });

  test("MySQL: the given-flag is compared with 0 (bound as 1 or 0)", () => {
    const { capability } = planned("mysql", listEvents(true));
    assert.match(capability.statement.text, /WHERE \(\? = 0 OR `status` = \?\) AND \(\? = 0 OR `day` = \?\) AND `tenant_id` = \?/);
  });

  test("a required filter argument keeps the plain equality", () => {
    const { capability } = planned("postgres", listEvents(false));
    assert.match(capability.statement.text, /WHERE "status" = \$1 AND \(\$2 = FALSE OR "day" = \$3\)/);
    // The generated description tells the model which filters it may leave out.
    assert.match(capability.description, /where status = status, day = day \(when given\);/);
  });
});

describe("arguments feeding date, time, timestamp and uuid columns", () => {
  test("Postgres: the format and the column's own pattern in the inputSchema", () => {
    const { capability } = planned("postgres", reschedule());
    const props = capability.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.starts_at!.format, "date-time");
    assert.equal(props.local_start!.format, "local-date-time");
    assert.equal(props.day!.format, "date");
    assert.equal(props.opens!.format, "local-time");
    assert.equal(props.opens_tz!.format, "time");
    assert.equal(props.ref!.format, "uuid");
    assert.equal(props.event_id!.format, "uuid", "the id argument feeds a uuid key");
    // timestamp(0): no fraction of a second; timestamptz keeps microseconds.
    assert.doesNotMatch(String(props.local_start!.pattern), /\\\./);
    assert.match(String(props.starts_at!.pattern), /\{1,6\}/);
  });

  test("MySQL: DATETIME(3) keeps 3 digits, TIMESTAMP takes years 1970 to 2038, no offset but the UTC marker results print", async () => {
    const { capability } = planned("mysql", reschedule());
    const props = capability.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.starts_at!.format, "local-date-time");
    assert.equal(props.local_start!.format, "local-date-time");
    const check = await checker(capability.inputSchema);
    const ok = (args: Record<string, unknown>) => check({ event_id: "e1", starts_at: "2026-11-30 09:00:00", ...args });
    assert.equal(ok({}).ok, true);
    assert.equal(ok({ starts_at: "2026-11-30T09:00:00.123" }).ok, true);
    assert.equal(ok({ starts_at: "2026-11-30T09:00:00.1234" }).ok, false, "more digits than DATETIME(3) keeps");
    assert.equal(ok({ starts_at: "2026-11-30T09:00:01+01:00" }).ok, false, "no offset on MySQL");
    assert.equal(ok({ starts_at: "2026-11-30T09:00:00-00:00" }).ok, false, "only the two spellings results print");
    // A value as a result printed it ("...Z", sessions run in UTC) comes back and is bound without the marker.
    for (const [written, bound] of [["2024-02-29T10:00:00.5Z", "2024-02-29T10:00:00.5"], ["2024-02-29 10:00:00+00:00", "2024-02-29 10:00:00"]]) {
      const r = ok({ starts_at: written });
      assert.equal(r.ok, true, written);
      assert.equal(r.ok ? r.value.starts_at : "", bound);
    }
    assert.equal(ok({ starts_at: "0999-11-30T09:00:00" }).ok, false, "DATETIME starts at year 1000");
    assert.equal(ok({ local_start: "2039-01-01 00:00:00" }).ok, false, "TIMESTAMP ends in 2038");
    const refused = ok({ local_start: "2039-01-01 00:00:00" });
    assert.match(refused.ok ? "" : refused.failure.error.message, /^Argument 'local_start' must be an ISO 8601 timestamp without offset .* an instant from 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC/);
    // The exact instants a TIMESTAMP holds, not only its years (the database would refuse the rest at apply).
    for (const [value, accepted] of [
      ["1970-01-01 00:00:00", false], ["1970-01-01T00:00:00Z", false], ["1970-01-01 00:00:01", true],
      ["2038-01-19 03:14:07", true], ["2038-01-19T03:14:07Z", true], ["2038-01-19T03:14:08", false], ["2038-12-31 00:00:00", false],
    ] as const) {
      assert.equal(ok({ local_start: value }).ok, accepted, value);
    }
    assert.equal(ok({ starts_at: "2038-12-31 00:00:00" }).ok, true, "a DATETIME is not held to the TIMESTAMP range");
  });

  test("Postgres: a domain over timestamptz is an instant (its base type decides, not its name)", () => {
    const domain = (name: string, base: string) => ({ ...column(name, "app_instant"), type_class: "timestamp" as const, base_type: base });
    const tables = [table("public", "events", ["id"], [
      column("id", "uuid"), column("tenant_id", "text"), column("status", "text"),
      domain("starts_at", "timestamp with time zone"), domain("local_start", "timestamp without time zone"),
      column("day", "date"), column("opens", "time without time zone"), column("opens_tz", "time with time zone"), column("ref", "uuid", true),
    ])];
    const { capability } = planned("postgres", reschedule(), tables);
    const props = capability.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.starts_at!.format, "date-time");
    assert.equal(props.local_start!.format, "local-date-time");
  });

  test("bad values are INVALID_ARGUMENT with the expected form; good values pass", async () => {
    const { capability } = planned("postgres", reschedule());
    const check = await checker(capability.inputSchema);
    const id = "3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a0b";
    const base = { event_id: id, starts_at: "2026-11-30T09:00:00Z" };
    assert.equal(check(base).ok, true);
    for (const good of ["2026-11-30T10:00:00+01:00", "2024-02-29T23:59:59.999999-05:00", "2026-11-30 09:00:00Z"]) {
      assert.equal(check({ ...base, starts_at: good }).ok, true, good);
    }
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ starts_at: "next tuesday" }, /^Argument 'starts_at' must be an ISO 8601 timestamp with offset such as 2026-11-30T09:00:00Z/],
      [{ starts_at: "2026-11-30T09:00:00" }, /with offset/],
      [{ local_start: "2026-11-30T09:00:00+01:00" }, /without offset/],
      [{ starts_at: "2026-02-30T09:00:00Z" }, /with offset/],
      [{ starts_at: "2026-11-30T24:00:00Z" }, /with offset/],
      [{ starts_at: "2026-11-30T09:00:00.1234567Z" }, /at most 6 digits after the seconds/],
      [{ day: "2025-02-29" }, /^Argument 'day' must be a calendar date such as 2026-11-30/],
      [{ day: "0000-01-01" }, /calendar date/],
      [{ opens: "25:00:00" }, /^Argument 'opens' must be a time of day/],
      [{ opens_tz: "09:00:00" }, /with offset/],
      [{ ref: "{3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a0b}" }, /^Argument 'ref' must be a UUID/],
      [{ event_id: "3f2a9c1e8b7d4e219a0f5c6d7e8f9a0b" }, /^Argument 'event_id' must be a UUID/],
    ];
    for (const [args, message] of cases) {
      const r = check({ ...base, ...args });
      assert.equal(r.ok, false, JSON.stringify(args));
      assert.equal(r.ok ? "" : r.failure.error.code, "INVALID_ARGUMENT");
      assert.match(r.ok ? "" : r.failure.error.message, message, JSON.stringify(args));
    }
  });

  test("offsets, clocks and uuids: real values only", () => {
    const cases: Array<[Parameters<typeof isValidText>[0], string, boolean]> = [
      ["date-time", "2026-11-30T09:00:00+14:00", true],
      ["date-time", "2026-11-30T09:00:00-12:00", true],
      ["date-time", "2026-11-30T09:00:00+15:00", false],
      ["date-time", "2026-11-30T09:00:00+01:60", false],
      ["date-time", "2026-11-30t09:00:00z", false],
      ["date-time", "2026-11-30T09:00Z", false],
      ["local-date-time", "2026-11-30 23:59:59.5", true],
      ["local-date-time", "2026-11-30T09:60:00", false],
      ["local-date-time", "2026-11-30T09:00:00Z", true],
      ["local-date-time", "2026-11-30T09:00:00+00:00", true],
      ["local-date-time", "2026-11-30T09:00:00+02:00", false],
      ["time", "23:59:59.999999-03:30", true],
      ["local-time", "9:00:00", false],
      ["date", "2024-02-29", true],
      ["date", "1900-02-29", false],
      ["date", "2000-02-29", true],
      ["date", "2026-04-31", false],
      ["date", "2026-11-30 ", false],
      ["uuid", "3F2A9C1E-8B7D-4E21-9A0F-5C6D7E8F9A0B", true],
      ["uuid", "urn:uuid:3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a0b", false],
      ["date", "２０２６-11-30", false],
    ];
    for (const [format, value, expected] of cases) assert.equal(isValidText(format, value), expected, `${format} ${value}`);
  });

  test("every calendar date the check accepts is one JavaScript's UTC calendar has, and the other way round", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), (y, m, d) => {
        const text = `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
        const date = new Date(0);
        date.setUTCFullYear(y, m - 1, d);
        const real = m >= 1 && m <= 12 && d >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
        assert.equal(isValidText("date", text), real, text);
      }),
      { seed: 20261130, numRuns: 3000 },
    );
  });
});

describe("read-only preconditions", () => {
  for (const engine of ["postgres", "mysql"] as const) {
    test(`${engine}: in the UPDATE's WHERE and the conflict explanation, read but never set`, () => {
      const { capability } = planned(engine, reschedule());
      const write = capability.proposal!.write!;
      const q = (name: string) => (engine === "postgres" ? `"${name}"` : `\`${name}\``);
      assert.match(write.statements.update.text, new RegExp(`AND ${q("status").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} IN \\((\\$\\d+|\\?), (\\$\\d+|\\?)\\)$`));
      assert.match(write.statements.explainConflict.text, /AS .precondition_ok_0./);
      assert.deepEqual(write.preconditions, [{ column: "status", oneOf: ["scheduled", "tentative"], flag: "precondition_ok_0" }]);
      assert.ok(write.readColumns.includes("status"));
      assert.ok(!write.setColumns.includes("status"));
      assert.deepEqual(capability.proposal!.preconditions, { status: { oneOf: ["scheduled", "tentative"] } });
      // The proposal's read selects the column even though the model never sees it.
      assert.ok(capability.columns.some((c) => c.name === "status"));
      assert.ok(!capability.visibleColumns.includes("status"));
    });
  }

  test("a value that does not fit the column, and a label the enum does not have, are build errors", () => {
    const enumTable = table("public", "invoices", ["id"], [
      ...INVOICES.columns.filter((c) => c.name !== "status"),
      { ...column("status", "invoice_status"), type_class: "string", enum_values: ["open", "overdue", "paid"] },
      column("amount_cents", "integer"),
    ]);
    const capability: Record<string, any> = { ...waiver(), preconditions: { amount_cents: { one_of: ["lots"] } } };
    delete capability.transition_guards;
    capability.patch = { waiver_reason: { from_arg: "reason" } };
    capability.allowed_columns = ["waiver_reason"];
    capability.args = { invoice_id: capability.args.invoice_id, reason: capability.args.reason };
    delete capability.numeric_bounds;
    const badType = planCase({ engine: "postgres", capability, tables: [enumTable] });
    assert.equal(badType.ok, false);
    assert.deepEqual(badType.ok ? [] : badType.diagnostics.map((d) => `${d.code}@${d.pointer}`), ["FIXED_VALUE_MISMATCH@/capabilities/0/preconditions/amount_cents/one_of/0"]);

    capability.preconditions = { status: { one_of: ["overdue", "cancelled"] } } as any;
    const badLabel = planCase({ engine: "postgres", capability, tables: [enumTable] });
    assert.equal(badLabel.ok, false);
    const d = badLabel.ok ? [] : badLabel.diagnostics;
    assert.deepEqual(d.map((x) => `${x.code}@${x.pointer}`), ["FIXED_VALUE_MISMATCH@/capabilities/0/preconditions/status/one_of/1"]);
    assert.match(d[0]!.fix, /"open", "overdue", "paid"/);
  });
});

describe("the tools preview a newcomer reads before serving", () => {
  test("names the given-flag of an optional filter and the form of a timestamp argument", async () => {
    const result = await compile({ configPath: GOLDEN_CONFIG, schema: { kind: "snapshot", path: EXAMPLE_SNAPSHOT }, bundle: false });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
    const snapshot = JSON.parse(readFileSync(EXAMPLE_SNAPSHOT, "utf8")) as SchemaSnapshot;
    const text = formatToolsPreview(buildToolsPreview({ contract: result.contract, plan: result.plan, snapshot, aliasMode: "canonical" }), "synapsor.runner.json");
    assert.match(text, /#1 ← whether argument status is given \(left out: no filter\)/);
    assert.match(text, /#2 ← argument status/);
    assert.match(text, /new_due_at: string \(date-time\), required/);
  });
});
