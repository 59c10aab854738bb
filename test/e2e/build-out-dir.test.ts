// `build --out DIR` replaces DIR whole, so it must only ever replace a directory it wrote:
// never a project root, its parent, the ledger directory, or files someone added to an output.

import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../support/example.ts";

const SNAPSHOT = join(EXAMPLE_DIR, "synapsor.schema.json");
const example = () => JSON.parse(readFileSync(EXAMPLE_CONFIG_PATH, "utf8"));

/** A project as a team has it: a git repository, a ledger, a config, notes. */
function project(config: unknown = example()): { dir: string; files: string[] } {
  const dir = tempDir("synapsor-project-");
  mkdirSync(join(dir, ".git", "objects"), { recursive: true });
  writeFileSync(join(dir, ".git", "HEAD"), "ref: refs/heads/main\n");
  mkdirSync(join(dir, ".synapsor"));
  writeFileSync(join(dir, ".synapsor", "local.db"), "ledger bytes");
  writeFileSync(join(dir, ".synapsor", "local.db.key"), "key bytes");
  writeFileSync(join(dir, "synapsor.runner.json"), JSON.stringify(config, null, 2) + "\n");
  writeFileSync(join(dir, "README.md"), "# app\n");
  mkdirSync(join(dir, "app"));
  return { dir, files: [".git/HEAD", ".synapsor/local.db", ".synapsor/local.db.key", "synapsor.runner.json", "README.md"] };
}

function assertIntact(dir: string, files: string[]): void {
  for (const f of files) assert.ok(existsSync(join(dir, f)), `${f} must survive`);
  assert.deepEqual(readdirSync(dir).filter((n) => /staging|previous/.test(n)), [], "no staging left behind");
}

describe("build refuses an output directory it did not write", () => {
  test("--out . in a project directory: refused, nothing removed, the message says why and the fix", async () => {
    const { dir, files } = project();
    const r = await runCli(["build", "--config", "synapsor.runner.json", "--out", ".", "--schema", SNAPSHOT], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /refused/);
    assert.match(r.stderr, /current directory/);
    assert.match(r.stderr, /fix: .*--out generated/);
    assertIntact(dir, files);
  });

  test("--out .. from a subdirectory: refused, nothing removed", async () => {
    const { dir, files } = project();
    const r = await runCli(["build", "--config", "../synapsor.runner.json", "--out", "..", "--schema", SNAPSHOT], { cwd: join(dir, "app") });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /current directory or one of its parents/);
    assertIntact(dir, files);
  });

  test("build.out_dir: \".\" in the config: refused the same way", async () => {
    const { dir, files } = project({ ...example(), build: { out_dir: "." } });
    const r = await runCli(["build", "--config", "synapsor.runner.json", "--schema", SNAPSHOT, "--json"], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.error.code, "OUTPUT_DIR_NOT_OWNED");
    assert.ok(report.error.fix.length > 0);
    assertIntact(dir, files);
  });

  test("the project directory named by path from elsewhere, and .synapsor: not an earlier build output", async () => {
    const { dir, files } = project();
    for (const out of [dir, join(dir, ".synapsor")]) {
      const r = await runCli(["build", "--config", join(dir, "synapsor.runner.json"), "--out", out, "--schema", SNAPSHOT]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /not empty and is not an earlier build output/);
      assert.match(r.stderr, /new or empty directory/);
    }
    assertIntact(dir, files);
  });
});

