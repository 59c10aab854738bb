// Which directories the build may replace. The build swaps its output directory whole, so it
// must only ever swap one it wrote: absent, empty, or an earlier build output (a
// synapsor-runner manifest.json) that holds nothing but the files that build wrote. Anything
// else (a project root, `..`, the ledger directory, an output someone added notes to) is
// refused, naming what is there and how to fix it; no file the build did not write is removed.

import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

export type OutputDirState =
  | { ok: true; kind: "absent" | "empty" }
  | { ok: true; kind: "earlier_build"; owned: ReadonlySet<string> }
  | { ok: false; refusal: OutputDirRefusal };

export interface OutputDirRefusal {
  /** NOT_OWNED: a directory the build must not replace; NOT_WRITABLE: the path cannot be created or written. */
  code: "OUTPUT_DIR_NOT_OWNED" | "OUTPUT_DIR_NOT_WRITABLE";
  message: string;
  fix: string;
}

/** Files every build output may hold besides the per-capability modules its manifest names. */
const ALWAYS_OWNED = ["manifest.json", "server.mjs", "src/server.ts"];
const LISTED = 5;

/**
 * `extraOwned` names files a caller adds to the tree beside the build's own (the serve cache's
 * marker), which an earlier write by the same caller may have left.
 */
export function inspectOutputDir(outDir: string, extraOwned: readonly string[] = []): OutputDirState {
  const target = resolve(outDir);
  const cwd = process.cwd();
  if (target === cwd || cwd.startsWith(target.endsWith(sep) ? target : target + sep)) {
    return refuse(
      `${show(outDir)} is the current directory or one of its parents.`,
      "Pass --out (or build.out_dir) a directory of its own, e.g. --out generated.",
    );
  }
  if (!existsSync(target) && !isDanglingLink(target)) {
    const blocker = nonDirectoryAncestor(target);
    if (blocker !== undefined) {
      return notWritable(
        `${show(relative(cwd, blocker) || blocker)} is not a directory, so ${show(outDir)} cannot be created under it.`,
        "Pass --out (or build.out_dir) a path whose parent directories exist or can be created, e.g. --out generated.",
      );
    }
    return { ok: true, kind: "absent" };
  }
  const stat = lstatSync(target);
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    return refuse(`${show(outDir)} is ${stat.isSymbolicLink() ? "a symbolic link" : "not a directory"}.`, "Pass --out a real directory path the build may own, e.g. --out generated.");
  }
  const files = listFiles(target);
  if (files.length === 0) return { ok: true, kind: "empty" };
  const owned = ownedByEarlierBuild(target);
  if (!owned) {
    return refuse(
      `${show(outDir)} is not empty and is not an earlier build output (it has no synapsor-runner manifest.json); it holds ${describe(files)}.`,
      "Pass --out (or build.out_dir) a new or empty directory, e.g. --out generated; the build replaces that directory whole on every run.",
    );
  }
  for (const extra of extraOwned) owned.add(extra);
  const unknown = files.filter((f) => !owned.has(f));
  if (unknown.length > 0) {
    return refuse(
      `${show(outDir)} is an earlier build output but also holds files the build did not write: ${describe(unknown)}. The build replaces the directory whole and never deletes files it did not write.`,
      `Move those files out of ${show(outDir)} (keep notes and a .gitignore beside it, not in it), or pass --out a new directory.`,
    );
  }
  return { ok: true, kind: "earlier_build", owned };
}

/** Paths (relative, `/`-separated) under `dir`; symbolic links are listed, not followed. */
export function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full, base) : [relative(base, full).split(sep).join("/")];
  });
}

/** The files the build that wrote this manifest produced, or undefined when it is not ours. */
function ownedByEarlierBuild(dir: string): Set<string> | undefined {
  const path = join(dir, "manifest.json");
  try {
    if (!lstatSync(path).isFile()) return undefined;
    const manifest = JSON.parse(readFileSync(path, "utf8")) as { manifest_version?: unknown; runner_version?: unknown; capabilities?: unknown };
    if (typeof manifest.manifest_version !== "number" || typeof manifest.runner_version !== "string" || !Array.isArray(manifest.capabilities)) return undefined;
    const owned = new Set(ALWAYS_OWNED);
    for (const cap of manifest.capabilities as Array<{ name?: unknown }>) {
      if (typeof cap?.name !== "string") return undefined;
      owned.add(`src/capabilities/${cap.name}.ts`);
      owned.add(`src/validators/${cap.name}.mjs`);
      owned.add(`src/validators/${cap.name}.d.mts`);
    }
    return owned;
  } catch {
    return undefined;
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function describe(files: readonly string[]): string {
  const shown = files.slice(0, LISTED).map(show).join(", ");
  return files.length > LISTED ? `${shown} and ${files.length - LISTED} more` : shown;
}

/** Paths come from the filesystem and the command line: quoted when unusual, never with a raw control character. */
function show(path: string): string {
  return /^[\w./@+-]+$/.test(path) ? path : terminalSafe(JSON.stringify(path));
}

/** The nearest existing ancestor of `path` when it is not a directory (a regular file, say). */
function nonDirectoryAncestor(path: string): string | undefined {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(dir)) return statSync(dir).isDirectory() ? undefined : dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function notWritable(message: string, fix: string): { ok: false; refusal: OutputDirRefusal } {
  return { ok: false, refusal: { code: "OUTPUT_DIR_NOT_WRITABLE", message, fix } };
}

function refuse(message: string, fix: string): OutputDirState {
  return { ok: false, refusal: { code: "OUTPUT_DIR_NOT_OWNED", message, fix } };
}
