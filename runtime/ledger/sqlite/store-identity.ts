// Whether the path still names the file a ledger opened. SQLite keeps writing to an open file
// after it was deleted or replaced (moved over, restored from a backup), so a server would go on
// answering ok:true and handing out proposal ids that exist nowhere anyone will look. One stat
// of the path, compared with the device and inode seen at open, tells; it runs before each write
// transaction, and before a read at most once a second (database.ts), so a loaded server does not
// stat per call.

import { statSync } from "node:fs";

export class StoreIdentity {
  readonly #path: string;
  readonly #dev: number;
  readonly #ino: number;

  private constructor(path: string, dev: number, ino: number) {
    this.#path = path;
    this.#dev = dev;
    this.#ino = ino;
  }

  /** The identity of the file at `path` now (just opened); undefined for ":memory:" or a file that cannot be stat'ed. */
  static of(path: string): StoreIdentity | undefined {
    if (path === ":memory:" || path === "") return undefined;
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats ? new StoreIdentity(path, stats.dev, stats.ino) : undefined;
  }

  /** Why the path no longer names the opened file, or undefined while it does. */
  change(): "deleted" | "replaced" | undefined {
    let stats;
    try {
      stats = statSync(this.#path, { throwIfNoEntry: false });
    } catch {
      // A parent directory gone or unreadable: the store is not reachable by its path any more.
      return "deleted";
    }
    if (!stats) return "deleted";
    return stats.dev === this.#dev && stats.ino === this.#ino ? undefined : "replaced";
  }
}
