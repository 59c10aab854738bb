// The package as a new user gets it: `npm pack` of this repository (prepack builds dist/), then
// the tarball installed into an empty project, offline.
//
// Offline needs a lockfile. `npm ci` fills the npm cache with the tarballs the repository's
// lockfile names, but never with the registry's version lists, so a plain `npm install
// ./synapsor-runner-0.1.0.tgz --offline` cannot resolve a range like "^8.23.1" and stops at
// ENOTCACHED. The project therefore gets a lockfile derived from the repository's: the same
// runtime dependencies at the same versions and places (hoisted), none of the dev ones.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { REPO_ROOT, runProcess, type RunResult } from "./cli.ts";
import { envelopeOf } from "./compiled-server.ts";

export interface InstalledPackage {
  /** The empty project the tarball was installed into. */
  appDir: string;
  /** node_modules/synapsor-runner inside it. */
  packageDir: string;
  /** The paths inside the tarball, as `npm pack` listed them. */
  tarballFiles: string[];
  /** Deletes the tarball and the project (about 100 MiB of node_modules). */
  remove(): void;
}

interface PackedFile {
  path: string;
}

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/** Packs the repository and installs the tarball into a new temporary project. Takes seconds, not minutes. */
export async function packAndInstall(): Promise<InstalledPackage> {
  const work = mkdtempSync(join(tmpdir(), "synapsor-package-"));
  const packed = await npm(["pack", "--json", "--pack-destination", work], REPO_ROOT);
  const [entry] = JSON.parse(packed.stdout) as Array<{ filename: string; files: PackedFile[] }>;
  if (!entry) throw new Error(`npm pack printed no entry:\n${packed.stdout}`);

  const appDir = join(work, "app");
  mkdirSync(appDir);
  const spec = `file:../${entry.filename}`;
  writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module", dependencies: { "synapsor-runner": spec } }, null, 2));
  writeFileSync(join(appDir, "package-lock.json"), JSON.stringify(appLockfile(spec), null, 2));
  await npm(["ci", "--offline", "--no-audit", "--no-fund"], appDir);
  return {
    appDir,
    packageDir: join(appDir, "node_modules", "synapsor-runner"),
    tarballFiles: entry.files.map((f) => f.path),
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
}

function appLockfile(spec: string) {
  const repoPackage = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { "synapsor-runner": spec } },
    "node_modules/synapsor-runner": {
      version: repoPackage.version,
      resolved: spec,
      license: repoPackage.license,
      dependencies: repoPackage.dependencies,
      bin: repoPackage.bin,
      engines: repoPackage.engines,
    },
  };
  for (const [path, meta] of Object.entries(repoLock.packages)) {
    if (path !== "" && !meta.dev) packages[path] = meta;
  }
  return { name: "app", lockfileVersion: 3, requires: true, packages };
}

async function npm(args: string[], cwd: string): Promise<RunResult> {
  const result = await runProcess(NPM, args, { cwd, timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`npm ${args.join(" ")} failed (${result.code}):\n${result.stderr}\n${result.stdout}`);
  return result;
}

/**
 * Runs the installed CLI the way `npx synapsor-runner` does: the bin's shebang finds `node` on
 * PATH, so `node` decides which Node.js runs it.
 */
export function runInstalledCli(
  installed: InstalledPackage,
  node: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const bin = join(installed.appDir, "node_modules", ".bin", "synapsor-runner");
  return runProcess(bin, args, {
    cwd: options.cwd ?? installed.appDir,
    env: withNodeFirst(node, options.env ?? process.env),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** An environment whose PATH finds this Node.js binary first. */
export function withNodeFirst(node: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: `${dirname(node)}${delimiter}${env.PATH ?? ""}` };
}

/**
 * `synapsor-runner mcp serve ARGS` from the installed bin under `node`, driven by the MCP SDK's
 * real client: the tool names it lists and the envelope of one open-tickets read.
 */
export async function serveInstalledAndRead(
  installed: InstalledPackage,
  node: string,
  options: { args: string[]; cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ tools: string[]; envelope: any }> {
  const transport = new StdioClientTransport({
    command: join(installed.appDir, "node_modules", ".bin", "synapsor-runner"),
    args: ["mcp", "serve", ...options.args],
    cwd: options.cwd,
    env: withNodeFirst(node, { PATH: process.env.PATH ?? "", ...options.env }) as Record<string, string>,
    stderr: "pipe",
  });
  const client = new Client({ name: "synapsor-installed", version: "1.0.0" });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const envelope = envelopeOf(await client.callTool({ name: "support.list_open_tickets", arguments: { customer_id: "C-101" } }));
    return { tools: tools.map((t) => t.name).sort(), envelope };
  } finally {
    await client.close();
  }
}
