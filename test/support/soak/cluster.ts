// A private PostgreSQL cluster for the load and fault suite, made with Debian's postgresql-common
// tools on a free port, so the suite can stop and restart "the source database" without touching
// the shared server on 5432 that every other test uses. Trust auth on loopback only (initdb's
// --auth-host), fsync off (the suite measures the runner, not this cluster's disk). The cluster
// is dropped by drop(), and also when the process exits or is interrupted before that (exit-cleanup.ts).

import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "../ports.ts";
import { atExit } from "./exit-cleanup.ts";

const run = promisify(execFile);
const VERSION = "15";

export interface PrivateCluster {
  name: string;
  port: number;
  /** URL of a database in this cluster as the superuser (trust auth; no password). */
  urlFor(database: string): string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** pg_ctlcluster restart: a fast shutdown (sessions are told 57P01 and closed), then a start. */
  restart(): Promise<void>;
  drop(): Promise<void>;
}

/** Why this machine cannot make private clusters (pg_createcluster needs root and postgresql-common), or false. */
export function privateClustersUnavailable(): string | false {
  if (process.getuid?.() !== 0) return "needs root for pg_createcluster";
  try {
    execFileSync("pg_lsclusters", { stdio: "ignore" });
    return false;
  } catch {
    return "pg_createcluster (postgresql-common) is not installed";
  }
}

/** Synchronous drop, for the exit handler (pg_dropcluster stops the cluster first). */
function dropSync(name: string): void {
  execFileSync("pg_dropcluster", ["--stop", VERSION, name], { stdio: "ignore" });
}

async function waitUntilAccepting(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres", connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`private cluster on port ${port} did not accept connections: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function createPrivateCluster(prefix = "soak"): Promise<PrivateCluster> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const port = await freePort();
  const ctl = (action: string, ...extra: string[]) => run("pg_ctlcluster", [VERSION, name, action, ...extra]);
  await run("pg_createcluster", [
    VERSION, name, "--port", String(port),
    "-o", "fsync=off", "-o", "synchronous_commit=off", "-o", "full_page_writes=off",
    "-o", "shared_buffers=32MB", "-o", "max_connections=200",
    "--", "--auth-host=trust", "--auth-local=trust",
  ]);
  // Until drop() ran: `pg_lsclusters` would otherwise show a leftover soak_ cluster after a ^C.
  const forget = atExit(() => dropSync(name));
  let dropped = false;
  try {
    await ctl("start");
    await waitUntilAccepting(port);
  } catch (err) {
    forget();
    dropSync(name);
    throw err;
  }
  return {
    name,
    port,
    urlFor: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      await ctl("stop", "--", "-m", "fast");
    },
    async start() {
      await ctl("start");
      await waitUntilAccepting(port);
    },
    async restart() {
      await ctl("restart", "--", "-m", "fast");
      await waitUntilAccepting(port);
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      forget();
      await run("pg_dropcluster", ["--stop", VERSION, name]);
    },
  };
}
