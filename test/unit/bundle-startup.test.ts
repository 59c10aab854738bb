// What a compiled server pays for at start (docs/performance.md, "cold start, third pass").
// Drivers and optional features are reached only through dynamic import(), so the bundle keeps
// them lazy and a server on a SQLite ledger never evaluates pg before its first tools/list: read
// from esbuild's metafile, the modules reachable from the runtime's entry by static imports alone
// must not include them. And server.mjs is pure ASCII, which Node.js decodes on its fast path.

import { test } from "node:test";
import assert from "node:assert/strict";
import { transform, type Metafile } from "esbuild";
import { asciiSpelling } from "../../compiler/bundle/ascii.ts";
import { runtimeBundleMetafile } from "../support/runtime-bundle.ts";

/** Every input reachable from `entry` without crossing a dynamic import(). */
function staticallyReachable(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const input = metafile.inputs[queue.pop()!];
    for (const edge of input?.imports ?? []) {
      if (edge.kind === "dynamic-import" || edge.external || seen.has(edge.path)) continue;
      seen.add(edge.path);
      queue.push(edge.path);
    }
  }
  return seen;
}

test("the runtime reaches pg, mysql2, jose and the Postgres ledger only through dynamic import()", async () => {
  const metafile = await runtimeBundleMetafile();
  const all = Object.keys(metafile.inputs);
  const atStart = staticallyReachable(metafile, "runtime/index.ts");
  const lazy = /node_modules\/(pg|pg-pool|pg-protocol|mysql2|jose)\/|runtime\/ledger\/postgres\/(database|ledger)\.ts$/;
  // Bundled (a server may need each), but none of them at start.
  for (const wanted of ["node_modules/pg/", "node_modules/jose/", "runtime/ledger/postgres/database.ts"]) {
    assert.ok(all.some((i) => i.includes(wanted)), `${wanted} is in the bundle`);
  }
  assert.deepEqual([...atStart].filter((i) => lazy.test(i)), []);
  assert.ok(atStart.has("runtime/ledger/postgres/no-ledger-error.ts"), "the error the review CLI tests for stays a static import");
});

test("non-ASCII characters left in comments are spelled in ASCII; anywhere else the text is kept", async () => {
  const inComments = "// a driver's note \u2014 kept by esbuild\n/* caf\u00e9 \u{1F600} */\nexport const s = \"\\u2014\";\n";
  const ascii = await asciiSpelling(inComments, transform);
  assert.match(ascii, /^[\x00-\x7f]*$/);
  assert.equal(ascii, "// a driver's note \\u{2014} kept by esbuild\n/* caf\\u{e9} \\u{1f600} */\nexport const s = \"\\u2014\";\n");
  // esbuild prints a regular expression as written: spelling its character differently would change
  // what it matches, so the token check refuses and the text stays as it was.
  const inRegex = "// \u2014\nexport const dash = /\u2014/;\n";
  assert.equal(await asciiSpelling(inRegex, transform), inRegex);
  assert.equal(await asciiSpelling("export const plain = 1;\n", transform), "export const plain = 1;\n");
});
