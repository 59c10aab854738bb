// Writes the build output so that a failed or interrupted build never leaves a
// half-written directory: everything goes to a sibling staging directory first, which
// then replaces the old output with renames.

import { mkdirSync, renameSync, rmSync, writeFileSync, existsSync, chmodSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import type { FileMap } from "../emit/emit.ts";

export function writeTreeAtomically(outDir: string, files: FileMap): void {
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString("hex");
  const staging = join(parent, `.${basename(target)}.staging-${suffix}`);
  const previous = join(parent, `.${basename(target)}.previous-${suffix}`);
  try {
    for (const [path, text] of files) {
      const file = join(staging, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      if (path === "server.mjs") chmodSync(file, 0o755);
    }
    if (existsSync(target)) renameSync(target, previous);
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw err;
  }
  rmSync(previous, { recursive: true, force: true });
}
