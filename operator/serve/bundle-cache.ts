// The build cache behind `mcp serve`: one compiled server per (config bytes, schema,
// runner version), so restarting a client does not pay for a rebuild, and any change to
// what the server would contain gives a new directory instead of a stale one.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve as resolvePath } from "node:path";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import { compile, type SchemaInput } from "../../compiler/pipeline.ts";

/** Written last-in-the-tree by the same atomic rename as server.mjs; its key proves the entry complete. */
export const CACHE_MARKER = "cache.json";

export interface CachedServer {
  key: string;
  dir: string;
  serverPath: string;
  /** false when this call compiled the server. */
  reused: boolean;
}

export type CachedServerResult = { ok: true; server: CachedServer } | { ok: false; stage: string; diagnostics: Diagnostic[] };

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

export function isCompleteCacheEntry(dir: string, key: string): boolean {
  if (!existsSync(join(dir, "server.mjs"))) return false;
  try {
    const marker = JSON.parse(readFileSync(join(dir, CACHE_MARKER), "utf8")) as { key?: unknown };
    return marker.key === key;
  } catch {
    return false;
  }
}

export interface EnsureOptions {
  configPath: string;
  schema: SchemaInput;
  snapshot: SchemaSnapshot;
  runnerVersion: string;
  progress?: (message: string) => void;
}

/** Returns the cached server for these inputs, compiling and writing it first when absent. */
export async function ensureCachedServer(options: EnsureOptions): Promise<CachedServerResult> {
  const configBytes = readFileSync(options.configPath);
  const key = bundleCacheKey(configBytes, options.snapshot, options.runnerVersion);
  const dir = cacheDirFor(options.configPath, key);
  const serverPath = join(dir, "server.mjs");
  if (isCompleteCacheEntry(dir, key)) return { ok: true, server: { key, dir, serverPath, reused: true } };

  const result = await compile({
    configPath: options.configPath,
    schema: options.schema,
    // Already loaded for the cache key; a live schema is not inspected a second time.
    snapshot: options.snapshot,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  if (!result.ok) return { ok: false, stage: result.stage, diagnostics: result.diagnostics };
  result.files.set(
    CACHE_MARKER,
    JSON.stringify({ key, runner_version: options.runnerVersion, config_file: result.plan.config.file, config_sha256: result.plan.config.sha256 }, null, 2) + "\n",
  );
  // A concurrent `mcp serve` may have finished the same entry meanwhile; its copy is identical, and a
  // server may already be running from it, so leave it in place.
  if (!isCompleteCacheEntry(dir, key)) {
    const written = writeTreeAtomically(dir, result.files, { extraOwned: [CACHE_MARKER] });
    if (!written.ok) return { ok: false, stage: "write", diagnostics: [{ code: written.refusal.code, pointer: "", message: written.refusal.message, fix: written.refusal.fix }] };
  }
  return { ok: true, server: { key, dir, serverPath, reused: false } };
}
