// The names of the envelope's fields (runtime/envelope.ts), in order. Each tool's outputSchema,
// `ok` plus its own typed result, is built at compile time (compiler/plan/output-schema.ts);
// schemas/result-envelope.v1.schema.json describes every field once, for every tool.

/** Every field of every envelope, in order (runtime/envelope.ts). */
export const ENVELOPE_FIELDS = ["ok", "summary", "action", "kind", "data", "proposal", "error", "evidence", "source_database_changed", "_meta"] as const;
