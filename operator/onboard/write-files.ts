// Writes the files init produces all or nothing: every target is checked first (an existing file
// needs --force, and all of them are named in one refusal), each file is written to a temporary
// name beside its target, and only when all are written are they renamed into place.

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export type FileKind = "config" | "schema_snapshot" | "env_example" | "apply_env_example" | "client_snippet" | "handler" | "onboarding_selection";

export interface PlannedFile {
  path: string;
  kind: FileKind;
  text: string;
  /** May replace an existing file without --force (the config under --append, a merged .env.example). */
  replaces?: boolean;
}

export type WriteOutcome = { ok: true; written: Array<{ path: string; kind: FileKind }> } | { ok: false; existing: string[] } | { ok: false; failed: string; code: string };

export function existingTargets(files: readonly PlannedFile[], force: boolean): string[] {
  return files.filter((f) => !force && !f.replaces && existsSync(resolve(f.path))).map((f) => resolve(f.path));
}

export function writeAllOrNothing(files: readonly PlannedFile[], force: boolean): WriteOutcome {
  const existing = existingTargets(files, force);
  if (existing.length > 0) return { ok: false, existing };
  const staged: Array<{ temp: string; target: string; kind: FileKind }> = [];
  // The file being written when something fails: set before its directory is made, so a directory
  // that cannot be created is reported against the file that needed it.
  let current = "";
  try {
    for (const file of files) {
      const target = resolve(file.path);
      current = target;
      mkdirSync(dirname(target), { recursive: true });
      const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
      staged.push({ temp, target, kind: file.kind });
      writeFileSync(temp, file.text, { encoding: "utf8", flag: "wx" });
    }
  } catch (err) {
    for (const s of staged) rmSync(s.temp, { force: true });
    const failed = current;
    return { ok: false, failed, code: String((err as { code?: unknown }).code ?? "error") };
  }
  for (const s of staged) renameSync(s.temp, s.target);
  return { ok: true, written: staged.map((s) => ({ path: s.target, kind: s.kind })) };
}
