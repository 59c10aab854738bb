// The server lease: `<store>.lease.json` says which serving processes use a store right now, so
// a second server and the destructive store commands (prune, reset, erase) can refuse instead of
// racing a live one. It holds a list of holders: one normally, several when servers were started
// with --allow-concurrent-store. A holder whose pid is gone (a crash, kill -9) is stale and is
// dropped by the next process that takes or reads the lease. The file names processes, never a
// secret or a URL, and is written whole (temp + rename, 0600), so a reader never sees half of it.

import { closeSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { terminalSafe } from "../text/terminal-safe.ts";

export interface LeaseHolder {
  pid: number;
  hostname: string;
  /** The contract's mode: review or read_only. */
  mode: string;
  /** stdio or http. */
  transport: string;
  started_at: string;
  runner_version: string;
  /** Started with --allow-concurrent-store. */
  allow_concurrent: boolean;
}

/** live: the pid runs on this host; stale: it does not; other_host: written on another machine, so its pid cannot be checked. */
export type HolderStatus = "live" | "stale" | "other_host";

export interface LeaseReading {
  path: string;
  /** none: no lease file; unreadable: a file that is not a lease (its holders cannot be known). */
  state: "none" | "live" | "stale" | "unreadable";
  holders: Array<LeaseHolder & { status: HolderStatus }>;
}

export type LeaseRefusal = { ok: false; message: string; holders: LeaseReading["holders"] };

export interface HeldLease {
  path: string;
  /** Removes this process from the lease (the file too when it was the last holder). Safe to call twice; never throws. */
  release(): void;
}

export function leasePath(storePath: string): string {
  return `${storePath}.lease.json`;
}

/** Reads the lease and classifies each holder. Never throws: a file it cannot use is `unreadable`. */
export function readLease(storePath: string): LeaseReading {
  const path = leasePath(storePath);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { path, state: (err as { code?: unknown }).code === "ENOENT" ? "none" : "unreadable", holders: [] };
  }
  const holders = parseHolders(text);
  if (!holders) return { path, state: "unreadable", holders: [] };
  const classified = holders.map((h) => ({ ...h, status: statusOf(h) }));
  const state = classified.some((h) => h.status !== "stale") ? "live" : "stale";
  return { path, state, holders: classified };
}

/** The holders that may still be running (live here, or on another host where nobody can tell). */
export function activeHolders(reading: LeaseReading): LeaseReading["holders"] {
  return reading.holders.filter((h) => h.status !== "stale");
}

/**
 * Adds this process to the lease. Refused when another holder may be running, unless
 * `allowConcurrent`; stale holders are dropped. Throws only when the file cannot be written.
 */
export function acquireLease(
  storePath: string,
  holder: Pick<LeaseHolder, "mode" | "transport" | "runner_version">,
  options: { allowConcurrent: boolean },
): { ok: true; lease: HeldLease; replaced: LeaseHolder[]; replacedUnreadable: boolean } | LeaseRefusal {
  const path = leasePath(storePath);
  return withLock(path, () => {
    const reading = readLease(storePath);
    const others = activeHolders(reading).filter((h) => !isThisProcess(h));
    if (others.length > 0 && !options.allowConcurrent) {
      return { ok: false as const, message: concurrentRefusal(storePath, others), holders: others };
    }
    const me: LeaseHolder = {
      pid: process.pid,
      hostname: hostname(),
      mode: holder.mode,
      transport: holder.transport,
      started_at: new Date().toISOString(),
      runner_version: holder.runner_version,
      allow_concurrent: options.allowConcurrent,
    };
    writeHolders(path, [...others.map(withoutStatus), me]);
    const replaced = reading.holders.filter((h) => h.status === "stale").map(withoutStatus);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      try {
        withLock(path, () => {
          const remaining = readLease(storePath).holders.filter((h) => !isThisProcess(h) && h.status !== "stale").map(withoutStatus);
          if (remaining.length === 0) rmSync(path, { force: true });
          else writeHolders(path, remaining);
        });
      } catch {
        // Best effort at exit: a lease left behind is stale once this pid is gone, and is replaced then.
      }
    };
    return { ok: true as const, lease: { path, release }, replaced, replacedUnreadable: reading.state === "unreadable" };
  });
}

