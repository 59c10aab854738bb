// The outputSchema of one tool: the result envelope (runtime/envelope.ts) with `data` (a read) or
// `proposal` (a proposal) typed for that tool. It is sent once per tool in every tools/list, so it
// describes only what a client branches on: `ok`, `summary`, `kind`, the tool's own result shape
// and `error`. The other envelope fields (`action`, the result field that is always null for this
// kind, `evidence`, `source_database_changed`, `_meta`) are still in every result; the root is
// open, so they validate, and schemas/result-envelope.v1.schema.json describes them in full. It
// must accept every envelope the tool returns, ok or not (an error envelope has `data` and
// `proposal` null): the SDK Client validates structuredContent against it and rejects the call
// otherwise.

import type { JsonSchema } from "./capability.ts";

const STRING = { type: "string" };
const BOOLEAN = { type: "boolean" };

/** Every field of every envelope, in order (runtime/envelope.ts). */
export const ENVELOPE_FIELDS = ["ok", "summary", "action", "kind", "data", "proposal", "error", "evidence", "source_database_changed", "_meta"] as const;

const ERROR_SCHEMA = {
  type: ["object", "null"],
  required: ["code", "message", "retryable"],
  // retry_after_s: seconds until a RATE_LIMITED call may be admitted (absent on other errors).
  properties: { code: STRING, message: STRING, retryable: BOOLEAN, retry_after_s: { type: "integer" } },
};

/** The value of a fixed patch column set to null. */
export const NULL_SCHEMA: JsonSchema = { type: "null" };

/**
 * The envelope of one tool: `result` is the success shape of its `data` (a read) or `proposal`
 * (a proposal), widened here to accept null (error envelopes).
 */
export function envelopeOutputSchema(kind: "read" | "proposal", result: JsonSchema): JsonSchema {
  const field = kind === "read" ? "data" : "proposal";
  return {
    type: "object",
    required: ["ok", field, "error"],
    properties: { ok: BOOLEAN, summary: STRING, kind: { const: kind }, [field]: orNull(result), error: ERROR_SCHEMA },
  };
}

/** The same schema that also admits null; `{}` (anything) and null-only schemas stay as they are. */
export function orNull(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (type === undefined || type === "null") return schema;
  const types = Array.isArray(type) ? type : [type];
  return types.includes("null") ? schema : { ...schema, type: [...types, "null"] };
}
