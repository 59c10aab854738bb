// The build cache behind `mcp serve`: one compiled server per (config bytes, schema,
// runner version), so restarting a client does not pay for a rebuild, and any change to
// what the server would contain gives a new directory instead of a stale one.
//
// The cache is an executable nobody reviews, next to the project. Its record (cache.json)
// holds the SHA-256 of server.mjs and the identity of the file this machine wrote (device,
// inode, change time, which no edit, copy or checkout keeps), and `mcp serve` runs only bytes
// that match both: an edited server.mjs, or a whole entry copied or committed in, is rebuilt.
// Anyone who can write the entry can compute such a record, so the cache directory, the entry,
// server.mjs and cache.json must also belong to this user and be writable by nobody else: an
// entry planted by another user (or left writable to one) is rebuilt too. This holds against
// other users; a process running as the same user can still plant a matching entry.

import { createHash } from "node:crypto";
import { chmodSync, closeSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, statSync, type BigIntStats, type Stats } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import { compile, type SchemaInput } from "../../compiler/pipeline.ts";

/** Written last-in-the-tree by the same atomic rename as server.mjs; its key proves the entry complete. */
export const CACHE_MARKER = "cache.json";
const SERVER = "server.mjs";

export interface CachedServer {
  key: string;
  dir: string;
  serverPath: string;
  /** false when this call compiled the server. */
  reused: boolean;
  /** The verified contents of server.mjs: what must run, read once. */
  bytes: Buffer;
}

export type CachedServerResult =
  | { ok: true; server: CachedServer; /** Why an existing entry was not reused, for the operator. */ notice?: string }
  | { ok: false; stage: string; diagnostics: Diagnostic[] };

/** What the record says about server.mjs. */
export interface ServerRecord {
  sha256: string;
  size: number;
  dev: string;
  ino: string;
  ctime_ns: string;
}

export type CacheEntryCheck =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: "absent" | "other_entry" | "tampered"; detail: string };

export function bundleCacheKey(configBytes: Uint8Array, snapshot: SchemaSnapshot, runnerVersion: string): string {
  const hash = createHash("sha256");
  // Length-prefixed parts, so no two different inputs concatenate to the same bytes.
  for (const part of [configBytes, Buffer.from(JSON.stringify(snapshot)), Buffer.from(runnerVersion)]) {
    hash.update(`${part.length}:`);
    hash.update(part);
  }
  return hash.digest("hex");
}

/** `.synapsor/cache/<first 16 hex of the key>/` next to the config. */
export function cacheDirFor(configPath: string, key: string): string {
  return join(dirname(resolvePath(configPath)), ".synapsor", "cache", key.slice(0, 16));
}

/**
 * Reads server.mjs once and checks those bytes and that open file against the record: the
 * bytes returned are exactly the ones that were hashed, so a swap after the check cannot run.
 */
export function verifyCacheEntry(dir: string, key: string): CacheEntryCheck {
  const markerPath = join(dir, CACHE_MARKER);
  if (!existsSync(markerPath) && !existsSync(join(dir, SERVER))) return { ok: false, reason: "absent", detail: "no cached build" };
  let record: { key?: unknown; server?: Partial<ServerRecord> };
  try {
    record = JSON.parse(readFileSync(markerPath, "utf8")) as typeof record;
  } catch {
    return { ok: false, reason: "tampered", detail: `${CACHE_MARKER} is missing or unreadable` };
  }
  // Another key sharing the 16-character directory name: a different build, not a tampered one.
  if (record.key !== key) return { ok: false, reason: "other_entry", detail: "the entry belongs to other inputs" };
  const server = record.server;
  if (!server || typeof server.sha256 !== "string") return { ok: false, reason: "tampered", detail: `${CACHE_MARKER} records no hash of ${SERVER}` };
  for (const [path, what] of [[dirname(dir), "the cache directory"], [dir, "the entry directory"], [markerPath, CACHE_MARKER]] as const) {
    const unsafe = unsafeOwnership(safeLstat(path), what);
    if (unsafe) return { ok: false, reason: "tampered", detail: unsafe };
  }
  let fd: number;
  try {
    fd = openSync(join(dir, SERVER), "r");
  } catch {
    return { ok: false, reason: "tampered", detail: `${SERVER} is missing` };
  }
  try {
    const unsafe = unsafeOwnership(fstatSync(fd), SERVER);
    if (unsafe) return { ok: false, reason: "tampered", detail: unsafe };
    const identity = fileIdentity(fstatSync(fd, { bigint: true }));
    const bytes = readFileSync(fd);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (sha256 !== server.sha256 || bytes.length !== server.size) return { ok: false, reason: "tampered", detail: `${SERVER} does not match the SHA-256 recorded when it was built` };
    if (identity.dev !== server.dev || identity.ino !== server.ino || identity.ctime_ns !== server.ctime_ns) {
      return { ok: false, reason: "tampered", detail: `${SERVER} is not the file this machine built (it was copied, restored or changed since)` };
    }
    return { ok: true, bytes };
  } finally {
    closeSync(fd);
  }
}

