// `events tail --follow` on a Postgres ledger, through the real CLI processes: LISTEN wakes a
// follower long before its poll interval (and again after its LISTEN connection is killed), and
// several followers forwarding to one webhook post each event exactly once, a killed follower's
// claim is taken over when its lease runs out, and a delivery that keeps failing is dead-lettered
// and listed by `events deliveries`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { openLedger } from "../../runtime/ledger/open.ts";
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

interface Receiver {
  url: string;
  /** Requests received per event id (by the X-Synapsor-Event-Id header, checked against the body). */
  hits: Map<number, number>;
  close(): Promise<void>;
}

async function receiver(answer: (id: number, req: IncomingMessage, res: ServerResponse) => void = (_id, _req, res) => res.end("ok")): Promise<Receiver> {
  const hits = new Map<number, number>();
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      const id = Number(req.headers["x-synapsor-event-id"]);
      assert.equal((JSON.parse(body) as { event_id: number }).event_id, id);
      hits.set(id, (hits.get(id) ?? 0) + 1);
      answer(id, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    hits,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
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

describe("webhook deliveries on Postgres", () => {
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
      const states = await sql<{ state: string; n: number }>("SELECT state, COUNT(*)::int AS n FROM synapsor_ledger.webhook_deliveries GROUP BY state");
      assert.deepEqual(states, [{ state: "delivered", n: 30 }]);
      assert.doesNotMatch(a.stderr() + b.stderr(), /127\.0\.0\.1/, "the webhook URL is never printed");
    } finally {
      await hook.close();
    }
  });

  test("a follower killed mid-claim has its lease taken over once it runs out", async () => {
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
      await append(1, "killed mid-claim");
      const id = await newestId();
      await waitFor(() => hook.hits.get(id) === 1, "the first POST");
      const [claimed] = await sql<{ state: string; holder: string }>("SELECT state, holder FROM synapsor_ledger.webhook_deliveries WHERE event_id = $1", [id]);
      assert.equal(claimed?.state, "delivering");
      a.child.kill("SIGKILL");
      await a.exited;
      const b = startFollower(["--webhook-url-env", "HOOK_URL", "--webhook-timeout", "1500", "--poll-interval", "200"], { HOOK_URL: hook.url });
      await waitFor(() => hook.hits.get(id) === 2, "the POST of the follower that took the lease over");
      await waitFor(async () => (await sql<{ state: string }>("SELECT state FROM synapsor_ledger.webhook_deliveries WHERE event_id = $1", [id]))[0]?.state === "delivered", "the delivery recorded");
      const [row] = await sql<{ attempts: number; holder: string }>("SELECT attempts, holder FROM synapsor_ledger.webhook_deliveries WHERE event_id = $1", [id]);
      assert.equal(row?.attempts, 2);
      assert.notEqual(row?.holder, claimed?.holder);
      await stop(b);
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
      const listed = await runCli(["events", "deliveries", "--store-url-env", "LEDGER_URL", "--json"], { env });
      assert.equal(listed.code, 0, listed.stderr);
      const dead = (JSON.parse(listed.stdout) as Array<{ event_id: number; state: string; attempts: number; last_error: string }>).filter((d) => d.event_id === id);
      assert.deepEqual(dead.map((d) => [d.state, d.attempts, d.last_error]), [["dead", 2, "WEBHOOK_HTTP_STATUS"]]);
      const text = await runCli(["events", "deliveries", "--store-url-env", "LEDGER_URL"], { env });
      assert.match(text.stdout, new RegExp(`${id}\\s+dead\\s+2\\s+WEBHOOK_HTTP_STATUS`));
      assert.equal(text.stdout.includes(db.url), false);
    } finally {
      await hook.close();
    }
  });

  test("events deliveries on a SQLite store says it reads a Postgres ledger", async () => {
    const r = await runCli(["events", "deliveries", "--store", "/nonexistent/ledger.sqlite"], { env });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Postgres ledger/);
  });
});
