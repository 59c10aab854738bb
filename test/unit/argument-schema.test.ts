// An argument's inputSchema says each bound once: an enum whose values all fit the length bound
// needs no maxLength beside it (tools/list repeats every keyword on every connection); the plan,
// and so the plan hash, keep the bound.

import { test } from "node:test";
import assert from "node:assert/strict";
import { inputSchemaFor } from "../../compiler/plan/arguments.ts";
import type { ArgPlan } from "../../compiler/plan/capability-plan.ts";

const arg = (extra: Partial<ArgPlan>): ArgPlan => ({ name: "carrier", type: "string", required: true, maxLength: 32, ...extra });
const schemaOf = (a: ArgPlan) => (inputSchemaFor([a]).properties as Record<string, Record<string, unknown>>).carrier;

test("an enum within the length bound drops maxLength; a plain string keeps it", () => {
  assert.deepEqual(schemaOf(arg({ enum: ["dhl", "ups", "postnl"] })), { type: "string", enum: ["dhl", "ups", "postnl"] });
  assert.deepEqual(schemaOf(arg({})), { type: "string", maxLength: 32 });
});

test("an enum with a value longer than the bound keeps maxLength, so the same values are accepted", () => {
  // Counted in code points, as JSON Schema counts maxLength: an emoji is one, though two UTF-16 units.
  assert.deepEqual(schemaOf(arg({ maxLength: 3, enum: ["dhl", "postnl"] })), { type: "string", maxLength: 3, enum: ["dhl", "postnl"] });
  assert.deepEqual(schemaOf(arg({ maxLength: 2, enum: ["😀😀"] })), { type: "string", enum: ["😀😀"] });
});
