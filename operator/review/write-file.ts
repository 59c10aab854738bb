// Writes an export next to its final name and renames it into place, so a reader never sees
// half a job file or half a replay.

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { CliError, EXIT } from "../../cli/program.ts";

export function writeFileAtomically(path: string, text: string): void {
  const target = resolve(path);
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(temporary, text, { mode: 0o644 });
    renameSync(temporary, target);
  } catch (err) {
    rmSync(temporary, { force: true });
    const code = (err as { code?: string }).code ?? "unknown error";
    throw new CliError(`Cannot write ${path} (${code}).`, EXIT.environment);
  }
}
