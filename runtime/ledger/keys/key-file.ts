// The single-host default key source: `<store>.key`, a JSON file readable only by its owner,
// created on first use. Rotation adds a new active key and keeps the old ones for verifying.
// The file is re-read when it changes, so a rotation reaches a running server without a restart.

import { randomBytes } from "node:crypto";
import { closeSync, constants, fstatSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { fileProblem } from "../store-error.ts";
import { LedgerKeyError, MIN_SECRET_LENGTH, keyIdOf, ledgerKey, type KeyRing, type LedgerKey } from "./key-ring.ts";

const FORMAT = "synapsor.ledger-keys.v1";

interface KeyFileJson {
  format: typeof FORMAT;
  active: string;
  keys: { id: string; secret: string; created_at: string }[];
}

export function keyFilePath(storePath: string): string {
  return `${storePath}.key`;
}

/** Reads the file only when a key is first needed, so commands that never seal or verify never touch it. */
export function fileKeyRing(path: string, now: () => Date = () => new Date()): KeyRing {
  const source = `the key file ${path}`;
  let loaded: LoadedKeys | undefined;
  let read = false;
  const refresh = () => {
    if (!read) {
      loaded = readKeyFile(path);
      read = true;
      return;
    }
    const stats = statOrUndefined(path);
    if (!stats) return;
    // Any change to the file (a rotation's rename, an edit, a chmod or chown) means reading it
    // again, with its mode and owner checked again: a key file opened to other users stops sealing.
    if (!loaded || loaded.version !== versionOf(stats)) loaded = readKeyFile(path);
  };
  return {
    kind: "file",
    source,
    active() {
      refresh();
      if (!loaded) loaded = createKeyFile(path, now);
      return loaded.keys[0]!;
    },
    find(id) {
      if (!read) refresh();
      let key = loaded?.keys.find((k) => k.id === id);
      if (!key) {
        refresh();
        key = loaded?.keys.find((k) => k.id === id);
      }
      return key;
    },
    keys() {
      refresh();
      return loaded ? [...loaded.keys] : [];
    },
  };
}

export interface RotateOptions {
  now?: () => Date;
  /** How long to wait for another rotation of the same file to finish before refusing. */
  lockWaitMs?: number;
}

/** A rotation holds its lock for a few milliseconds (one fsync); waiting this long means something is wrong. */
const LOCK_WAIT_MS = 2000;
const LOCK_POLL_MS = 10;

/**
 * Adds a new active key (creating the file if there is none) and keeps every older key.
 * Rotations of one file are serialised by a lock file: two read-change-rename cycles
 * interleaving would each drop the other's new key, and every record sealed with a dropped key
 * would stay unverifiable for good.
 */
export function rotateKeyFile(path: string, options: RotateOptions = {}): { active: LedgerKey; retired: LedgerKey[] } {
  const now = options.now ?? (() => new Date());
  return withRotationLock(path, options.lockWaitMs ?? LOCK_WAIT_MS, () => {
    const existing = readKeyFile(path);
    if (!existing) {
      const created = createKeyFile(path, now);
      return { active: created.keys[0]!, retired: [] };
    }
    const fresh = newKey(now);
    const keys = [fresh, ...existing.keys.filter((k) => k.id !== fresh.id)];
    let tmp: string | undefined;
    try {
      // Written aside and renamed over the old file, so a reader sees the old keys or the new ones, never half a file.
      tmp = writeTemporary(path, serialise(keys));
      renameSync(tmp, path);
    } catch (err) {
      if (tmp) rmSync(tmp, { force: true });
      throw new LedgerKeyError(`cannot rewrite the ledger key file ${path}: ${fileProblem(err)}; the old keys are unchanged.`);
    }
    return { active: fresh, retired: existing.keys };
  });
}

/** Runs `work` holding `<path>.lock`, created exclusively (O_EXCL) and removed afterwards. */
function withRotationLock<T>(path: string, waitMs: number, work: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  let fd: number | undefined;
  while (fd === undefined) {
    try {
      fd = openSync(lock, "wx", 0o600);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EEXIST") {
        throw new LedgerKeyError(`cannot lock the ledger key file ${path} for rotation (creating ${lock}): ${fileProblem(err)}; the keys are unchanged.`);
      }
      if (Date.now() >= deadline) {
        throw new LedgerKeyError(
          `another key rotation holds the lock ${lock}; the keys are unchanged. Retry when it has finished; ` +
            `if no rotation is running (one was killed part way), remove ${lock} and retry.`,
        );
      }
      sleep(LOCK_POLL_MS);
    }
  }
  try {
    return work();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface LoadedKeys {
  /** Active first. */
  keys: LedgerKey[];
  /** The file's stats when it was read (see versionOf). */
  version: string;
}

/** Changes whenever the file does: replaced (inode), written (size, mtime), or its mode or owner changed (ctime). */
function versionOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw new LedgerKeyError(`cannot read the ledger key file ${path}: ${fileProblem(err)}.`);
  }
}

