// Writes the build output so that a failed or interrupted build never leaves a
// half-written directory: everything goes to a sibling staging directory first, which
// then replaces the old output with renames. Only a directory the build owns is replaced
// (see output-dir.ts), and of the old output only the files the build wrote are deleted.

import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import type { FileMap } from "../emit/emit.ts";
import { inspectOutputDir, listFiles, notWritable, type OutputDirRefusal } from "./output-dir.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

export type TreeWrite =
  | { ok: true; /** The replaced output, left in place because something the build did not write appeared in it meanwhile. */ leftover?: string }
  | { ok: false; refusal: OutputDirRefusal };

export interface TreeWriteOptions {
  /** Files a caller adds beside the build's own, which an earlier write by that caller may have left. */
  extraOwned?: readonly string[];
  /** Runs once every file is staged, before the swap; the files it returns are staged last. */
  seal?: (stagingDir: string) => FileMap;
}

/**
 * A filesystem failure (no permission, a full disk, a path that changed meanwhile) is a refusal
 * with the error's code only and a fix, never a stack trace; what was there is restored.
 */
export function writeTreeAtomically(outDir: string, files: FileMap, options: TreeWriteOptions = {}): TreeWrite {
  try {
    return writeTree(outDir, files, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code !== "string") throw err;
    return notWritable(
      `could not write ${terminalSafe(JSON.stringify(outDir))} (${terminalSafe(code)}).`,
      "Check that the output path and its parent directories are directories you can write to, with free space, or pass --out another directory.",
    );
  }
}

function writeTree(outDir: string, files: FileMap, options: TreeWriteOptions): TreeWrite {
  const state = inspectOutputDir(outDir, options.extraOwned);
  if (!state.ok) return state;
  const owned = state.kind === "earlier_build" ? state.owned : new Set<string>();
  const target = resolve(outDir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString("hex");
  const staging = join(parent, `.${basename(target)}.staging-${suffix}`);
  const previous = join(parent, `.${basename(target)}.previous-${suffix}`);
  try {
    const stage = (entries: FileMap) => {
      for (const [path, text] of entries) {
        const file = join(staging, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
        if (path === "server.mjs") chmodSync(file, 0o755);
      }
    };
    stage(files);
    if (options.seal) stage(options.seal(staging));
    if (existsSync(target)) renameSync(target, previous);
    renameSync(staging, target);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (existsSync(previous) && !existsSync(target)) renameSync(previous, target);
    throw err;
  }
  if (!existsSync(previous)) return { ok: true };
  return removeOwned(previous, owned) ? { ok: true } : { ok: true, leftover: previous };
}

/** Deletes the owned files, then the directory when only (empty) directories remain; true when it did. */
function removeOwned(dir: string, owned: ReadonlySet<string>): boolean {
  for (const file of listFiles(dir)) if (owned.has(file)) unlinkSync(join(dir, file));
  if (listFiles(dir).length > 0) return false;
  rmSync(dir, { recursive: true });
  return true;
}
