// Opens (creating directories and the file if needed) and migrates a SQLite ledger file.

import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { applyMigrations } from "../migrations.ts";
import { storeUnavailable, type StoreAction } from "../store-error.ts";
import { SqliteDatabase, type StoreLostListener } from "./database.ts";
import { keepStoreFilePrivate } from "./file-mode.ts";
import { StoreIdentity } from "./store-identity.ts";
import { DEFAULT_DURABILITY, synchronousPragma, type Durability } from "../durability.ts";

const BUSY_TIMEOUT_MS = 5000;

/**
 * Throws StoreUnavailableError when the file cannot be created, opened or migrated. durability
 * (default power_loss) is per connection: it decides when this handle's commits are fsynced.
 */
export function openSqliteDatabase(path: string, onLost?: StoreLostListener, durability: Durability = DEFAULT_DURABILITY): SqliteDatabase {
  const inMemory = path === ":memory:";
  const action: StoreAction = inMemory || existsSync(path) ? "open" : "create";
  let db: DatabaseSync | undefined;
  try {
    if (!inMemory) {
      ensureDirectory(dirname(resolve(path)));
      keepStoreFilePrivate(path);
    }
    // The constructor's timeout is the busy timeout; it must be in place before WAL setup takes a lock.
    db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${synchronousPragma(durability)}`);
    db.exec("PRAGMA foreign_keys = ON");
    // The random-id primary-key indexes are written at random places; a bigger cache keeps them off the disk.
    db.exec("PRAGMA cache_size = -16384");
    applyMigrations(db);
    return new SqliteDatabase(db, path, inMemory ? undefined : StoreIdentity.of(path), onLost);
  } catch (err) {
    try {
      if (db?.isOpen) db.close();
    } catch {
      // Closing a half-opened handle can fail too; the original cause is the one to report.
    }
    throw storeUnavailable(path, action, err);
  }
}

/**
 * mkdir -p written out, because Node's recursive mkdirSync never returns on a path such as /proc/x
 * where mkdir keeps failing with ENOENT although the parent exists.
 */
function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "EEXIST") {
      if (statSync(dir).isDirectory()) return;
      throw Object.assign(new Error(`not a directory: ${dir}`), { code: "ENOTDIR" });
    }
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw err;
    ensureDirectory(parent);
    mkdirSync(dir);
  }
}
