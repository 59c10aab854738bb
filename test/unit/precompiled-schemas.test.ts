// The contract and snapshot validators are compiled ahead of time from their schemas and
// committed (scripts/precompile-schemas.ts). The schema is the source of truth: a committed
// module that differs from what it compiles to fails here with the command that fixes it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PRECOMPILED_SCHEMAS, precompiledSource } from "../../scripts/precompile-schemas.ts";
import { packageFile } from "../../compiler/package-root.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import { validateSnapshot } from "../../compiler/inspect/snapshot-validate.ts";
import { EXAMPLE_CONFIG_PATH } from "../support/example.ts";

for (const entry of PRECOMPILED_SCHEMAS) {
  test(`${entry.module} is what ${entry.schema} compiles to`, () => {
    const committed = readFileSync(packageFile(entry.module), "utf8");
    assert.ok(committed === precompiledSource(entry), `${entry.module} is stale or edited: run npm run schemas:compile and commit the result`);
  });
}

test("the precompiled validators accept the example and refuse a broken copy, naming the field", () => {
  const config = JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));
  assert.equal(validateContract(config).ok, true);
  config.capabilities[0].visible_column = config.capabilities[0].visible_columns;
  const refused = validateContract(config);
  assert.equal(refused.ok, false);
  assert.match(JSON.stringify(!refused.ok && refused.diagnostics), /Unknown property 'visible_column'.*Did you mean 'visible_columns'\?/);

  const snapshot = JSON.parse(readFileSync(packageFile("examples/support-billing/synapsor.schema.json"), "utf8"));
  assert.equal(validateSnapshot(snapshot, "synapsor.schema.json").ok, true);
  snapshot.tables = "not a list";
  const bad = validateSnapshot(snapshot, "synapsor.schema.json");
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.diagnostic.message : "", /at \/tables: /);
});
