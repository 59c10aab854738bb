// Turns filesystem and SQLite failures on the ledger file into one error with a plain-words message.
// The message names the store path for operators; it is not meant for MCP callers (map it to
// TEMPORARILY_UNAVAILABLE with our own text there). The raw cause stays in `detail`.

import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describeCause } from "../errors.ts";
import { NewerSchemaError } from "./migrations.ts";

export type StoreAction = "create" | "open" | "read" | "write";

const VERBS: Record<StoreAction, string> = {
  create: "cannot create the store at",
  open: "cannot open the store at",
  read: "cannot read the store at",
  write: "cannot write to the store at",
};

export class StoreUnavailableError extends Error {
  /** The stable code callers should answer with. */
  readonly code = "TEMPORARILY_UNAVAILABLE" as const;
  readonly path: string;
  readonly action: StoreAction;
  /** Plain-words reason, e.g. "permission denied". */
  readonly reason: string;
  /** Raw cause (errno or SQLite text) for logs and the operator; never for a caller. */
  readonly detail: string;
  /**
   * Whether the same step may well succeed if tried again later without anyone acting: a busy
   * file, a database server restarting or out of reach. False for a store that needs an operator
   * (deleted, damaged, refused login, missing permission).
   */
  readonly transient: boolean;
  constructor(path: string, action: StoreAction, reason: string, detail: string, transient = false) {
    super(`${VERBS[action]} ${path}: ${reason}`);
    this.name = "StoreUnavailableError";
    this.path = path;
    this.action = action;
    this.reason = reason;
    this.detail = detail;
    this.transient = transient;
  }
}

/** A store fault that waiting may cure (see StoreUnavailableError.transient). */
export function isTransientStoreFault(err: unknown): err is StoreUnavailableError {
  return err instanceof StoreUnavailableError && err.transient;
}

const ERRNO_REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "a parent of the path is not a directory",
  EISDIR: "the path is a directory",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exhausted",
  // Only the directory creation step raises ENOENT: mkdir fails although the parent exists.
  ENOENT: "the directory cannot be created there",
  ENAMETOOLONG: "the path is too long",
  ELOOP: "the path has a symbolic link loop",
  EMFILE: "too many files are open",
  EIO: "a disk input/output error occurred",
};

/** SQLite's "someone else holds the lock": BUSY once the busy timeout ran out, LOCKED within one connection. */
const SQLITE_TRANSIENT = new Set([5, 6]);

// Primary SQLite result codes (extended codes carry the primary code in the low byte).
const SQLITE_REASONS: Record<number, string> = {
  3: "permission denied", // SQLITE_PERM
  5: "the store is locked by another process", // SQLITE_BUSY
  6: "the store is locked by another process", // SQLITE_LOCKED
  8: "the store is read-only", // SQLITE_READONLY
  10: "a disk input/output error occurred", // SQLITE_IOERR
  11: "the file is damaged", // SQLITE_CORRUPT
  13: "the disk is full", // SQLITE_FULL
  14: "the file cannot be opened", // SQLITE_CANTOPEN
  23: "permission denied", // SQLITE_AUTH
  26: "the file is not a ledger database", // SQLITE_NOTADB
};

/** A filesystem error in plain words (for the key file, which sits beside the store). */
export function fileProblem(cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === "string" && code in ERRNO_REASONS ? ERRNO_REASONS[code]! : "an unexpected file system error occurred";
}

/** SQLite codes that mean the store itself is unusable right now, as opposed to a bug in our SQL. */
export function isStoreFault(cause: unknown): boolean {
  const errcode = sqliteCode(cause);
  if (errcode !== undefined) return errcode in SQLITE_REASONS;
  const code = (cause as { code?: unknown } | null)?.code;
  return code === "ERR_INVALID_STATE" || (typeof code === "string" && code in ERRNO_REASONS);
}

export function storeUnavailable(path: string, action: StoreAction, cause: unknown): StoreUnavailableError {
  if (cause instanceof StoreUnavailableError) return cause;
  const errcode = sqliteCode(cause);
  return new StoreUnavailableError(path, action, reasonFor(path, cause), describeCause(cause), errcode !== undefined && SQLITE_TRANSIENT.has(errcode));
}

function reasonFor(path: string, cause: unknown): string {
  if (cause instanceof NewerSchemaError) {
    return `it was written by a newer synapsor-runner (schema ${cause.storeVersion}, this build knows up to ${cause.knownVersion})`;
  }
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === "ERR_INVALID_STATE") return "the ledger has been closed";
  if (typeof code === "string" && code in ERRNO_REASONS) return ERRNO_REASONS[code]!;
  const errcode = sqliteCode(cause);
  if (errcode === 14) return whyCannotOpen(path);
  if (errcode !== undefined && errcode in SQLITE_REASONS) return SQLITE_REASONS[errcode]!;
  return "an unexpected storage error occurred";
}

function sqliteCode(cause: unknown): number | undefined {
  const errcode = (cause as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === "number" ? errcode & 0xff : undefined;
}

// SQLite only says "unable to open database file"; the filesystem usually knows why.
function whyCannotOpen(path: string): string {
  try {
    if (statSync(path).isDirectory()) return ERRNO_REASONS.EISDIR!;
  } catch {
    // Missing file is expected when creating; check the directory instead.
  }
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" && code in ERRNO_REASONS) return ERRNO_REASONS[code]!;
  }
  return SQLITE_REASONS[14]!;
}
