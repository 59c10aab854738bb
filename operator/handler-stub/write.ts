// Writes generated handler files without ever replacing the app team's edits by accident:
// every target is checked before anything is written, and an existing file needs --force.

import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

export type WriteOutcome = { ok: true; written: string[] } | { ok: false; existing: string[] };

export function writeGeneratedFiles(dir: string, files: Array<{ file: string; text: string }>, force: boolean): WriteOutcome {
  const targets = files.map((f) => ({ path: resolve(dir, f.file), text: f.text }));
  const existing = targets.filter((t) => existsSync(t.path)).map((t) => t.path);
  if (existing.length > 0 && !force) return { ok: false, existing };
  for (const t of targets) {
    mkdirSync(dirname(t.path), { recursive: true });
    // Write then rename, so an interrupted run never leaves half a file in the app's tree.
    const temp = `${t.path}.${process.pid}.tmp`;
    writeFileSync(temp, t.text);
    renameSync(temp, t.path);
  }
  return { ok: true, written: targets.map((t) => t.path) };
}
