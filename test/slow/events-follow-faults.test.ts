// `events tail --follow` through ledger faults, with the real CLI: on a Postgres ledger in a
// private cluster that is stopped and started again, the follower says once (by the URL's
// variable, never the URL) that the ledger is unavailable, keeps running, and prints the events
// appended after the restart exactly once; a fault no wait cures (a revoked permission) and a
// deleted SQLite store end it with a clear message and a non-zero exit.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { CLI, REPO_ROOT } from "../support/cli.ts";
import { receiver } from "../support/webhook-receiver.ts";
import { createPrivateCluster, privateClustersUnavailable, type PrivateCluster } from "../support/soak/cluster.ts";

const KEY = "events-follow-faults-test-key-0123456789abcdef";
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) c.kill("SIGKILL");
});

interface Follower {
  stderr(): string;
  /** Ids printed, past `after`. */
  ids(after: number): number[];
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  child: ChildProcess;
}

function startFollower(storeArgs: string[], env: NodeJS.ProcessEnv, pollMs: number): Follower {
  const child = spawn(process.execPath, [CLI, "events", "tail", ...storeArgs, "--follow", "--json", "--limit", "1", "--poll-interval", String(pollMs)], { cwd: REPO_ROOT, env });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    ids: (after) => stdout.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id).filter((id) => id > after),
    exited,
    stop: () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function appendIds(ledger: Ledger, n: number, label: string): Promise<number[]> {
  for (let i = 0; i < n; i++) await ledger.events.append("test_event", { label, i });
  const newest = (await ledger.events.list({ limit: n })).map((e) => e.id);
  return newest.reverse();
}

