// The bundle's static imports of Node built-ins become require() calls (compiler/bundle/builtin-imports.ts):
// every named, namespace and default import still works, and loading them does not run the
// built-ins' lazy getters (node:util's `diff` loads two internal modules, ~6 ms per start).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { builtinImportsAsRequire } from "../../compiler/bundle/builtin-imports.ts";

const ENTRY = `
import { parseArgs, promisify } from "node:util";
import * as path from "node:path";
import fs from "node:fs";
import EventEmitter from "node:events";
import { createHash } from "node:crypto";
const emitter = new EventEmitter();
const result = {
  parseArgs: parseArgs({ args: ["--x"], options: { x: { type: "boolean" } } }).values.x,
  promisify: typeof promisify,
  join: path.join("a", "b"),
  fs: typeof fs.readFileSync,
  events: typeof emitter.on,
  hash: createHash("sha256").update("x").digest("hex").slice(0, 8),
  // A lazy getter of node:util that esbuild's namespace copy used to run at load.
  lazyLoaded: process.moduleLoadList.some((m) => m.endsWith("internal/util/diff")),
};
console.log(JSON.stringify(result));
`;

test("built-in imports bundled as require() resolve every name without running the built-ins' lazy getters", async () => {
  const out = await build({
    stdin: { contents: ENTRY, loader: "js", resolveDir: process.cwd() },
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    // The bundle's banner gives it a real require().
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    plugins: [builtinImportsAsRequire()],
  });
  const code = out.outputFiles[0]!.text;
  assert.ok(!/^import .* from "node:(util|path|fs|events|crypto)"/m.test(code), "no static import of those built-ins is left");
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    parseArgs: true,
    promisify: "function",
    join: "a/b",
    fs: "function",
    events: "function",
    hash: "2d711642",
    lazyLoaded: false,
  });
});
