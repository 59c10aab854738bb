// The per-tool result shape (manifest.json's result_schema): column JSON types, null widening, and
// a proposal's diff typed from what feeds each column; and each tool's outputSchema in tools/list
// (ok plus that result, admitting null). Checked for schema validity with strict Ajv.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { columnJsonSchema, orNull, resultSchemaFor, toolOutputSchema } from "../../compiler/plan/output-schema.ts";
import { ENVELOPE_FIELDS } from "../../runtime/envelope-schema.ts";
import { ERROR_CODES } from "../../runtime/errors.ts";
import type { ColumnInfo, TypeClass } from "../../compiler/inspect/snapshot.ts";

function column(name: string, type_class: TypeClass, nullable = false): ColumnInfo {
  return { name, data_type: type_class, type_class, nullable, has_default: false, generated: false };
}

test("each type class maps to the JSON the runtime delivers; nullable adds null", () => {
  const cases: Array<[TypeClass, object]> = [
    ["integer", { type: "integer" }],
    ["bigint", { type: "string", pattern: "^-?[0-9]+$" }],
    ["decimal", { type: "string" }],
    ["number", { type: ["number", "null"] }],
    ["boolean", { type: "boolean" }],
    ["string", { type: "string" }],
    ["timestamp", { type: "string" }],
    ["date", { type: "string" }],
    ["time", { type: "string" }],
    ["uuid", { type: "string" }],
    ["binary", { type: "string" }],
    ["json", {}],
    ["other", {}],
  ];
  for (const [cls, expected] of cases) assert.deepEqual(columnJsonSchema(column("c", cls)), expected, cls);
  assert.deepEqual(columnJsonSchema(column("c", "bigint", true)), { type: ["string", "null"], pattern: "^-?[0-9]+$" });
  assert.deepEqual(columnJsonSchema(column("c", "number", true)), { type: ["number", "null"] });
  assert.deepEqual(columnJsonSchema(column("c", "json", true)), {});
  assert.deepEqual(orNull({ type: "null" }), { type: "null" });
});

test("a proposal's diff: visible patch columns only, proposed typed from the argument or the fixed value", () => {
  const columns = new Map([
    ["id", column("id", "string")],
    ["credit", column("credit", "bigint")],
    ["note", column("note", "string", true)],
    ["secret_flag", column("secret_flag", "boolean")],
    ["ratio", column("ratio", "decimal")],
  ]);
  const plan = {
    visibleColumns: ["id", "credit", "note", "ratio"],
    single: true,
    args: [
      { name: "amount", type: "integer", required: true, exactNumber: { format: "int64", pattern: "^(0|-?[1-9][0-9]{0,18})$" } },
      { name: "text", type: "string", required: false },
    ],
    proposal: {
      patch: [
        { column: "credit", value: { arg: "amount" } },
        { column: "note", value: { arg: "text" } },
        { column: "secret_flag", value: { fixed: true } },
        { column: "ratio", value: { fixed: 1.5 } },
      ],
    },
  } as unknown as Parameters<typeof resultSchemaFor>[0];
  const schema = resultSchemaFor(plan, columns) as any;
  new Ajv({ strict: true, allowUnionTypes: true }).compile(schema);
  const diff = schema.properties.diff;
  assert.deepEqual(Object.keys(diff.properties), ["credit", "note", "ratio"]);
  assert.deepEqual(diff.properties.credit.properties.proposed, { type: ["integer", "string"] });
  assert.deepEqual(diff.properties.note.properties, { before: { type: ["string", "null"] }, proposed: { type: "string" } });
  // Both sides are in every diff entry (runtime/calls/visible.ts: a before that is absent is null).
  assert.deepEqual(diff.properties.note.required, ["before", "proposed"]);
  assert.deepEqual(diff.properties.ratio.properties.proposed, { type: "number" });
  assert.deepEqual(schema.type, "object");
  assert.deepEqual(schema.required, ["id", "state", "diff"]);
});

