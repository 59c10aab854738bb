// `events tail --follow` on a Postgres ledger, through the real CLI processes: LISTEN wakes a
// follower long before its poll interval (and again after its LISTEN connection is killed); and
// webhook deliveries through pg-boss: several followers forwarding to one webhook post each event
// exactly once, a failing receiver gets the event after pg-boss's retries, one that keeps failing
// has it dead-lettered and listed by `events deliveries`, a killed follower's job is taken over when
// its lease (the job's expiration) runs out, a stopping follower hands its job back promptly, and
// a job whose event was pruned completes without a POST.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import pg from "pg";
import { receiver } from "../support/webhook-receiver.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import { openPostgresStore } from "../../runtime/ledger/postgres/lifecycle/open.ts";
import { prunePostgresLedger } from "../../runtime/ledger/postgres/lifecycle/prune.ts";
import { PostgresEventLog } from "../../runtime/ledger/postgres/event-log.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { CLI, REPO_ROOT, runCli } from "../support/cli.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";

const KEY = "events-postgres-test-key-0123456789abcdef";
/** Far longer than any wait below: an event seen sooner was announced, not polled. */
const LONG_POLL_MS = 600_000;

let db: TestDatabase;
let ledger: Ledger;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

before(async () => {
  db = await createPostgresDatabase("events");
  ledger = await openLedger({ postgres: { url: db.url, urlEnv: "LEDGER_URL" }, keys: envKeyRing("SYNAPSOR_LEDGER_KEY", KEY) });
  env = { ...process.env, LEDGER_URL: db.url, SYNAPSOR_LEDGER_KEY: KEY };
});

after(async () => {
  for (const c of children) c.kill("SIGKILL");
  await ledger.close();
  await db.drop();
});

interface Follower {
  child: ChildProcess;
  stderr(): string;
  /** Ids printed, past `after` (--limit 1 first prints the newest event already there). */
  ids(after: number): number[];
  exited: Promise<number | null>;
}

function startFollower(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Follower {
  const child = spawn(process.execPath, [CLI, "events", "tail", "--store-url-env", "LEDGER_URL", "--follow", "--json", "--limit", "1", ...args], {
    cwd: REPO_ROOT,
    env: { ...env, ...extraEnv },
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  return {
    child,
    stderr: () => stderr,
    ids: (after) => stdout.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: number }).id).filter((id) => id > after),
    exited: new Promise((resolve) => child.on("close", (code) => resolve(code))),
  };
}

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Followers' LISTEN connections that have run their LISTEN and sit idle, waiting. */
async function listeners(): Promise<number[]> {
  const rows = await sql<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'synapsor-runner-events' AND state = 'idle' AND query LIKE 'LISTEN%'",
  );
  return rows.map((r) => r.pid);
}

async function append(n: number, label: string): Promise<void> {
  for (let i = 0; i < n; i++) await ledger.events.append("test_event", { label, i });
}

