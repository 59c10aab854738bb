// The shape of a tool's successful result, typed per column: a read's `data` (its row, or its list
// of rows) with the JSON type of every visible column, a proposal's `proposal` with the diff of its
// visible patch columns. manifest.json publishes it as the capability's result_schema, and the
// tool's outputSchema in tools/list is `ok` plus it (toolOutputSchema). The types are those the
// runtime produces (runtime/values.ts and the drivers' type parsing): bigint and decimal as exact
// text, timestamps and dates as text, binary as base64. Where the runtime's value is not pinned
// down by the type class (json, arrays and other types), the schema says nothing rather than
// something a valid value could contradict, because a client that validates structuredContent
// rejects the whole call on a mismatch.

import type { JsonSchema } from "../../runtime/capability.ts";
import type { ColumnInfo } from "../inspect/snapshot.ts";
import type { ArgPlan, CapabilityPlan } from "./capability-plan.ts";

/** The value of a fixed patch column set to null. */
const NULL_SCHEMA: JsonSchema = { type: "null" };

/** The same schema that also admits null; `{}` (anything) and null-only schemas stay as they are. */
export function orNull(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (type === undefined || type === "null") return schema;
  const types = Array.isArray(type) ? type : [type];
  return types.includes("null") ? schema : { ...schema, type: [...types, "null"] };
}

/** Digits with an optional minus: how a bigint column's value arrives (beyond 2^53, exactly). */
const INT64_TEXT = "^-?[0-9]+$";

/** The JSON Schema of the value one column produces in a result. */
export function columnJsonSchema(column: ColumnInfo): JsonSchema {
  const base = ((): JsonSchema => {
    switch (column.type_class) {
      case "integer":
        return { type: "integer" };
      // NaN and ±Infinity (Postgres floats) have no JSON number and arrive as null, whatever the column says.
      case "number":
        return { type: ["number", "null"] };
      case "boolean":
        return { type: "boolean" };
      case "bigint":
        return { type: "string", pattern: INT64_TEXT };
      // Exact decimal text; Postgres numeric can also hold 'NaN', so no pattern.
      case "decimal":
      case "string":
      case "timestamp":
      case "date":
      case "time":
      case "uuid":
      case "binary":
        return { type: "string" };
      case "json":
      case "other":
        return {};
    }
  })();
  return column.nullable ? orNull(base) : base;
}

/**
 * A row of the visible columns, every one present. That nothing else is present is the runtime's
 * guarantee (runtime/calls/visible.ts), not restated as `additionalProperties: false`.
 */
function rowSchema(columns: ReadonlyArray<{ name: string; info: ColumnInfo }>): JsonSchema {
  return {
    type: "object",
    required: columns.map((c) => c.name),
    properties: Object.fromEntries(columns.map((c) => [c.name, columnJsonSchema(c.info)])),
  };
}

/** The JSON type(s) a patch value arrives as: the argument's own (both forms of an exact number), or the fixed value's. */
function proposedSchema(value: { fixed: unknown } | { arg: string }, args: readonly ArgPlan[]): JsonSchema {
  if ("fixed" in value) {
    const v = value.fixed;
    if (v === null) return NULL_SCHEMA;
    return { type: typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v };
  }
  const arg = args.find((a) => a.name === value.arg);
  if (arg === undefined) return {};
  // An integer argument feeding a bigint column may be written as digit text (its inputSchema's anyOf).
  return arg.type === "integer" && arg.exactNumber?.format ? { type: ["integer", "string"] } : { type: arg.type };
}

type PlanWithoutSchema = Omit<CapabilityPlan, "planHash" | "resultSchema">;

/**
 * A successful result of one capability: the schema of a read's `data` or of a proposal's
 * `proposal` (both null in an error envelope); `columns` holds the inspected column of every
 * selected name.
 */
export function resultSchemaFor(plan: PlanWithoutSchema, columns: ReadonlyMap<string, ColumnInfo>): JsonSchema {
  const visible = plan.visibleColumns.map((name) => ({ name, info: columns.get(name)! }));
  if (!plan.proposal) {
    const row = rowSchema(visible);
    if (plan.single) return row;
    return {
      type: "object",
      required: ["rows", "count", "truncated"],
      // maxItems is the bound the runtime enforces (runtime/calls/read.ts keeps maxRows, flags the rest
      // as truncated), stated where a client or an audit can see it without calling the tool.
      properties: { rows: { type: "array", maxItems: plan.maxRows, items: row }, count: { type: "integer" }, truncated: { type: "boolean" } },
    };
  }
  // The diff lists only the visible patch columns, and one fed by an omitted optional argument not at all.
  const shown = new Set(plan.visibleColumns);
  const diff = Object.fromEntries(
    plan.proposal.patch
      .filter((entry) => shown.has(entry.column))
      .map((entry) => [
        entry.column,
        {
          type: "object",
          required: ["before", "proposed"],
          properties: { before: columnJsonSchema(columns.get(entry.column)!), proposed: proposedSchema(entry.value, plan.args) },
        },
      ]),
  );
  // What a client follows and shows: the id (the proposal resource), the state and the diff. The
  // proposal's other fields (target, approval_required, writeback, next) are in every result and
  // in schemas/result-envelope.v1.schema.json.
  return {
    type: "object",
    required: ["id", "state", "diff"],
    properties: { id: { type: "string" }, state: { type: "string" }, diff: { type: "object", properties: diff } },
  };
}

/**
 * The outputSchema tools/list publishes for one tool: `ok` and the tool's own result, the only
 * field a proposal or a read has of its own. tools/list repeats it for every tool on every
 * connection, so it says nothing that is the same for every tool: the envelope's other fields
 * (`summary`, `action`, `kind`, `error`, `evidence`, ...) are in every result, the root is open so
 * they validate, and schemas/result-envelope.v1.schema.json describes them once. Every result,
 * ok or error, must validate (the SDK Clients reject the call otherwise): only `ok` is required,
 * and the result admits null, which it is in an error envelope.
 */
export function toolOutputSchema(kind: "read" | "proposal", result: JsonSchema): JsonSchema {
  return { type: "object", required: ["ok"], properties: { ok: { type: "boolean" }, [kind === "read" ? "data" : "proposal"]: orNull(result) } };
}
