// The outputSchema of one tool: the result envelope (runtime/envelope.ts) with `data` and
// `proposal` typed for that tool. It is sent once per tool in every tools/list, so the envelope
// parts are as short as they can be while still saying what a client branches on; the per-tool
// parts carry the row's columns and their JSON types. It must accept every envelope the tool
// returns, ok or not (an error envelope has `data` and `proposal` null): the SDK Client validates
// structuredContent against it and rejects the call otherwise.

import type { JsonSchema } from "./capability.ts";

const STRING = { type: "string" };
const BOOLEAN = { type: "boolean" };

const ENVELOPE_FIELDS = ["ok", "summary", "action", "kind", "data", "proposal", "error", "evidence", "source_database_changed", "_meta"];

const ERROR_SCHEMA = {
  type: ["object", "null"],
  required: ["code", "message", "retryable"],
  // retry_after_s: seconds until a RATE_LIMITED call may be admitted (absent on other errors).
  properties: { code: STRING, message: STRING, retryable: BOOLEAN, retry_after_s: { type: "integer" } },
};

const EVIDENCE_SCHEMA = { type: ["object", "null"], properties: { bundle_id: STRING } };

/** `data` of a proposal and `proposal` of a read: always null. */
export const NULL_SCHEMA: JsonSchema = { type: "null" };

/**
 * The envelope of one tool. `data`/`proposal` are the tool's success shapes; each is widened to
 * accept null (error envelopes) here, so callers describe only the success shape.
 */
export function envelopeOutputSchema(kind: "read" | "proposal", data: JsonSchema, proposal: JsonSchema): JsonSchema {
  return {
    type: "object",
    required: ENVELOPE_FIELDS,
    properties: {
      ok: BOOLEAN,
      summary: STRING,
      action: STRING,
      kind: { const: kind },
      data: orNull(data),
      proposal: orNull(proposal),
      error: ERROR_SCHEMA,
      evidence: EVIDENCE_SCHEMA,
      source_database_changed: BOOLEAN,
      _meta: { type: "object" },
    },
  };
}

/** The same schema that also admits null; `{}` (anything) and null-only schemas stay as they are. */
export function orNull(schema: JsonSchema): JsonSchema {
  const type = schema.type;
  if (type === undefined || type === "null") return schema;
  const types = Array.isArray(type) ? type : [type];
  return types.includes("null") ? schema : { ...schema, type: [...types, "null"] };
}
