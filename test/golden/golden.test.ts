// Every folder under test/golden/ is a case: a config that must build into exactly its
// expected/ sources and manifest, or fail with exactly the diagnostics in its stderr.txt.
// test/golden/README.md explains how to add one; `npm run golden:update` records them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { compile } from "../../compiler/pipeline.ts";
import { discoverCases } from "./cases.ts";
import { driftReport, produceOutcome } from "./outcome.ts";

const cases = discoverCases();

for (const c of cases) {
  const what = c.expects === "failure" ? "fails with exactly the diagnostics in stderr.txt" : "generates exactly the sources and manifest in expected/";
  test(`golden ${c.name}: ${what}`, async () => {
    const report = driftReport(c, await produceOutcome(c));
    if (report !== undefined) assert.fail(report);
  });
}

test("two builds of the same inputs are byte-identical, bundle included", async () => {
  const c = cases.find((x) => x.name === "support-billing") ?? cases.find((x) => x.expects === "build");
  assert.ok(c, "at least one golden case builds");
  const options = {
    configPath: resolve(c.dir, c.config),
    ...(c.schema !== undefined ? { schema: { kind: "snapshot" as const, path: resolve(c.dir, c.schema) } } : {}),
  };
  const first = await compile(options);
  const second = await compile(options);
  assert.ok(first.ok && second.ok);
  assert.deepEqual([...first.files.keys()], [...second.files.keys()]);
  for (const [path, text] of first.files) assert.equal(second.files.get(path), text, path);
  assert.match(first.files.get("server.mjs")!, /^#!\/usr\/bin\/env -S node --max-semi-space-size=4\n/);
});
