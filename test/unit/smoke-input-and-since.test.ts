// The two small parsers behind smoke call and errors list: the untrusted smoke-input shape and --since.

import { test } from "node:test";
import assert from "node:assert/strict";
import { checkSmokeInput } from "../../operator/smoke/smoke-input.ts";
import { sinceTime } from "../../operator/errors/format.ts";
import { storePathFromBundle } from "../../compiler/config/paths.ts";

test("smoke-input: only { tool?, args } with a capability name and a plain, shallow object", () => {
  assert.deepEqual(checkSmokeInput({ tool: "billing__inspect_invoice", args: { id: "A" } }), { ok: true, input: { tool: "billing__inspect_invoice", args: { id: "A" } } });
  assert.deepEqual(checkSmokeInput({ args: {} }), { ok: true, input: { args: {} } });
  for (const bad of [null, [], "x", { tool: "billing.x" }, { tool: "../etc", args: {} }, { tool: "Billing.X", args: {} }, { args: [] }, { args: {}, extra: 1 }, { args: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }]) {
    assert.equal(checkSmokeInput(bad).ok, false, JSON.stringify(bad));
  }
});

test("--since: ages and ISO times become ISO times; anything else is refused", () => {
  const now = new Date("2026-05-16T12:00:00.000Z");
  assert.equal(sinceTime("30m", now), "2026-05-16T11:30:00.000Z");
  assert.equal(sinceTime("2d", now), "2026-05-14T12:00:00.000Z");
  assert.equal(sinceTime("2026-05-01", now), "2026-05-01T00:00:00.000Z");
  assert.equal(sinceTime("2026-05-01T09:00Z", now), "2026-05-01T09:00:00.000Z");
  for (const bad of ["yesterday", "5", "-1h", "2026-13-45", "2026-02-30", "2026-04-31T10:00Z"]) assert.equal(sinceTime(bad, now), undefined, bad);
});

test("the bundle's store path: relative to where server.mjs is written; an absolute config path stays absolute", () => {
  const config = "/srv/app/synapsor.runner.json";
  assert.equal(storePathFromBundle("/srv/app/generated", { storage: { sqlite_path: "./.synapsor/local.db" } }, config), "../.synapsor/local.db");
  assert.equal(storePathFromBundle("/srv/app", {}, config), ".synapsor/local.db");
  assert.equal(storePathFromBundle("/srv/app/.synapsor/cache/0123456789abcdef", {}, config), "../../local.db");
  assert.equal(storePathFromBundle("/elsewhere", { storage: { sqlite_path: "/var/lib/ledger.db" } }, config), "/var/lib/ledger.db");
});