describe("an output path that cannot be a directory", () => {
  test("--out under a regular file: a refusal with a code and the fix, no stack trace", async () => {
    const { dir, files } = project();
    for (const json of [false, true]) {
      const r = await runCli(["build", "--config", "synapsor.runner.json", "--out", "README.md/out", "--schema", SNAPSHOT, ...(json ? ["--json"] : [])], { cwd: dir });
      assert.equal(r.code, 1, r.stderr);
      assert.doesNotMatch(r.stderr + r.stdout, /unexpected failure|EEXIST|ENOTDIR|\n\s+at /, r.stderr);
      if (json) {
        const report = JSON.parse(r.stdout);
        assert.equal(report.error.code, "OUTPUT_DIR_NOT_WRITABLE");
        assert.ok(report.error.fix.length > 0);
      } else {
        assert.match(r.stderr, /README\.md is not a directory/);
        assert.match(r.stderr, /fix: /);
      }
    }
    assert.equal(readFileSync(join(dir, "README.md"), "utf8"), "# app\n");
    assertIntact(dir, files);
  });
});

describe("the output path on the terminal", () => {
  test("a control character in --out is shown escaped in the build summary", async () => {
    const { dir } = project();
    const r = await runCli(["build", "--config", "synapsor.runner.json", "--out", "gen\u001b[2Jout", "--schema", SNAPSHOT], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes("\u001b"), r.stdout);
    assert.match(r.stdout, /gen\\u001b\[2Jout/);
  });
});

describe("build replaces an earlier output, and only that", () => {
  let dir: string;
  let out: string;
  before(async () => {
    dir = tempDir("synapsor-out-");
    out = join(dir, "generated");
    mkdirSync(out); // an empty directory is fine
    const r = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", out, "--schema", SNAPSHOT]);
    assert.equal(r.code, 0, r.stderr);
  });

  test("an earlier output with files the build did not write: refused, and those files stay", async () => {
    writeFileSync(join(out, "NOTES.md"), "mine\n");
    writeFileSync(join(out, "src", "helper.ts"), "export {};\n");
    const before = readFileSync(join(out, "manifest.json"), "utf8");
    const r = await runCli(["build", "--config", EXAMPLE_CONFIG_PATH, "--out", out, "--schema", SNAPSHOT]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /earlier build output but also holds files the build did not write: NOTES\.md, src\/helper\.ts/);
    assert.match(r.stderr, /fix: Move those files out/);
    assert.equal(readFileSync(join(out, "NOTES.md"), "utf8"), "mine\n");
    assert.ok(existsSync(join(out, "src", "helper.ts")));
    assert.equal(readFileSync(join(out, "manifest.json"), "utf8"), before, "the earlier output is untouched");
  });

  test("a rebuild over the earlier output works and drops the files of a capability removed since", async () => {
    const { rmSync } = await import("node:fs");
    rmSync(join(out, "NOTES.md"));
    rmSync(join(out, "src", "helper.ts"));
    const fewer = example();
    const removed = fewer.capabilities.pop().name as string;
    const configPath = join(dir, "fewer.json");
    writeFileSync(configPath, JSON.stringify(fewer, null, 2) + "\n");
    assert.ok(existsSync(join(out, "src", "capabilities", `${removed}.ts`)));
    const r = await runCli(["build", "--config", configPath, "--out", out, "--schema", SNAPSHOT]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(out, "src", "capabilities", `${removed}.ts`)), false);
    assert.equal(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).capabilities.length, fewer.capabilities.length);
    assert.deepEqual(readdirSync(dir).filter((n) => /staging|previous/.test(n)), []);
  });
});

describe("build without an output directory", () => {
  test("says so before compiling anything, with the fix", async () => {
    const { dir, files } = project();
    const r = await runCli(["build", "--config", "synapsor.runner.json", "--schema", SNAPSHOT], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /No output directory: pass --out DIR or set build\.out_dir in the config\./);
    assert.doesNotMatch(r.stderr, /type-checking|bundling/, "the compile must not run first");
    assertIntact(dir, files);
  });

  test("a config that does not load is still reported whole by the compile", async () => {
    const { dir } = project({ ...example(), capabilities: "none" });
    const r = await runCli(["build", "--config", "synapsor.runner.json", "--schema", SNAPSHOT], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /build failed at validate/);
    assert.doesNotMatch(r.stderr, /No output directory/);
  });
});
