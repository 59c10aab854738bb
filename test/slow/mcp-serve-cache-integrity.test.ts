// `mcp serve` runs a cached server.mjs that nobody reviews. It runs only bytes that match the
// record written when this machine built the entry: an edited bundle, or a forged record that
// matches the edit, is rebuilt instead of run, with one line saying so.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_DIR } from "../support/example.ts";

/** Code put right after the shebang: if it ever runs, it leaves a file behind. */
function tamper(serverPath: string, marker: string): void {
  const text = readFileSync(serverPath, "utf8");
  const firstLineEnd = text.indexOf("\n") + 1;
  const payload = `process.getBuiltinModule("node:fs").writeFileSync(${JSON.stringify(marker)}, "tampered code ran");\n`;
  writeFileSync(serverPath, text.slice(0, firstLineEnd) + payload + text.slice(firstLineEnd));
}

describe("mcp serve verifies its cached build before running it", () => {
  let dir: string;
  let configPath: string;
  let entryDir: string;
  // No database is needed: the server only has to start (stdin is closed at once, so it stops).
  const env = { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: "postgres://u@127.0.0.1:1/none", SYNAPSOR_TENANT_ID: "t", SYNAPSOR_PRINCIPAL: "p" };
  const serve = () => runCli(["mcp", "serve", "--config", configPath, "--store", join(dir, "ledger.db")], { env, cwd: dir });

  before(async () => {
    dir = tempDir("synapsor-serve-cache-");
    configPath = join(dir, "synapsor.runner.json");
    copyFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), join(dir, "synapsor.schema.json"));
    writeFileSync(configPath, JSON.stringify({ ...exampleConfigFor("postgres"), build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
    const first = await serve();
    assert.match(first.stderr, /built /, first.stderr);
    const cache = join(dir, ".synapsor", "cache");
    entryDir = join(cache, readdirSync(cache)[0]!);
  });

  test("an untouched entry is reused and says it was verified", async () => {
    const again = await serve();
    assert.match(again.stderr, /using the cached build .*\(SHA-256 verified\)/, again.stderr);
  });

  test("an edited server.mjs is not run: it is rebuilt, and the operator is told", async () => {
    const marker = join(dir, "edited-ran");
    tamper(join(entryDir, "server.mjs"), marker);
    const r = await serve();
    assert.equal(existsSync(marker), false, "the tampered code ran");
    assert.match(r.stderr, /was not used: server\.mjs does not match the SHA-256 recorded when it was built; rebuilding it/, r.stderr);
    assert.doesNotMatch(readFileSync(join(entryDir, "server.mjs"), "utf8"), /tampered code ran/, "the entry was rebuilt");
  });

  test("an edit with a record forged to match it is not run either", async () => {
    const marker = join(dir, "forged-ran");
    const serverPath = join(entryDir, "server.mjs");
    tamper(serverPath, marker);
    const bytes = readFileSync(serverPath);
    const recordPath = join(entryDir, "cache.json");
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    record.server.sha256 = createHash("sha256").update(bytes).digest("hex");
    record.server.size = bytes.length;
    writeFileSync(recordPath, JSON.stringify(record, null, 2) + "\n");
    const r = await serve();
    assert.equal(existsSync(marker), false, "the tampered code ran");
    assert.match(r.stderr, /was not used: server\.mjs is not the file this machine built/, r.stderr);
  });

  /** What someone who can write the entry could leave there: an edit and a record that matches it, file identity and all. */
  function plant(marker: string): void {
    const serverPath = join(entryDir, "server.mjs");
    tamper(serverPath, marker);
    const bytes = readFileSync(serverPath);
    const recordPath = join(entryDir, "cache.json");
    const record = JSON.parse(readFileSync(recordPath, "utf8"));
    const stat = statSync(serverPath, { bigint: true });
    record.server = { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, dev: String(stat.dev), ino: String(stat.ino), ctime_ns: String(stat.ctimeNs) };
    writeFileSync(recordPath, JSON.stringify(record, null, 2) + "\n");
  }

  test("an entry planted with a matching record is not run when others may write it: it is rebuilt", async () => {
    const marker = join(dir, "planted-ran");
    chmodSync(join(entryDir, "server.mjs"), 0o777);
    plant(marker);
    const r = await serve();
    assert.equal(existsSync(marker), false, "the planted code ran");
    assert.match(r.stderr, /was not used: server\.mjs is writable by other users; rebuilding it/, r.stderr);
    assert.equal(statSync(join(entryDir, "server.mjs")).mode & 0o022, 0, "the rebuilt entry is writable only by its owner");
    assert.match((await serve()).stderr, /using the cached build .*\(SHA-256 verified\)/, "and the rebuilt entry is reused");
  });

  test("an entry planted by another user is not run: it is rebuilt", { skip: process.getuid?.() !== 0 && "changing a file's owner needs root" }, async () => {
    const marker = join(dir, "other-user-ran");
    plant(marker);
    for (const path of [entryDir, join(entryDir, "server.mjs"), join(entryDir, "cache.json")]) chownSync(path, 65534, 65534);
    plant(marker); // root may still write them; the record matches the final file
    const r = await serve();
    assert.equal(existsSync(marker), false, "the planted code ran");
    assert.match(r.stderr, /was not used: the entry directory belongs to another user \(uid 65534\); rebuilding it/, r.stderr);
  });

  test("a cache directory others may write is made private, and says so", async () => {
    const cache = join(dir, ".synapsor", "cache");
    chmodSync(cache, 0o777);
    const r = await serve();
    assert.match(r.stderr, /was writable by other users; it is not any more/, r.stderr);
    assert.equal(statSync(cache).mode & 0o022, 0);
  });

  test("a whole entry copied in (a checkout, an archive) is rebuilt, not trusted", async () => {
    const elsewhere = join(tempDir("synapsor-serve-copy-"), "entry");
    cpSync(entryDir, elsewhere, { recursive: true });
    rmSync(entryDir, { recursive: true });
    cpSync(elsewhere, entryDir, { recursive: true });
    const r = await serve();
    assert.match(r.stderr, /was not used: .*rebuilding it/, r.stderr);
    assert.match(r.stderr, /built /);
  });
});
