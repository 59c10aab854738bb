// The local ledger: the file (or the folder it will be created in) is writable, and its size.

import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { failed, passed, type DoctorCheck } from "./check.ts";

export function checkStore(path: string): DoctorCheck {
  const shown = terminalSafe(path);
  if (existsSync(path)) {
    const stat = statSync(path);
    if (!stat.isFile()) return failed("store", "store", `The store path ${shown} is not a file.`, "Pass --store with a file path (it is created on first use).");
    if (!writable(path)) return failed("store", "store", `The store ${shown} is not writable by this user.`, `Fix its permissions (chmod u+w) or pass another --store.`);
    return passed("store", "store", `The store ${shown} is writable (${formatBytes(stat.size)}).`);
  }
  // The server creates the file and its folders: the nearest existing folder must be writable.
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (!statSync(folder).isDirectory() || !writable(folder)) {
    return failed("store", "store", `The store ${shown} does not exist and ${terminalSafe(folder)} is not a writable folder to create it in.`, "Pass --store with a path in a folder this user can write.");
  }
  return passed("store", "store", `The store ${shown} does not exist yet; it will be created on first use.`);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
