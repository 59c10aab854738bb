// Which directories `build` (and the serve cache) may replace: output-dir.ts decides, write-tree.ts obeys.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspectOutputDir } from "../../compiler/output/output-dir.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import { tempDir } from "../support/compiled-server.ts";

const manifest = (names: string[]) => JSON.stringify({ manifest_version: 1, runner_version: "0.1.0", capabilities: names.map((name) => ({ name })) });

test("absent and empty directories may be written; a file, a symbolic link or a foreign manifest.json may not", () => {
  const dir = tempDir("synapsor-outdir-");
  assert.deepEqual(inspectOutputDir(join(dir, "new")), { ok: true, kind: "absent" });
  mkdirSync(join(dir, "empty", "src"), { recursive: true });
  assert.deepEqual(inspectOutputDir(join(dir, "empty")), { ok: true, kind: "empty" });
  writeFileSync(join(dir, "file"), "x");
  assert.match((inspectOutputDir(join(dir, "file")) as any).refusal.message, /not a directory/);
  symlinkSync(join(dir, "empty"), join(dir, "link"));
  assert.match((inspectOutputDir(join(dir, "link")) as any).refusal.message, /symbolic link/);
  mkdirSync(join(dir, "npm"));
  writeFileSync(join(dir, "npm", "manifest.json"), JSON.stringify({ name: "some-web-app", version: "1.0.0" }));
  assert.match((inspectOutputDir(join(dir, "npm")) as any).refusal.message, /not an earlier build output/);
});

test("an earlier output owns exactly the files its manifest accounts for", () => {
  const dir = tempDir("synapsor-outdir-");
  mkdirSync(join(dir, "src", "capabilities"), { recursive: true });
  writeFileSync(join(dir, "manifest.json"), manifest(["a.read"]));
  writeFileSync(join(dir, "src", "capabilities", "a.read.ts"), "");
  writeFileSync(join(dir, "server.mjs"), "");
  const state = inspectOutputDir(dir);
  assert.equal(state.ok && state.kind, "earlier_build");
  writeFileSync(join(dir, "cache.json"), "{}");
  assert.equal(inspectOutputDir(dir).ok, false, "a file only another writer owns");
  assert.equal(inspectOutputDir(dir, ["cache.json"]).ok, true, "…unless that writer says so");
});

test("names shown in a refusal cannot drive the terminal", () => {
  const dir = tempDir("synapsor-outdir-");
  writeFileSync(join(dir, "evil\u001b[2J\u202e.txt"), "");
  const state = inspectOutputDir(dir);
  assert.equal(state.ok, false);
  const message = (state as any).refusal.message as string;
  assert.doesNotMatch(message, /[\u001b\u202e]/);
  assert.match(message, /evil\\u001b\[2J\\u202e\.txt/);
});

test("a refused write changes nothing; an accepted one replaces the owned files only", () => {
  const dir = tempDir("synapsor-outdir-");
  const out = join(dir, "out");
  writeFileSync(join(dir, "keep.txt"), "keep");
  const refused = writeTreeAtomically(dir, new Map([["manifest.json", manifest([])]]));
  assert.equal(refused.ok, false);
  assert.equal(readFileSync(join(dir, "keep.txt"), "utf8"), "keep");
  assert.deepEqual(writeTreeAtomically(out, new Map([["manifest.json", manifest(["a.read"])], ["src/capabilities/a.read.ts", "1"]])), { ok: true });
  assert.deepEqual(writeTreeAtomically(out, new Map([["manifest.json", manifest([])]])), { ok: true });
  assert.equal(existsSync(join(out, "src")), false);
  assert.equal(readFileSync(join(out, "manifest.json"), "utf8"), manifest([]));
});
