// `build --check`: compares what the config would produce with what is on disk.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { FileMap } from "../emit/emit.ts";

export interface TreeDifference {
  path: string;
  change: "missing" | "unexpected" | "modified";
  /** First differing line, for a short report. */
  firstDifference?: { line: number; expected: string; actual: string };
}

export function compareTree(outDir: string, expected: FileMap): TreeDifference[] {
  const differences: TreeDifference[] = [];
  const onDisk = new Set(existsSync(outDir) ? listFiles(outDir).map((f) => relative(outDir, f).split("\\").join("/")) : []);
  for (const [path, text] of expected) {
    if (!onDisk.has(path)) {
      differences.push({ path, change: "missing" });
      continue;
    }
    onDisk.delete(path);
    const actual = readFileSync(join(outDir, path), "utf8");
    if (actual !== text) differences.push({ path, change: "modified", firstDifference: firstDifferentLine(text, actual) });
  }
  for (const path of onDisk) if (path.startsWith("src/") || path === "manifest.json") differences.push({ path, change: "unexpected" });
  return differences.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function firstDifferentLine(expected: string, actual: string) {
  const e = expected.split("\n");
  const a = actual.split("\n");
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return { line: i + 1, expected: (e[i] ?? "<end of file>").slice(0, 160), actual: (a[i] ?? "<end of file>").slice(0, 160) };
  }
  return undefined;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}