/** What a command that would destroy data says when a server may be using the store. */
export function liveLeaseRefusal(storePath: string, command: string, holders: LeaseReading["holders"]): string {
  return (
    `${command} refused: the store ${storePath} is in use by ${describeHolders(holders)} (lease ${leasePath(storePath)}). ` +
    "Stop that server first and run again; pass --force only when you have checked that no server uses the store."
  );
}

/** In words for a message; the file's strings are escaped here, since the server prints its refusal as is. */
export function describeHolders(holders: LeaseReading["holders"]): string {
  return holders
    .map((h) => {
      const transport = h.transport === "http" ? "an HTTP" : `a ${terminalSafe(h.transport)}`;
      const host = h.status === "other_host" ? ` on host ${terminalSafe(h.hostname)}` : "";
      return `${transport} server (pid ${h.pid}${host}, started ${terminalSafe(h.started_at)})`;
    })
    .join(" and ");
}

function concurrentRefusal(storePath: string, holders: LeaseReading["holders"]): string {
  return (
    `the store ${storePath} is already used by ${describeHolders(holders)}. Two servers writing one SQLite ledger ` +
    "contend for it and make its history hard to follow. Stop the other server, or give this one its own --store; " +
    "pass --allow-concurrent-store only for deliberate local debugging."
  );
}

function isThisProcess(h: LeaseHolder): boolean {
  return h.pid === process.pid && h.hostname === hostname();
}

function statusOf(h: LeaseHolder): HolderStatus {
  if (h.hostname !== hostname()) return "other_host";
  return pidIsAlive(h.pid) ? "live" : "stale";
}

/** Signal 0 checks without signalling: ESRCH means no such process; EPERM means it exists under another user. */
function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === "EPERM";
  }
}

function withoutStatus(h: LeaseHolder & { status?: HolderStatus }): LeaseHolder {
  const { status: _status, ...holder } = h;
  return holder;
}

// The file is untrusted input (anyone with write access to the folder can edit it): only
// holders of exactly the expected shape count, and any other content makes the file unreadable.
function parseHolders(text: string): LeaseHolder[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const holders = (value as { holders?: unknown } | null)?.holders;
  if (!Array.isArray(holders)) return undefined;
  const valid = holders.filter(isHolder);
  return valid.length === holders.length ? valid : undefined;
}

function isHolder(v: unknown): v is LeaseHolder {
  const h = v as Record<string, unknown> | null;
  return (
    typeof h === "object" && h !== null &&
    Number.isSafeInteger(h.pid) && (h.pid as number) > 0 &&
    typeof h.hostname === "string" && typeof h.mode === "string" && typeof h.transport === "string" &&
    typeof h.started_at === "string" && typeof h.runner_version === "string" && typeof h.allow_concurrent === "boolean"
  );
}

function writeHolders(path: string, holders: LeaseHolder[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  // Created exclusively: a file (or symbolic link) left at the temporary name is never written through.
  rmSync(temp, { force: true });
  writeFileSync(temp, JSON.stringify({ version: 1, holders }, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  renameSync(temp, path);
}

// Read-modify-write of the lease by two starting servers must not lose one of them: a lock file
// created exclusively serialises them. A lock older than LOCK_STALE_MS belongs to a process that
// died holding it (the critical section takes milliseconds) and is broken.
const LOCK_STALE_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

function withLock<T>(path: string, work: () => T): T {
  const lock = `${path}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (err) {
      if ((err as { code?: unknown }).code !== "EEXIST") throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw Object.assign(new Error(`the lease lock ${lock} is held by another process`), { code: "EBUSY" });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}