/**
 * The file's keys, or undefined when there is no file; refuses a file others could read or
 * another user owns. The file is opened once and its mode checked on that descriptor (fstat),
 * then read through it: a file swapped in between a check and a read by path is never used.
 */
function readKeyFile(path: string): LoadedKeys | undefined {
  let fd: number;
  try {
    // Non-blocking, so a FIFO put in the file's place is refused below instead of hanging the open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as { code?: unknown }).code === "ENOENT") return undefined;
    throw new LedgerKeyError(`cannot read the ledger key file ${path}: ${fileProblem(err)}.`);
  }
  try {
    return readOpenKeyFile(path, fd);
  } finally {
    closeSync(fd);
  }
}

function readOpenKeyFile(path: string, fd: number): LoadedKeys {
  const stats = fstatSync(fd);
  if (!stats.isFile()) throw new LedgerKeyError(`the ledger key file ${path} is not a regular file.`);
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new LedgerKeyError(
      `the ledger key file ${path} belongs to another user (uid ${stats.uid}); it must belong to the user running synapsor-runner (uid ${uid}). ` +
        `Fix it with: chown ${uid} ${path}`,
    );
  }
  if ((stats.mode & 0o077) !== 0) {
    throw new LedgerKeyError(
      `the ledger key file ${path} can be read or written by other users (mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}); ` +
        `refusing to use it. Fix it with: chmod 600 ${path}`,
    );
  }
  let text: string;
  try {
    text = readFileSync(fd, "utf8");
  } catch (err) {
    throw new LedgerKeyError(`cannot read the ledger key file ${path}: ${fileProblem(err)}.`);
  }
  let json: KeyFileJson;
  try {
    json = JSON.parse(text) as KeyFileJson;
  } catch {
    throw new LedgerKeyError(`the ledger key file ${path} is not valid JSON; restore it from a backup.`);
  }
  const keys = parseKeys(json, path);
  return { keys, version: versionOf(stats) };
}

function parseKeys(json: KeyFileJson, path: string): LedgerKey[] {
  const broken = (why: string) => new LedgerKeyError(`the ledger key file ${path} ${why}; restore it from a backup.`);
  if (json?.format !== FORMAT || !Array.isArray(json.keys) || json.keys.length === 0) throw broken(`is not a ${FORMAT} file`);
  const keys = json.keys.map((entry) => {
    if (typeof entry?.secret !== "string" || entry.secret.length < MIN_SECRET_LENGTH) throw broken("holds a key that is missing or too short");
    // The id is derived from the secret; a mismatch means the file was edited by hand.
    if (entry.id !== keyIdOf(entry.secret)) throw broken("names a key by an id that does not match it");
    return ledgerKey(entry.secret, typeof entry.created_at === "string" ? entry.created_at : null);
  });
  const active = keys.find((k) => k.id === json.active);
  if (!active) throw broken("names an active key it does not hold");
  return [active, ...keys.filter((k) => k !== active)];
}

function newKey(now: () => Date): LedgerKey {
  return ledgerKey(randomBytes(32).toString("base64url"), now().toISOString());
}

function serialise(keys: LedgerKey[]): string {
  const json: KeyFileJson = {
    format: FORMAT,
    active: keys[0]!.id,
    keys: keys.map((k) => ({ id: k.id, secret: k.secret, created_at: k.createdAt ?? "" })),
  };
  return JSON.stringify(json, null, 2) + "\n";
}

/** Writes `text` to a new owner-only file beside `path` and returns its name. */
function writeTemporary(path: string, text: string): string {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  return tmp;
}

/**
 * Creates the file with one fresh key. The file appears complete or not at all (written aside,
 * then hard-linked into place), and when two processes start at once the first link wins and
 * both use its key.
 */
function createKeyFile(path: string, now: () => Date): LoadedKeys {
  let tmp: string;
  try {
    tmp = writeTemporary(path, serialise([newKey(now)]));
  } catch (err) {
    throw new LedgerKeyError(`cannot create the ledger key file ${path}: ${fileProblem(err)}.`);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EEXIST") {
      unlinkSync(tmp);
      throw new LedgerKeyError(`cannot create the ledger key file ${path}: ${fileProblem(err)}.`);
    }
  }
  unlinkSync(tmp);
  const loaded = readKeyFile(path);
  if (!loaded) throw new LedgerKeyError(`the ledger key file ${path} disappeared while it was being created.`);
  return loaded;
}
