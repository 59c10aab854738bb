// The local ledger: the file (or the folder it will be created in) is writable, and its size;
// and its lease: which server (if any) uses it now, and whether a crashed one left a stale lease.

import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { activeHolders, describeHolders, readLease } from "../../runtime/ledger/lease.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";
import { DEFAULT_DURABILITY, type Durability } from "../../runtime/ledger/durability.ts";
import { failed, passed, warned, type DoctorCheck } from "./check.ts";

/** What a crash can lose with each storage.durability, as doctor says it next to the store. */
const DURABILITY_NOTES: Record<Durability, string> = {
  power_loss: "storage.durability power_loss: every commit is fsynced before the reply, so no crash loses a replied call's evidence",
  process_crash: "storage.durability process_crash: a killed server loses nothing, an OS crash or power loss loses the rows since the last WAL checkpoint",
};

export function checkStore(path: string, durability: Durability = DEFAULT_DURABILITY): DoctorCheck {
  const shown = terminalSafe(path);
  const note = DURABILITY_NOTES[durability];
  if (existsSync(path)) {
    const stat = statSync(path);
    if (!stat.isFile()) return failed("store", "store", `The store path ${shown} is not a file.`, "Pass --store with a file path (it is created on first use).");
    if (!writable(path)) return failed("store", "store", `The store ${shown} is not writable by this user.`, `Fix its permissions (chmod u+w) or pass another --store.`);
    return passed("store", "store", `The store ${shown} is writable (${formatBytes(stat.size)}); ${note}.`);
  }
  // The server creates the file and its folders: the nearest existing folder must be writable.
  let folder = dirname(path);
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  if (!statSync(folder).isDirectory() || !writable(folder)) {
    return failed("store", "store", `The store ${shown} does not exist and ${terminalSafe(folder)} is not a writable folder to create it in.`, "Pass --store with a path in a folder this user can write.");
  }
  return passed("store", "store", `The store ${shown} does not exist yet; it will be created on first use; ${note}.`);
}

/** A live lease is worth knowing (prune and reset refuse, a second server is refused), not a failure. */
export function checkLease(path: string): DoctorCheck {
  const reading = readLease(path);
  const file = terminalSafe(reading.path);
  if (reading.state === "none") return passed("store.lease", "store", "No server holds the store's lease (no <store>.lease.json).");
  if (reading.state === "unreadable") {
    return warned("store.lease", "store", `The lease ${file} is not a readable lease.`, "Stop any server using the store and delete the file; the next server writes a new one.");
  }
  const live = activeHolders(reading);
  if (live.length === 0) {
    const holders = reading.holders.map((h) => `pid ${h.pid}, started ${h.started_at}`).join("; ");
    return warned("store.lease", "store", terminalSafe(`The lease ${reading.path} is stale: its server (${holders}) is no longer running.`),
      "Nothing to do: the next server replaces it, and store commands ignore it.");
  }
  return warned("store.lease", "store", terminalSafe(`The store is leased by ${describeHolders(live)}: it is live.`),
    "Expected while that server runs. store prune/reset/erase refuse until it stops, and a second server needs --allow-concurrent-store.");
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
