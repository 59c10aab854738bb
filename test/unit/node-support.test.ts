// Which Node.js the package accepts, and which code the launcher runs: the version guard
// (bin/node-guard.js, shared by the CLI launcher and every compiled server.mjs) agrees with
// "engines", and the repository always runs its TypeScript sources, never a leftover dist/.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { FROM_SOURCES, PACKAGE_ROOT, packageModule, packageTypes } from "../../compiler/package-root.ts";
import { REPO_ROOT, runProcess } from "../support/cli.ts";

const GUARD = readFileSync(join(REPO_ROOT, "bin/node-guard.js"), "utf8");

/** Runs the guard as if under Node.js `version`: what it printed and the exit code it asked for, if any. */
function guardUnder(version: string): { exitCode?: number; stderr: string } {
  const outcome: { exitCode?: number; stderr: string } = { stderr: "" };
  const process = {
    versions: { node: version },
    stderr: { write: (text: string) => (outcome.stderr += text) },
    exit: (code: number) => {
      outcome.exitCode = code;
      throw new Error("exit");
    },
  };
  try {
    runInNewContext(GUARD, { process });
  } catch (err) {
    if (!(err instanceof Error && err.message === "exit")) throw err;
  }
  return outcome;
}

test("engines says ^22.16.0 || >=24, and the guard accepts exactly that", () => {
  const engines = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).engines;
  assert.deepEqual(engines, { node: "^22.16.0 || >=24" });
  // node:sqlite's DatabaseSync `timeout` option and `isTransaction` arrived in 22.16 and 24.0;
  // 23.x never got isTransaction.
  const accepted = ["22.16.0", "22.16.1", "22.22.0", "24.0.0", "24.21.0", "25.2.1", "30.0.0"];
  const refused = ["16.20.2", "18.20.8", "20.20.2", "22.0.0", "22.13.0", "22.15.1", "23.0.0", "23.11.1"];
  for (const version of accepted) assert.deepEqual(guardUnder(version), { stderr: "" }, version);
  for (const version of refused) {
    assert.deepEqual(
      guardUnder(version),
      { exitCode: 1, stderr: `synapsor-runner needs Node.js 22.16 or a later 22.x, or 24 or newer; this is Node.js ${version}.\n` },
      version,
    );
  }
});

test("the guard is plain JavaScript without imports, so any Node.js can read it and the bundle can inline it", () => {
  assert.doesNotMatch(GUARD, /^\s*(import|export)\b/m);
});

test("in the repository the package root is the repository and modules are the .ts sources", () => {
  assert.equal(FROM_SOURCES, true);
  assert.equal(PACKAGE_ROOT, REPO_ROOT);
  assert.equal(packageModule("runtime/index.ts"), join(REPO_ROOT, "runtime/index.ts"));
  assert.equal(packageTypes("handler/index.ts"), join(REPO_ROOT, "handler/index.ts"));
});

test("the launcher runs the sources where they exist, even beside a dist/, and dist/ only without them", async () => {
  const root = mkdtempSync(join(tmpdir(), "synapsor-launcher-"));
  try {
    cpSync(join(REPO_ROOT, "bin"), join(root, "bin"), { recursive: true });
    mkdirSync(join(root, "cli"));
    mkdirSync(join(root, "dist/cli"), { recursive: true });
    writeFileSync(join(root, "cli/main.ts"), 'const from: string = "sources";\nexport async function run(): Promise<void> { console.log(from); }\n');
    writeFileSync(join(root, "dist/cli/main.js"), 'export async function run() { console.log("dist"); }\n');
    const launcher = join(root, "bin/synapsor-runner.js");
    // The compiled-code cache goes to the user's cache directory, never a shared one.
    const cacheHome = join(root, "cache-home");
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    assert.equal((await runProcess(process.execPath, [launcher], { env })).stdout, "sources\n");
    assert.ok(existsSync(join(cacheHome, "synapsor-runner", "compile-cache")), "the compile cache is under XDG_CACHE_HOME");
    rmSync(join(root, "cli"), { recursive: true });
    assert.equal((await runProcess(process.execPath, [launcher])).stdout, "dist\n");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
