// The handler stub types the approved patch: a column an optional argument feeds is an optional
// property, because the change set lacks it when the model left the argument out.

import { test } from "node:test";
import assert from "node:assert/strict";
import { validateContract } from "../../compiler/config/validate.ts";
import { buildHandlerStubs } from "../../operator/handler-stub/stub.ts";
import { INVOICES, contractFor, planCase, waiver, type PlanCase } from "../support/plan-fixtures.ts";

test("an optional argument's column is optional in the stub's Patch type; the others stay required", () => {
  const capability = waiver();
  capability.args.reason.required = false;
  const c: PlanCase = {
    engine: "postgres",
    capability,
    tables: [INVOICES],
    executors: { writer: { type: "http_handler", url_env: "HANDLER_URL", auth: { type: "bearer_env", token_env: "HANDLER_TOKEN" } } },
  };
  const planned = planCase(c);
  assert.ok(planned.ok);
  const contract = validateContract(contractFor(c));
  assert.ok(contract.ok);
  const [stub] = buildHandlerStubs(contract.value, planned.plan);
  assert.ok(stub);
  assert.match(stub.text, /\n {2}waiver_reason\?: string \| null;/);
  assert.match(stub.text, /from the argument reason \(absent when it was left out/);
  assert.match(stub.text, /\n {2}late_fee_cents: number;/);
  assert.match(stub.text, /\n {2}status: "open";/);
});