export interface EnsureOptions {
  configPath: string;
  schema: SchemaInput;
  snapshot: SchemaSnapshot;
  runnerVersion: string;
  progress?: (message: string) => void;
}

/** Returns the verified cached server for these inputs, compiling and writing it first when absent or not verified. */
export async function ensureCachedServer(options: EnsureOptions): Promise<CachedServerResult> {
  const configBytes = readFileSync(options.configPath);
  const key = bundleCacheKey(configBytes, options.snapshot, options.runnerVersion);
  const dir = cacheDirFor(options.configPath, key);
  const serverPath = join(dir, SERVER);
  const rootNotice = ownCacheRoot(dirname(dir));
  if (typeof rootNotice === "object") return rootNotice;
  const existing = verifyCacheEntry(dir, key);
  if (existing.ok) return { ok: true, server: { key, dir, serverPath, reused: true, bytes: existing.bytes }, ...(rootNotice ? { notice: rootNotice } : {}) };
  const notice = existing.reason === "tampered" ? `the cached build in ${dir} was not used: ${existing.detail}; rebuilding it` : rootNotice;

  const result = await compile({
    configPath: options.configPath,
    schema: options.schema,
    // Already loaded for the cache key; a live schema is not inspected a second time.
    snapshot: options.snapshot,
    // The cache entry is where server.mjs lives, so its default ledger is baked relative to it.
    outDir: dir,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  if (!result.ok) return { ok: false, stage: result.stage, diagnostics: result.diagnostics };
  // A concurrent `mcp serve` may have finished the same entry meanwhile; its copy is identical, so use it.
  if (!verifyCacheEntry(dir, key).ok) {
    const record = (staging: string) => {
      const staged = join(staging, SERVER);
      const bytes = readFileSync(staged);
      const server: ServerRecord = { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, ...fileIdentity(statSync(staged, { bigint: true })) };
      const marker = { key, runner_version: options.runnerVersion, config_file: result.plan.config.file, config_sha256: result.plan.config.sha256, server };
      return new Map([[CACHE_MARKER, JSON.stringify(marker, null, 2) + "\n"]]);
    };
    const written = writeTreeAtomically(dir, result.files, { extraOwned: [CACHE_MARKER], seal: record });
    if (!written.ok) return { ok: false, stage: "write", diagnostics: [{ code: written.refusal.code, pointer: "", message: written.refusal.message, fix: written.refusal.fix }] };
    // server.mjs is written 0755 before it is recorded; the directory and the record follow the umask.
    for (const path of [dir, join(dir, CACHE_MARKER)]) chmodSync(path, statSync(path).mode & 0o755);
  }
  const built = verifyCacheEntry(dir, key);
  if (!built.ok) {
    return {
      ok: false,
      stage: "write",
      diagnostics: [{ code: "CACHE_CHANGED", pointer: "", message: `The cached build in ${dir} changed while it was being written (${built.detail}).`, fix: "Make sure nothing else writes to .synapsor/cache, then run the command again." }],
    };
  }
  return { ok: true, server: { key, dir, serverPath, reused: false, bytes: built.bytes }, ...(notice ? { notice } : {}) };
}

/** Why `stat` (of `what`) is not safe to trust: another user owns it, or others may write it; undefined when it is. */
function unsafeOwnership(stat: Stats | undefined, what: string): string | undefined {
  if (!stat) return `${what} is missing`;
  if (stat.isSymbolicLink()) return `${what} is a symbolic link`;
  // No owners to compare (Windows): the hash and file identity are all there is.
  if (typeof process.getuid !== "function") return undefined;
  if (stat.uid !== process.getuid()) return `${what} belongs to another user (uid ${stat.uid})`;
  if ((stat.mode & 0o022) !== 0) return `${what} is writable by other users`;
  return undefined;
}

function safeLstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Makes sure the cache directory is this user's and only theirs: created 0700 when absent, made
 * not group/other-writable when it is ours, refused when another user owns it (a rebuild inside
 * it could be replaced). Returns a notice when it changed the mode.
 */
function ownCacheRoot(root: string): string | undefined | { ok: false; stage: string; diagnostics: Diagnostic[] } {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const stat = safeLstat(root);
  const unsafe = unsafeOwnership(stat, "the cache directory");
  if (!unsafe) return undefined;
  if (stat && !stat.isSymbolicLink() && stat.uid === process.getuid?.()) {
    chmodSync(root, stat.mode & 0o755);
    return `the cache directory ${root} was writable by other users; it is not any more, and entries are checked again`;
  }
  return {
    ok: false,
    stage: "write",
    diagnostics: [{ code: "CACHE_NOT_OWNED", pointer: "", message: `The build cache ${root} is not safe to run code from: ${unsafe}.`, fix: `Remove ${root} (it is rebuilt on the next run) or make it yours and writable only by you.` }],
  };
}

/** Device, inode and change time: a rename keeps them, any write, chmod, copy or checkout does not. */
function fileIdentity(stat: BigIntStats): Pick<ServerRecord, "dev" | "ino" | "ctime_ns"> {
  return { dev: String(stat.dev), ino: String(stat.ino), ctime_ns: String(stat.ctimeNs) };
}