async function newestId(): Promise<number> {
  return (await ledger.events.list({ limit: 1 }))[0]?.id ?? 0;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(f: Follower): Promise<void> {
  f.child.kill("SIGTERM");
  assert.equal(await f.exited, 0, f.stderr());
}

interface Delivery {
  event_id: number;
  state: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

/** `events deliveries --json` (with `--all`: every delivery pg-boss keeps), keyed by event id. */
async function deliveries(all: boolean, extraArgs: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<Map<number, Delivery>> {
  const r = await runCli(["events", "deliveries", "--store-url-env", "LEDGER_URL", "--json", ...(all ? ["--all"] : []), ...extraArgs], { env: { ...env, ...extraEnv } });
  assert.equal(r.code, 0, r.stderr);
  return new Map((JSON.parse(r.stdout) as Delivery[]).map((d) => [d.event_id, d]));
}

/** pg-boss's pool connections of the followers (application_name synapsor-runner-webhooks). */
async function queueConnections(): Promise<number[]> {
  const rows = await sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'synapsor-runner-webhooks'");
  return rows.map((r) => r.pid);
}

describe("events tail --follow on Postgres", () => {
  test("LISTEN wakes the follower long before its poll interval, also after its connection is killed", async () => {
    const start = await newestId();
    const f = startFollower(["--poll-interval", String(LONG_POLL_MS)]);
    await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
    await append(3, "first");
    await waitFor(() => f.ids(start).length === 3, "the announced events");
    // Kill the LISTEN connection; append while it is down; the follower reconnects, re-LISTENs and
    // reads by id, so nothing is missed and nothing repeats.
    const [pid] = await listeners();
    await sql("SELECT pg_terminate_backend($1)", [pid]);
    await append(2, "while down");
    await waitFor(() => f.ids(start).length === 5, "the events appended while the connection was down");
    await waitFor(async () => (await listeners()).length === 1, "the re-LISTEN");
    await append(1, "after");
    await waitFor(() => f.ids(start).length === 6, "the event after the reconnect");
    assert.deepEqual(f.ids(start), [1, 2, 3, 4, 5, 6].map((i) => start + i));
    await stop(f);
    assert.equal(f.stderr(), "");
  });
});

describe("webhook deliveries on Postgres (pg-boss)", () => {
  test("before any follower has forwarded, there is no pg-boss schema and nothing to list", async () => {
    assert.deepEqual(await sql("SELECT 1 FROM pg_namespace WHERE nspname = 'synapsor_ledger_jobs'"), [], "nothing but a webhook follower creates it");
    const text = await runCli(["events", "deliveries", "--store-url-env", "LEDGER_URL"], { env });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim(), "No failed webhook deliveries.");
    assert.equal((await deliveries(true)).size, 0);
    const stats = await runCli(["store", "stats", "--store-url-env", "LEDGER_URL", "--json"], { env });
    assert.deepEqual((JSON.parse(stats.stdout) as { webhook_deliveries: unknown }).webhook_deliveries, {});
  });

  test("two followers on one ledger post every event exactly once", async () => {
    const hook = await receiver();
    try {
      const a = startFollower(["--webhook-url-env", "HOOK_URL", "--poll-interval", "200"], { HOOK_URL: hook.url });
      const b = startFollower(["--webhook-url-env", "HOOK_URL", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 2, "both followers' LISTEN");
      const start = await newestId();
      await append(30, "fan-out");
      const expected = Array.from({ length: 30 }, (_, i) => start + 1 + i);
      await waitFor(() => expected.every((id) => hook.hits.has(id)), "every event at the receiver");
      await waitFor(() => a.ids(start).length === 30 && b.ids(start).length === 30, "both followers printing every event");
      await stop(a);
      await stop(b);
      assert.deepEqual([...hook.hits.entries()].filter(([, n]) => n !== 1), [], "no event posted twice");
      const all = await deliveries(true);
      assert.deepEqual(expected.map((id) => [all.get(id)?.state, all.get(id)?.attempts]), expected.map(() => ["delivered", 1]));
      assert.ok(expected.every((id) => typeof all.get(id)?.delivered_at === "string"));
      // pg-boss holds no URL: its queue is named after a hash of it.
      const names = await sql<{ name: string }>("SELECT name FROM synapsor_ledger_jobs.queue");
      assert.ok(names.length > 0);
      assert.ok(names.every((q) => /^synapsor_webhook\.[0-9a-f]{32}(\.dead)?$/.test(q.name)), JSON.stringify(names));
      assert.doesNotMatch(a.stderr() + b.stderr(), /127\.0\.0\.1/, "the webhook URL is never printed");
      assert.equal(a.stderr() + b.stderr(), "");
    } finally {
      await hook.close();
    }
  });

  test("a receiver failing the first two attempts gets the event on the third, after pg-boss's back-off", async () => {
    const failures = new Map<number, number>();
    const hook = await receiver((id, _req, res) => {
      const n = (failures.get(id) ?? 0) + 1;
      failures.set(id, n);
      if (n <= 2) res.statusCode = 503;
      res.end(n <= 2 ? "down" : "ok");
    });
    try {
      const f = startFollower(["--webhook-url-env", "HOOK_URL", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await append(1, "flaky receiver");
      const id = await newestId();
      await waitFor(() => /attempt 1 of 5/.test(f.stderr()), "the first failure");
      // The line is written before pg-boss records the outcome: wait for the record.
      await waitFor(async () => (await deliveries(false)).has(id), "the failed attempt recorded");
      const pending = (await deliveries(false)).get(id);
      assert.equal(pending?.state, "pending");
      assert.equal(pending?.last_error, "WEBHOOK_HTTP_STATUS");
      assert.ok(pending?.next_attempt_at, "a failed delivery says when it is tried again");
      await waitFor(() => hook.hits.get(id) === 3, "the third attempt", 30_000);
      await waitFor(async () => (await deliveries(true)).get(id)?.state === "delivered", "the delivery recorded");
      assert.equal((await deliveries(true)).get(id)?.attempts, 3);
      assert.equal((await deliveries(false)).has(id), false, "a delivered event is no longer listed as failed");
      await stop(f);
      assert.match(f.stderr(), new RegExp(`event ${id} \\(test_event\\) not delivered \\(attempt 1 of 5\\): the webhook answered HTTP 503; it will be retried`));
      assert.match(f.stderr(), /attempt 2 of 5/);
      assert.doesNotMatch(f.stderr(), /dead-lettered/);
    } finally {
      await hook.close();
    }
  });

  test("a delivery that keeps failing is retried, dead-lettered and listed by events deliveries", async () => {
    const hook = await receiver((_id, _req, res) => {
      res.statusCode = 503;
      res.end("down");
    });
    try {
      const f = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-attempts", "2", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await append(1, "undeliverable");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 2, "the retry after the back-off");
      await waitFor(() => /dead-lettered/.test(f.stderr()), "the dead-letter warning");
      await stop(f);
      assert.match(f.stderr(), new RegExp(`event ${id} \\(test_event\\) not delivered \\(attempt 1 of 2\\): the webhook answered HTTP 503; it will be retried`));
      await waitFor(async () => (await deliveries(false)).get(id)?.state === "dead", "the dead-lettered delivery recorded");
      const dead = (await deliveries(false)).get(id);
      assert.deepEqual([dead?.state, dead?.attempts, dead?.last_error], ["dead", 2, "WEBHOOK_HTTP_STATUS"]);
      assert.equal((await deliveries(true)).get(id)?.state, "dead");
      // --webhook-url-env narrows to one endpoint: another URL has none of these.
      assert.equal((await deliveries(false, ["--webhook-url-env", "OTHER_URL"], { OTHER_URL: "http://127.0.0.1:9/other" })).has(id), false);
      assert.equal((await deliveries(false, ["--webhook-url-env", "HOOK_URL"], { HOOK_URL: hook.url })).get(id)?.state, "dead");
      const text = await runCli(["events", "deliveries", "--store-url-env", "LEDGER_URL"], { env });
      assert.match(text.stdout, new RegExp(`${id}\\s+dead\\s+2\\s+WEBHOOK_HTTP_STATUS`));
      assert.equal(text.stdout.includes(db.url), false);
      // The dead-lettered copy sits in the endpoint's dead-letter queue, where pg-boss's redrive finds it.
      const [copy] = await sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM synapsor_ledger_jobs.job WHERE name LIKE '%.dead' AND data->>'event_id' = $1", [String(id)]);
      assert.equal(copy?.n, 1);
    } finally {
      await hook.close();
    }
  });

  test("a follower killed mid-POST has its job taken over by another once the lease runs out", async () => {
    let first = true;
    const hook = await receiver((_id, _req, res) => {
      if (first) {
        first = false; // never answered: the follower is killed while waiting for this
        return;
      }
      res.end("ok");
    });
    try {
      const a = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "1500"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await append(1, "killed mid-POST");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 1, "the first POST");
      assert.equal((await deliveries(true)).get(id)?.state, "delivering");
      a.child.kill("SIGKILL");
      await a.exited;
      const b = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "1500", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(() => hook.hits.get(id) === 2, "the POST of the follower that took the job over");
      await waitFor(async () => (await deliveries(true)).get(id)?.state === "delivered", "the delivery recorded");
      assert.equal((await deliveries(true)).get(id)?.attempts, 2);
      await stop(b);
    } finally {
      await hook.close();
    }
  });

  test("SIGTERM with a POST in flight exits promptly and hands the job back; the next follower delivers it", async () => {
    let first = true;
    const hook = await receiver((_id, _req, res) => {
      if (first) {
        first = false; // never answered: the follower is stopped while waiting for this
        return;
      }
      res.end("ok");
    });
    try {
      // A 30 s POST timeout (a 60 s lease): only the bounded stop can make the exit prompt.
      const a = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "30000"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await append(1, "stopped mid-POST");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 1, "the first POST");
      const stopping = Date.now();
      await stop(a);
      const took = Date.now() - stopping;
      assert.ok(took < 9_000, `stopped in ${took} ms`);
      assert.equal(a.stderr(), "");
      const back = (await deliveries(false)).get(id);
      assert.deepEqual([back?.state, back?.attempts, back?.last_error], ["pending", 1, "FOLLOWER_STOPPED"]);
      const b = startFollower(["--webhook-url-env", "HOOK_URL", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(() => hook.hits.get(id) === 2, "the delivery by the next follower");
      await waitFor(async () => (await deliveries(true)).get(id)?.state === "delivered", "the delivery recorded");
      await stop(b);
    } finally {
      await hook.close();
    }
  });

  test("pg-boss's connection errors are one line naming the variable, never the URL", async () => {
    const hook = await receiver();
    try {
      const f = startFollower(["--webhook-url-env", "HOOK_URL", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await waitFor(async () => (await queueConnections()).length > 0, "pg-boss's pool");
      for (const pid of await queueConnections()) await sql("SELECT pg_terminate_backend($1)", [pid]);
      await waitFor(() => /webhook deliveries \(pg-boss/.test(f.stderr()), "the reported error");
      // pg-boss reconnects by itself: a new event is still delivered.
      await append(1, "after the connections were killed");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 1, "the delivery after the reconnect");
      await stop(f);
      const lines = f.stderr().trim().split("\n");
      for (const line of lines) assert.match(line, /^synapsor-runner: webhook deliveries \(pg-boss, schema synapsor_ledger_jobs\): .*LEDGER_URL.*; retrying\.$/);
      assert.equal(f.stderr().includes(db.url), false);
      assert.doesNotMatch(f.stderr(), /\bat \S+:\d+|node_modules/, "no stack");
    } finally {
      await hook.close();
    }
  });

  test("a job whose event was pruned meanwhile completes without a POST", async () => {
    let first = true;
    const hook = await receiver((_id, _req, res) => {
      if (first) {
        first = false;
        return; // never answered: its follower is killed, the event pruned before anyone retries
      }
      res.end("ok");
    });
    try {
      const a = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "1500"], { HOOK_URL: hook.url });
      await waitFor(async () => (await listeners()).length === 1, "the follower's LISTEN");
      await append(1, "pruned before its retry");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 1, "the first POST");
      a.child.kill("SIGKILL");
      await a.exited;
      const store = await openPostgresStore({ url: db.url, urlEnv: "LEDGER_URL" });
      try {
        // store prune's own code, with a cutoff just ahead: every event without a proposal goes.
        await prunePostgresLedger(store, new PostgresEventLog(store), new Date(Date.now() + 1_000).toISOString(), { dryRun: false });
      } finally {
        await store.close();
      }
      assert.equal((await ledger.events.list({ afterId: id - 1, limit: 1 }))[0]?.id === id, false, "the event is gone");
      const b = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "1500", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(async () => (await deliveries(true)).get(id)?.state === "skipped", "the job completed without a POST");
      assert.equal((await deliveries(true)).get(id)?.last_error, "EVENT_GONE");
      assert.equal(hook.hits.get(id), 1, "no POST for a pruned event");
      await stop(b);
      const stats = await runCli(["store", "stats", "--store-url-env", "LEDGER_URL", "--json"], { env });
      assert.equal(stats.code, 0, stats.stderr);
      const counted = (JSON.parse(stats.stdout) as { webhook_deliveries: Record<string, number> }).webhook_deliveries;
      assert.ok((counted.skipped ?? 0) >= 1 && (counted.delivered ?? 0) >= 30 && (counted.dead ?? 0) >= 1, JSON.stringify(counted));
    } finally {
      await hook.close();
    }
  });

  test("a follower whose database user may not use pg-boss's schema exits 2, naming the variable", async () => {
    const role = `events_rw_${process.pid}`;
    await sql(`DROP ROLE IF EXISTS ${role}`);
    await sql(`CREATE ROLE ${role} LOGIN`);
    try {
      await sql(`GRANT USAGE ON SCHEMA synapsor_ledger TO ${role}`);
      await sql(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA synapsor_ledger TO ${role}`);
      await sql(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA synapsor_ledger TO ${role}`);
      const url = new URL(db.url);
      url.username = role;
      const f = startFollower(["--webhook-url-env", "HOOK_URL"], { HOOK_URL: "http://127.0.0.1:9/events", LEDGER_URL: url.toString() });
      assert.equal(await f.exited, 2, f.stderr());
      assert.match(f.stderr(), /webhook deliveries \(schema synapsor_ledger_jobs\) of the Postgres ledger in LEDGER_URL: the database user lacks a permission/);
      assert.equal(f.stderr().trim().split("\n").length, 1, f.stderr());
      assert.equal(f.stderr().includes(role), false, "not the URL (its user name) either");
    } finally {
      await sql(`DROP OWNED BY ${role}`).catch(() => undefined);
      await sql(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  test("events deliveries on a SQLite store says it reads a Postgres ledger", async () => {
    const r = await runCli(["events", "deliveries", "--store", "/nonexistent/ledger.sqlite"], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Postgres ledger/);
  });

  // Last: it drops the ledger every test above wrote to.
  test("store reset drops pg-boss's schema with the ledger's (job ids derive from event ids, which start again)", async () => {
    const schemas = async () => (await sql<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'synapsor_ledger%' ORDER BY 1")).map((r) => r.nspname);
    assert.deepEqual(await schemas(), ["synapsor_ledger", "synapsor_ledger_jobs"]);
    const r = await runCli(["store", "reset", "--store-url-env", "LEDGER_URL", "--yes"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Dropped schema synapsor_ledger of the Postgres ledger in LEDGER_URL, and its webhook deliveries' schema synapsor_ledger_jobs\./);
    assert.deepEqual(await schemas(), []);
  });
});