describe("events tail --follow on a Postgres ledger whose server restarts", { skip: privateClustersUnavailable() }, () => {
  let cluster: PrivateCluster;
  let url: string;
  let ledger: Ledger;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    cluster = await createPrivateCluster("follow");
    const admin = new pg.Client({ connectionString: cluster.urlFor("postgres") });
    await admin.connect();
    await admin.query("CREATE DATABASE ledger");
    await admin.end();
    url = cluster.urlFor("ledger");
    ledger = await openLedger({ postgres: { url, urlEnv: "LEDGER_URL" }, keys: envKeyRing("SYNAPSOR_LEDGER_KEY", KEY) });
    env = { ...process.env, LEDGER_URL: url, SYNAPSOR_LEDGER_KEY: KEY };
  });

  after(async () => {
    await ledger?.close();
    await cluster?.drop();
  });

  test("keeps running through the outage, says so once, and prints what was appended after it exactly once", async () => {
    const [start] = await appendIds(ledger, 1, "before");
    const f = startFollower(["--store-url-env", "LEDGER_URL"], env, 100);
    await waitFor(() => f.ids(start! - 1).length === 1, "the follower's start");
    const first = await appendIds(ledger, 2, "first");
    await waitFor(() => f.ids(start!).length === 2, "the first events");

    await cluster.stop();
    await waitFor(() => /unavailable|cannot read/i.test(f.stderr()), "the fault line", 10_000);
    // Some retries while it is down (the back-off starts at the poll interval): still one line, still running.
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.start();
    // The test's own ledger pool recovers without being reopened, as a replica's must.
    const later = await appendIds(ledger, 3, "after the restart");
    await waitFor(() => f.ids(start!).length === 5, "the events appended after the restart", 20_000);
    await waitFor(() => /answers again/.test(f.stderr()), "the recovery line");
    const more = await appendIds(ledger, 1, "once recovered");
    await waitFor(() => f.ids(start!).length === 6, "an event after the recovery");

    assert.deepEqual(f.ids(start!), [...first, ...later, ...more]);
    const lines = f.stderr().trim().split("\n");
    assert.equal(lines.length, 2, f.stderr());
    assert.match(lines[0]!, /^synapsor-runner: cannot read the store at the Postgres ledger in LEDGER_URL: .*LEDGER_URL.*; still following: retrying with back-off/);
    // The first read that succeeds again may already print some of the later events.
    const resumedAfter = Number(/^synapsor-runner: the ledger answers again; following on after event (\d+)\.$/.exec(lines[1]!)?.[1]);
    assert.ok([first.at(-1), ...later].includes(resumedAfter), lines[1]);
    assert.ok(!f.stderr().includes(url) && !f.stderr().includes(String(cluster.port)), "the URL stays out of the message");
    assert.equal(await f.stop(), 0, f.stderr());
  });

  test("a follower forwarding to a webhook (pg-boss jobs in the ledger) also waits it out and delivers each later event once", async () => {
    const hook = await receiver();
    try {
      const [start] = await appendIds(ledger, 1, "before");
      const f = startFollower(["--store-url-env", "LEDGER_URL", "--webhook-url-env", "HOOK_URL"], { ...env, HOOK_URL: hook.url }, 100);
      await waitFor(() => f.ids(start! - 1).length === 1, "the follower's start");
      const first = await appendIds(ledger, 2, "first");
      await waitFor(() => first.every((id) => hook.hits.get(id) === 1), "the first deliveries");

      await cluster.stop();
      await waitFor(() => /unavailable|cannot read/i.test(f.stderr()), "the fault line", 10_000);
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.start();
      const later = await appendIds(ledger, 3, "after the restart");
      await waitFor(() => later.every((id) => hook.hits.get(id) === 1), "the deliveries after the restart", 30_000);
      assert.equal(f.child.exitCode, null, `the follower is still running:\n${f.stderr()}`);
      assert.deepEqual(f.ids(start!), [...first, ...later]);
      for (const id of [...first, ...later]) assert.equal(hook.hits.get(id), 1, `event ${id} posted once`);
      assert.ok(!f.stderr().includes(url), "the URL stays out of the messages");
      assert.equal(await f.stop(), 0, f.stderr());
    } finally {
      await hook.close();
    }
  });

  test("a fault that waiting cannot cure (a revoked permission) ends it with a clear message", async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query("CREATE ROLE tailer LOGIN");
      await admin.query("GRANT USAGE ON SCHEMA synapsor_ledger TO tailer");
      await admin.query("GRANT SELECT ON ALL TABLES IN SCHEMA synapsor_ledger TO tailer");
      const tailerUrl = new URL(url);
      tailerUrl.username = "tailer";
      const [start] = await appendIds(ledger, 1, "before");
      const f = startFollower(["--store-url-env", "LEDGER_URL"], { ...env, LEDGER_URL: tailerUrl.toString() }, 100);
      await waitFor(() => f.ids(start! - 1).length === 1, "the follower's start");
      await appendIds(ledger, 1, "seen");
      await waitFor(() => f.ids(start!).length === 1, "the first event");
      await admin.query("REVOKE SELECT ON synapsor_ledger.events FROM tailer");
      await appendIds(ledger, 1, "not readable");
      assert.equal(await f.exited, 2, f.stderr());
      assert.match(f.stderr(), /cannot read the store at the Postgres ledger in LEDGER_URL: the database user lacks a permission/);
      assert.doesNotMatch(f.stderr(), /still following/);
    } finally {
      await admin.query("DROP OWNED BY tailer").catch(() => undefined);
      await admin.query("DROP ROLE IF EXISTS tailer").catch(() => undefined);
      await admin.end();
    }
  });
});

describe("events tail --follow on a SQLite ledger", () => {
  test("a store file deleted under it ends it with a clear message and a non-zero exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "synapsor-follow-"));
    const path = join(dir, "ledger.db");
    try {
      const ledger = await openLedger({ path });
      const [start] = await appendIds(ledger, 1, "before");
      const f = startFollower(["--store", path], process.env, 100);
      await waitFor(() => f.ids(start! - 1).length === 1, "the follower's start");
      await appendIds(ledger, 1, "seen");
      await waitFor(() => f.ids(start!).length === 1, "the first event");
      await ledger.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
      assert.equal(await f.exited, 2, f.stderr());
      assert.match(f.stderr(), /the store file was deleted while it was open/);
      assert.doesNotMatch(f.stderr(), /still following/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
