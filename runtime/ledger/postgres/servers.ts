// Serving processes on a Postgres ledger. Several replicas on one ledger are normal, so instead of
// the SQLite file lease (which refuses a second server) each server keeps a row: it inserts it at
// start, refreshes heartbeat_at on an interval, and deletes it on shutdown. A row whose heartbeat
// is older than STALE_AFTER_MISSED intervals belongs to a process that died (kill -9, a lost host);
// store commands read these rows to see which servers are live. Rows name processes, never a URL.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "./database.ts";

const S = LEDGER_SCHEMA;

export const DEFAULT_HEARTBEAT_MS = 10_000;
/** A server is stale once this many heartbeats in a row were missed. */
export const STALE_AFTER_MISSED = 3;

export interface ServerInfo {
  /** The contract's mode: review or read_only. */
  mode: string;
  /** stdio or http. */
  transport: string;
  runnerVersion: string;
}

export interface ServerRow extends ServerInfo {
  holderId: string;
  pid: number;
  hostname: string;
  startedAt: string;
  heartbeatAt: string;
  /** No heartbeat for STALE_AFTER_MISSED intervals (by the database's clock). */
  stale: boolean;
}

export interface ServerRegistration {
  readonly holderId: string;
  /** Stops the heartbeat and deletes the row. Safe to call twice; never rejects. */
  stop(): Promise<void>;
}

const UPSERT = `INSERT INTO ${S}.servers (holder_id, pid, hostname, mode, transport, runner_version, heartbeat_interval_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (holder_id) DO UPDATE SET heartbeat_at = now()`;

/**
 * Records this process as a server of the ledger and keeps its heartbeat. The first insert must
 * succeed (it is the start-up check that the ledger takes writes); a missed heartbeat later is
 * only retried at the next interval: a ledger restart must not stop the server, and the upsert
 * puts the row back once the ledger answers again.
 */
export async function registerServer(db: PostgresLedgerDatabase, info: ServerInfo, intervalMs = DEFAULT_HEARTBEAT_MS): Promise<ServerRegistration> {
  const holderId = `srv_${randomBytes(10).toString("hex")}`;
  const values = [holderId, process.pid, hostname(), info.mode, info.transport, info.runnerVersion, intervalMs];
  await db.query("write", UPSERT, values);
  const timer = setInterval(() => {
    db.query("write", UPSERT, values).catch(() => {});
  }, intervalMs);
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    holderId,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await db.query("write", `DELETE FROM ${S}.servers WHERE holder_id = $1`, [holderId]).catch(() => {});
      })();
      return stopped;
    },
  };
}

/** Every recorded server, newest first, each marked stale or not by the database's clock. */
export async function listServers(db: PostgresLedgerDatabase): Promise<ServerRow[]> {
  const rows = await db.query(
    "read",
    `SELECT holder_id, pid, hostname, mode, transport, runner_version,
       to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
       to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS heartbeat_at,
       heartbeat_at < now() - make_interval(secs => heartbeat_interval_ms * $1 / 1000.0) AS stale
     FROM ${S}.servers ORDER BY started_at DESC, holder_id`,
    [STALE_AFTER_MISSED],
  );
  return rows.map((r) => ({
    holderId: String(r.holder_id),
    pid: Number(r.pid),
    hostname: String(r.hostname),
    mode: String(r.mode),
    transport: String(r.transport),
    runnerVersion: String(r.runner_version),
    startedAt: String(r.started_at),
    heartbeatAt: String(r.heartbeat_at),
    stale: r.stale === true,
  }));
}
