import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "../../compiler/pipeline.ts";
import { compareTree } from "../../compiler/output/compare-tree.ts";
import { GOLDEN_CASES } from "./cases.ts";

for (const c of GOLDEN_CASES) {
  test(`golden: ${c.name} generates exactly the checked-in sources and manifest`, async () => {
    const result = await compile({ configPath: c.config, schema: { kind: "snapshot", path: c.schema }, bundle: false });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics, null, 2));
    const differences = compareTree(c.expectedDir, result.files);
    assert.deepEqual(differences, [], "generated output drifted; review, then run `npm run golden:update`");
  });
}

test("two builds of the same inputs are byte-identical, bundle included", async () => {
  const c = GOLDEN_CASES[0]!;
  const first = await compile({ configPath: c.config, schema: { kind: "snapshot", path: c.schema } });
  const second = await compile({ configPath: c.config, schema: { kind: "snapshot", path: c.schema } });
  assert.ok(first.ok && second.ok);
  assert.deepEqual([...first.files.keys()], [...second.files.keys()]);
  for (const [path, text] of first.files) assert.equal(second.files.get(path), text, path);
  assert.match(first.files.get("server.mjs")!, /^#!\/usr\/bin\/env -S node --max-semi-space-size=4\n/);
});
