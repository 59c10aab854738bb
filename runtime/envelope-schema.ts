// The outputSchema of every tool, and the names of the envelope's fields. tools/list repeats the
// outputSchema for every tool, on every connection, so it states only what every client branches
// on: `ok`, a boolean in every result (runtime/envelope.ts), ok or error. That is also all the SDK
// Clients need to accept a result: they validate structuredContent against it and reject the
// call otherwise, so it must hold for every envelope a tool returns. The rest is described once,
// outside tools/list: schemas/result-envelope.v1.schema.json has every envelope field with its
// meaning, the tool's description (its returns hint) says what a result holds, and the build's
// manifest.json has each capability's result typed per column (compiler/plan/output-schema.ts).

import type { JsonSchema } from "./capability.ts";

/** Every field of every envelope, in order (runtime/envelope.ts). */
export const ENVELOPE_FIELDS = ["ok", "summary", "action", "kind", "data", "proposal", "error", "evidence", "source_database_changed", "_meta"] as const;

/** The outputSchema every tool publishes: an object whose `ok` says whether the call succeeded. */
export const TOOL_OUTPUT_SCHEMA: JsonSchema = Object.freeze({
  type: "object",
  required: Object.freeze(["ok"]),
  properties: Object.freeze({ ok: Object.freeze({ type: "boolean" }) }),
});