test("a list's data holds rows, count and truncated; a single read's is the row", () => {
  const columns = new Map([["id", column("id", "integer")]]);
  const list = resultSchemaFor({ visibleColumns: ["id"], single: false, args: [], maxRows: 2 } as unknown as Parameters<typeof resultSchemaFor>[0], columns) as any;
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(list);
  assert.ok(validate({ rows: [{ id: 1 }], count: 1, truncated: false }));
  // The bound the runtime keeps (max_rows), visible without a call: `audit` reports a list without one.
  assert.equal(list.properties.rows.maxItems, 2);
  assert.ok(!validate({ rows: [{ id: 1 }, { id: 2 }, { id: 3 }], count: 3, truncated: false }), "more rows than max_rows fail");
  assert.ok(!validate({ rows: [{}], count: 1, truncated: false }), "a row without a visible column fails");
  assert.ok(!validate({ rows: [{ id: "1" }], count: 1, truncated: false }), "a column of another type fails");
  const single = resultSchemaFor({ visibleColumns: ["id"], single: true, args: [] } as unknown as Parameters<typeof resultSchemaFor>[0], columns) as any;
  assert.deepEqual(single, { type: "object", required: ["id"], properties: { id: { type: "integer" } } });
});

test("a tool's outputSchema: ok and its own typed result, which may be null; every envelope, ok or error, validates", () => {
  const columns = new Map([["id", column("id", "integer")]]);
  const row = resultSchemaFor({ visibleColumns: ["id"], single: true, args: [] } as unknown as Parameters<typeof resultSchemaFor>[0], columns);
  const read = toolOutputSchema("read", row);
  // The smallest exact form: only `ok` required, `type` arrays rather than anyOf, nothing the same for every tool.
  assert.equal(
    JSON.stringify(read),
    '{"type":"object","required":["ok"],"properties":{"ok":{"type":"boolean"},"data":{"type":["object","null"],"required":["id"],"properties":{"id":{"type":"integer"}}}}}',
  );
  const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(read);
  const envelope = (data: unknown) => ({
    ok: true, summary: "s", action: "a.b", kind: "read", data, proposal: null, error: null, evidence: null, source_database_changed: false, _meta: {},
  });
  assert.ok(validate(envelope({ id: 1 })));
  assert.ok(validate({ ...envelope(null), ok: false, error: { code: "RATE_LIMITED", message: "m", retryable: true, retry_after_s: 2 } }));
  assert.ok(!validate(envelope({ id: "1" })), "a column of another type fails");
  assert.ok(!validate(envelope({})), "a row without a visible column fails");
  assert.ok(!validate(envelope([{ id: 1 }])), "data is an object");
  const { ok: _ok, ...withoutOk } = envelope(null);
  assert.ok(!validate(withoutOk), "ok is required");
  assert.ok(!validate({ ...envelope(null), ok: "yes" }), "ok is a boolean");

  const proposal = toolOutputSchema("proposal", { type: "object", required: ["id", "state", "diff"], properties: { id: { type: "string" }, state: { type: "string" }, diff: { type: "object", properties: {} } } }) as any;
  assert.deepEqual(Object.keys(proposal.properties), ["ok", "proposal"]);
  assert.deepEqual(proposal.properties.proposal.type, ["object", "null"]);
  const validateProposal = new Ajv({ strict: true, allowUnionTypes: true }).compile(proposal);
  assert.ok(validateProposal({ ...envelope(null), kind: "proposal", proposal: { id: "wrp_1", state: "review_required", diff: {} } }));
  assert.ok(validateProposal({ ...envelope(null), ok: false, kind: "proposal", error: { code: "POLICY_VIOLATION", message: "m", retryable: false } }));
  assert.ok(!validateProposal({ ...envelope(null), kind: "proposal", proposal: { id: "wrp_1", state: "review_required" } }), "a proposal without its diff fails");
});

test("the full published envelope schema names every envelope field and every error code the runtime has", () => {
  const full = JSON.parse(readFileSync(new URL("../../schemas/result-envelope.v1.schema.json", import.meta.url), "utf8"));
  new Ajv2020({ strict: true, allowUnionTypes: true }).compile(full);
  assert.deepEqual(full.required, [...ENVELOPE_FIELDS]);
  assert.deepEqual(Object.keys(full.properties), [...ENVELOPE_FIELDS]);
  const error = full.properties.error.anyOf.find((s: { type: string }) => s.type === "object");
  assert.deepEqual(error.properties.code.enum, [...ERROR_CODES]);
});
