// Plain `node server.mjs` runs with the same V8 memory settings as the bundle's shebang: the bundle
// re-executes itself in place (same pid, same stdio) with RECOMMENDED_NODE_FLAGS, unless the
// operator set the flag, and points Node's compile cache at a private directory only.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { RECOMMENDED_NODE_FLAGS } from "../../compiler/bundle/node-flags.ts";
import { REPO_ROOT, runCli } from "../support/cli.ts";
import { tempDir } from "../support/compiled-server.ts";
import { PG_ADMIN_URL } from "../support/databases.ts";

const example = join(REPO_ROOT, "examples/support-billing");
const work = tempDir("synapsor-node-flags-");
const built = runCli(["build", "--config", join(example, "synapsor.runner.json"), "--schema", join(example, "synapsor.schema.json"), "--out", join(work, "out")]);
const serverPath = join(work, "out", "server.mjs");

interface Started {
  /** The process's own command line, from /proc: what it runs with after any re-exec. */
  cmdline: string[];
  /** memory_flags of the start-up debug line. */
  memoryFlags: string[];
  tools: string[];
}

/** Starts the server with plain `node`, lists its tools over stdio with the SDK's Client, stops it. */
async function start(nodeArgs: string[], env: Record<string, string>): Promise<Started> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...nodeArgs, serverPath, "serve", "--transport", "stdio", "--log-level", "debug", "--store", join(work, "ledger.db"), "--allow-concurrent-store"],
    cwd: work,
    // The example's tables need not exist: nothing here reaches them.
    env: { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: PG_ADMIN_URL, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "e2e", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: "synapsor-e2e", version: "1.0.0" });
  await client.connect(transport);
  try {
    // The pid the client spawned: after an execve it is still the server's.
    const cmdline = readFileSync(`/proc/${transport.pid!}/cmdline`, "utf8").split("\0").filter(Boolean);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    const line = stderr.split("\n").find((l) => l.includes('"event":"node_runtime"'));
    assert.ok(line, `a node_runtime debug line at start:\n${stderr}`);
    const runtime = JSON.parse(line);
    return { cmdline, memoryFlags: runtime.memory_flags, tools };
  } finally {
    await client.close();
  }
}

test("plain node server.mjs re-executes in place with the shebang's flags and still answers over the same stdio", async () => {
  assert.equal((await built).code, 0);
  const bundle = readFileSync(serverPath, "utf8");
  assert.ok(bundle.startsWith(`#!/usr/bin/env -S node ${RECOMMENDED_NODE_FLAGS.join(" ")}\n`));
  assert.ok(!bundle.includes("node_modules/mysql2/"), "a Postgres-only contract's bundle leaves the MySQL driver out");

  const cache = join(work, "xdg-cache");
  const plain = await start([], { XDG_CACHE_HOME: cache });
  assert.deepEqual(plain.memoryFlags, [...RECOMMENDED_NODE_FLAGS]);
  // Same process (execve), now with the flags on its own command line.
  assert.deepEqual(plain.cmdline.slice(1, 1 + RECOMMENDED_NODE_FLAGS.length), [...RECOMMENDED_NODE_FLAGS]);
  assert.ok(plain.cmdline.includes(serverPath));
  assert.deepEqual(plain.tools.sort(), ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"]);

  // The compile cache went to the private directory, created for this user only.
  const dir = join(cache, "synapsor-runner", "node-compile-cache");
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.ok(readdirSync(dir).length > 0, "Node wrote its compile cache there");
});

test("a memory flag the operator set wins: no re-exec, nothing added", async () => {
  assert.equal((await built).code, 0);
  const viaOptions = await start([], { NODE_OPTIONS: "--max-semi-space-size=8", XDG_CACHE_HOME: join(work, "unused-cache-1") });
  assert.deepEqual(viaOptions.memoryFlags, ["--max-semi-space-size=8"]);
  assert.ok(!viaOptions.cmdline.some((a) => RECOMMENDED_NODE_FLAGS.includes(a as never)));

  const viaArgv = await start(["--max_semi_space_size=2"], { XDG_CACHE_HOME: join(work, "unused-cache-2") });
  assert.deepEqual(viaArgv.memoryFlags, ["--max_semi_space_size=2"]);
  assert.deepEqual(viaArgv.cmdline.slice(1, 2), ["--max_semi_space_size=2"]);
  // Without a re-exec the bundle does not touch the compile cache.
  assert.equal(existsSync(join(work, "unused-cache-1")), false);
  assert.equal(existsSync(join(work, "unused-cache-2")), false);
});

test("only serve re-executes: version and tools stay one short-lived process", async () => {
  assert.equal((await built).code, 0);
  const cache = join(work, "one-shot-cache");
  for (const command of ["version", "tools"]) {
    const run = spawnSync(process.execPath, [serverPath, command], { env: { PATH: process.env.PATH ?? "", XDG_CACHE_HOME: cache }, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
  }
  assert.equal(existsSync(cache), false, "no re-exec, so no compile cache directory");
});

test("a cache directory other users can write is not used; the server still starts with its flags", async () => {
  assert.equal((await built).code, 0);
  const cache = join(work, "shared-cache");
  const dir = join(cache, "synapsor-runner", "node-compile-cache");
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  const started = await start([], { XDG_CACHE_HOME: cache });
  assert.deepEqual(started.memoryFlags, [...RECOMMENDED_NODE_FLAGS]);
  assert.deepEqual(readdirSync(dir), [], "nothing cached in a world-writable directory");

  // A relative XDG_CACHE_HOME (which the XDG spec says to ignore) is not used either.
  const relative = await start([], { XDG_CACHE_HOME: "relative-cache" });
  assert.deepEqual(relative.memoryFlags, [...RECOMMENDED_NODE_FLAGS]);
  assert.equal(existsSync(join(work, "relative-cache")), false);
});
