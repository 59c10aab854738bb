// Writes an export next to its final name and renames it into place, so a reader never sees
// half a job file or half a replay. Exports carry ledger content (evidence rows, the change set,
// who approved), so the file is the owner's alone: 0600 whatever the umask, also when it replaces
// an existing file with wider permissions.

import { closeSync, fchmodSync, linkSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { CliError, EXIT } from "../../cli/program.ts";

/**
 * With `replace: false` an existing file is never replaced: the finished temporary file is linked
 * to the final name, which fails if that name exists (no window between a check and the write),
 * and the refusal names --force.
 */
export function writeFileAtomically(path: string, text: string, options: { replace?: boolean } = {}): void {
  const target = resolve(path);
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    mkdirSync(dirname(target), { recursive: true });
    const fd = openSync(temporary, "wx", 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    if (options.replace === false) {
      linkSync(temporary, target);
      rmSync(temporary, { force: true });
    } else {
      renameSync(temporary, target);
    }
  } catch (err) {
    rmSync(temporary, { force: true });
    const code = (err as { code?: string }).code ?? "unknown error";
    if (code === "EEXIST" && options.replace === false) {
      throw new CliError(`${path} already exists; nothing was written. Choose another --output, or pass --force to replace it.`);
    }
    throw new CliError(`Cannot write ${path} (${code}).`, EXIT.environment);
  }
}
