// File names the generator derives from valid config names stay distinct: two executors whose names
// differ never share a handler stub file (capability names that would collide are refused by the
// config rules already: INVALID_CAPABILITY_NAME).

import { test } from "node:test";
import assert from "node:assert/strict";
import { validateContract } from "../../compiler/config/validate.ts";
import { buildHandlerStubs } from "../../operator/handler-stub/stub.ts";
import { INVOICES, contractFor, planCase, waiver, type PlanCase } from "../support/plan-fixtures.ts";

const handler = (urlEnv: string) => ({ type: "http_handler", url_env: urlEnv, auth: { type: "bearer_env", token_env: "HANDLER_TOKEN" } });

test("executors whose names map to one file name (x.y, x_y) get one stub file each", () => {
  const c: PlanCase = { engine: "postgres", capability: waiver(), tables: [INVOICES], executors: { "x.y": handler("URL_A"), x_y: handler("URL_B") } };
  const raw = contractFor(c);
  raw.capabilities[0].executor = "x.y";
  raw.capabilities.push({ ...structuredClone(raw.capabilities[0]), name: "billing.propose_other_waiver", executor: "x_y" });
  const planned = planCase(c, raw);
  assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
  const contract = validateContract(raw);
  assert.ok(contract.ok);
  const stubs = buildHandlerStubs(contract.value, planned.plan);
  assert.deepEqual(stubs.map((s) => [s.executor, s.file]), [["x.y", "x_y.handler.ts"], ["x_y", "x_y-2.handler.ts"]]);
});
