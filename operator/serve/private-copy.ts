// The verified bytes of a cached server, written where only this user can change them, for the
// child to run. The cache directory sits in the project and may be writable by others; running
// server.mjs from there would read the file a second time, after the check.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PrivateServerCopy {
  path: string;
  remove(): void;
}

export function privateServerCopy(bytes: Uint8Array): PrivateServerCopy {
  // mkdtemp creates the directory 0700; the file is read-only and created exclusively.
  const dir = mkdtempSync(join(tmpdir(), "synapsor-serve-"));
  const path = join(dir, "server.mjs");
  writeFileSync(path, bytes, { mode: 0o400, flag: "wx" });
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Also when this process ends some other way; a SIGKILL leaves the copy for the OS's tmp cleaning.
  process.once("exit", remove);
  return {
    path,
    remove: () => {
      process.off("exit", remove);
      remove();
    },
  };
}
