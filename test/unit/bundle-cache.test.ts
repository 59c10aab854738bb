// The serve cache key and the verification that decides whether a cached build is reused.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleCacheKey, CACHE_MARKER, cacheDirFor, verifyCacheEntry } from "../../operator/serve/bundle-cache.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { tempDir } from "../support/compiled-server.ts";

const snapshot: SchemaSnapshot = { snapshot_version: 1, engine: "postgres", database: "app", tables: [] };

test("the key changes with the config bytes, the schema and the runner version, and nothing else", () => {
  const config = Buffer.from('{"version":1}');
  const key = bundleCacheKey(config, snapshot, "0.1.0");
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.equal(bundleCacheKey(Buffer.from('{"version":1}'), { ...snapshot }, "0.1.0"), key);
  assert.notEqual(bundleCacheKey(Buffer.from('{"version":1} '), snapshot, "0.1.0"), key);
  assert.notEqual(bundleCacheKey(config, { ...snapshot, database: "other" }, "0.1.0"), key);
  assert.notEqual(bundleCacheKey(config, snapshot, "0.1.1"), key);
});

test("the cache lives in .synapsor/cache next to the config", () => {
  const key = "ab".repeat(32);
  assert.equal(cacheDirFor("/srv/app/synapsor.runner.json", key), `/srv/app/.synapsor/cache/${key.slice(0, 16)}`);
});

test("an entry is reused only when server.mjs matches the hash and file identity its record holds", () => {
  // Inside a private cache directory, as .synapsor/cache is (a shared /tmp is writable by everyone).
  const dir = join(tempDir("synapsor-cache-"), "entry");
  mkdirSync(dir);
  const key = "cd".repeat(32);
  const reason = () => { const c = verifyCacheEntry(dir, key); return c.ok ? "ok" : c.reason; };
  assert.equal(reason(), "absent", "empty directory");
  const server = join(dir, "server.mjs");
  writeFileSync(server, "// bundle");
  assert.equal(reason(), "tampered", "no marker");
  writeFileSync(join(dir, CACHE_MARKER), "{not json");
  assert.equal(reason(), "tampered", "unreadable marker");
  writeFileSync(join(dir, CACHE_MARKER), JSON.stringify({ key: "ef".repeat(32) }));
  assert.equal(reason(), "other_entry", "another key sharing the 16-character prefix directory");
  writeFileSync(join(dir, CACHE_MARKER), JSON.stringify({ key }));
  assert.equal(reason(), "tampered", "a record without a hash (an older runner's) is not trusted");
  const record = () => {
    const bytes = readFileSync(server);
    const stat = statSync(server, { bigint: true });
    const entry = { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, dev: String(stat.dev), ino: String(stat.ino), ctime_ns: String(stat.ctimeNs) };
    writeFileSync(join(dir, CACHE_MARKER), JSON.stringify({ key, server: entry }));
  };
  record();
  const verified = verifyCacheEntry(dir, key);
  assert.ok(verified.ok);
  assert.equal(verified.bytes.toString(), "// bundle", "the bytes checked are the bytes handed back to run");
  writeFileSync(server, "// edited");
  assert.equal(reason(), "tampered", "edited");
  record();
  assert.equal(reason(), "ok");
  const missing = join(dir, "gone");
  mkdirSync(missing);
  writeFileSync(join(missing, CACHE_MARKER), JSON.stringify({ key }));
  assert.equal(verifyCacheEntry(missing, key).ok, false, "marker without server.mjs");
});

test("a cache miss builds from the snapshot the caller already loaded: the schema is not read a second time", async () => {
  const { compile } = await import("../../compiler/pipeline.ts");
  const { readSnapshotFile } = await import("../../compiler/inspect/read-snapshot.ts");
  const { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } = await import("../support/example.ts");
  const loaded = readSnapshotFile(join(EXAMPLE_DIR, "synapsor.schema.json"));
  assert.ok(loaded.ok);
  // A schema input that cannot be read: only the handed-in snapshot can make this build succeed.
  const result = await compile({
    configPath: EXAMPLE_CONFIG_PATH,
    schema: { kind: "snapshot", path: join(tempDir("synapsor-cache-"), "absent.json") },
    snapshot: loaded.snapshot,
    bundle: false,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
});
