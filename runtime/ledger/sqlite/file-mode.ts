// The ledger holds evidence rows (database content), proposals and the review trail, so only its
// owner may read it. A new store file is created 0600 before SQLite opens it, whatever the umask
// (SQLite gives the -wal and -shm files it creates the database file's mode); an existing store of
// ours that other users can read is narrowed to 0600 when it is opened, its -wal and -shm too.

import { chmodSync, closeSync, fchmodSync, openSync, statSync } from "node:fs";

const PRIVATE = 0o600;

export function keepStoreFilePrivate(path: string): void {
  try {
    const fd = openSync(path, "wx", PRIVATE);
    try {
      fchmodSync(fd, PRIVATE); // the umask may have taken bits away; exactly 0600 is the rule
    } finally {
      closeSync(fd);
    }
    return;
  } catch (err) {
    // Any other failure (no such place, no permission) is SQLite's to meet and report, as before.
    if ((err as { code?: unknown }).code !== "EEXIST") return;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) narrow(file);
}

function narrow(file: string): void {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    return; // not there (yet): SQLite creates it with the store's mode
  }
  // Another user's file is theirs to fix; chmod would fail anyway.
  if (!stats.isFile() || stats.uid !== process.getuid?.() || (stats.mode & 0o077) === 0) return;
  chmodSync(file, PRIVATE);
}
