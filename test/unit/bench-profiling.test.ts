// The profiling aids of the benchmarks: BENCH_ABLATE's bundle patch (bench/lib/ablate.ts) must
// find the read batch's commit in the runtime as it is bundled today, exactly once, and leave the
// rest of the read path alone; --by-module's line-to-module map (bench/lib/bundle-modules.ts).

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAblation, withoutLedgerCommit } from "../../bench/lib/ablate.ts";
import { bundleModuleOfLine, frameOwner, moduleOwner } from "../../bench/lib/bundle-modules.ts";
import { runtimeBundle } from "../support/runtime-bundle.ts";

test("BENCH_ABLATE=ledger-commit removes the read batch's transaction from today's runtime, and nothing else", async () => {
  const bundle = (await runtimeBundle()).text;
  const ablated = withoutLedgerCommit(bundle);
  assert.notEqual(ablated, bundle);
  assert.match(ablated, /\/\* ablated: no ledger commit \*\//);
  // Each read is still serialised as for the ledger, and the other writers keep their transactions.
  assert.match(ablated, /serialiseRead\(records\[i\]\)/);
  const transactions = (text: string) => text.match(/this\.#db\.transaction\(/g)?.length ?? 0;
  assert.equal(transactions(ablated), transactions(bundle) - 1);
});

test("the ablation refuses a bundle where the commit is missing or ambiguous, naming what to update", () => {
  assert.throws(() => withoutLedgerCommit("export {};"), /found it 0 times.*bench\/lib\/ablate\.ts/);
  const twice = "this.#db.transaction(() => {\n for (const { row } of batch) this.#insert(row);\n});\n".repeat(2);
  assert.throws(() => withoutLedgerCommit(twice), /found it 2 times/);
});

test("BENCH_ABLATE accepts only the known ablations", () => {
  assert.equal(parseAblation(undefined), undefined);
  assert.equal(parseAblation(""), undefined);
  assert.equal(parseAblation("ledger-commit"), "ledger-commit");
  assert.throws(() => parseAblation("ledger"), /must be one of ledger-commit, not 'ledger'/);
});

test("--by-module maps each bundle line to the module esbuild's path comment opened above it", () => {
  const bundle = [
    "#!/usr/bin/env node", // 0
    "// a comment, not a module", // 1
    "// node_modules/pg/lib/client.js", // 2
    "var a = 1;", // 3
    "// runtime/calls/read.ts", // 4
    "function read() {}", // 5
    "// synapsor-generated:src/server.ts", // 6
    "start();", // 7
  ].join("\n");
  const moduleOf = bundleModuleOfLine(bundle);
  assert.equal(moduleOf(0), "(bundle prelude)");
  assert.equal(moduleOf(1), "(bundle prelude)");
  assert.equal(moduleOf(3), "node_modules/pg/lib/client.js");
  assert.equal(moduleOf(5), "runtime/calls/read.ts");
  assert.equal(moduleOf(7), "synapsor-generated:src/server.ts");
  assert.equal(moduleOwner("node_modules/pg/lib/client.js"), "node_modules/pg");
  assert.equal(moduleOwner("node_modules/@electric-sql/pglite/dist/index.js"), "node_modules/@electric-sql/pglite");
  assert.equal(moduleOwner("runtime/calls/read.ts"), "runtime/calls/read.ts");
});

test("--by-module charges each frame to a bundle module, a Node.js module group, or a native function", () => {
  const moduleOf = (line: number) => (line < 10 ? "node_modules/pg-protocol/dist/parser.js" : "runtime/calls/read.ts");
  const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
  assert.equal(frameOwner(frame("parse", "file:///tmp/run/server.mjs", 3), "server.mjs", moduleOf), "node_modules/pg-protocol");
  assert.equal(frameOwner(frame("callRead", "file:///tmp/run/server.mjs", 12), "server.mjs", moduleOf), "runtime/calls/read.ts");
  // Another file of the same directory name is not the bundle.
  assert.equal(frameOwner(frame("x", "file:///tmp/run/other.mjs", 3), "server.mjs", moduleOf), "other.mjs");
  assert.equal(frameOwner(frame("clearBuffer", "node:internal/streams/writable"), "server.mjs", moduleOf), "node:internal");
  assert.equal(frameOwner(frame("(garbage collector)", ""), "server.mjs", moduleOf), "(garbage collector)");
  assert.equal(frameOwner(frame("writev", ""), "server.mjs", moduleOf), "writev (native)");
  assert.equal(frameOwner(frame("", ""), "server.mjs", moduleOf), "(anonymous) (native)");
});
