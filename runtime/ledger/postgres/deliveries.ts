// Webhook deliveries on a Postgres ledger, for several followers (one per replica) forwarding the
// same events to one endpoint. Each follower enqueues the events it sees (one row per endpoint and
// event, ON CONFLICT DO NOTHING), then claims due rows one at a time with FOR UPDATE SKIP LOCKED:
// the claim commits a lease (holder, lease_until) before the POST, so the other followers skip the
// row while it is held, and take it over only once the lease has run out (its holder crashed or
// hung). The outcome is written back only by the holder whose lease it still is (compare-and-set
// on holder and state). A failed POST is retried after an exponential back-off; after maxAttempts
// the row is dead and `events deliveries` lists it. This is a table, not a queue: one row per
// event, no workers, no scheduling beyond next_attempt_at.

import { createHash, randomBytes } from "node:crypto";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "./database.ts";

const S = LEDGER_SCHEMA;
const T = `${S}.webhook_deliveries`;

export type DeliveryState = "pending" | "delivering" | "delivered" | "dead";

export interface DeliveryPolicy {
  /** How long a claim is held: longer than one POST's timeout plus writing its outcome. */
  leaseMs: number;
  /** Attempts before a delivery is dead. */
  maxAttempts: number;
  /** Back-off after attempt n: baseDelayMs * 2^(n-1), at most maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface Claim {
  eventId: number;
  /** Including this one. */
  attempt: number;
}

export interface DeliveryRow {
  eventId: number;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** What the table stores for an endpoint: a hash of its URL, so the URL (and any token in it) stays out of the ledger. */
export function endpointKey(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 32);
}

export function newHolderId(): string {
  return `dlv_${randomBytes(8).toString("hex")}`;
}

const ENQUEUE = `INSERT INTO ${T} (endpoint, event_id) SELECT $1, id FROM unnest($2::bigint[]) AS id
  ON CONFLICT (endpoint, event_id) DO NOTHING`;

// The inner SELECT locks one due row and skips rows another follower is claiming right now; the
// UPDATE re-checks nothing else, because the row lock is held until this statement commits.
const CLAIM = `UPDATE ${T} d SET state = 'delivering', holder = $2, attempts = d.attempts + 1,
    lease_until = now() + make_interval(secs => $3 / 1000.0)
  WHERE (d.endpoint, d.event_id) = (
    SELECT endpoint, event_id FROM ${T}
    WHERE endpoint = $1 AND ((state = 'pending' AND next_attempt_at <= now()) OR (state = 'delivering' AND lease_until < now()))
    ORDER BY event_id LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING d.event_id, d.attempts`;

const DELIVERED = `UPDATE ${T} SET state = 'delivered', delivered_at = now(), lease_until = NULL, last_error = NULL
  WHERE endpoint = $1 AND event_id = $2 AND holder = $3 AND state = 'delivering' RETURNING event_id`;

const FAILED = `UPDATE ${T} SET state = CASE WHEN attempts >= $4 THEN 'dead' ELSE 'pending' END,
    next_attempt_at = now() + make_interval(secs => LEAST($6::float8, $5::float8 * power(2, attempts - 1)) / 1000.0),
    last_error = $7, lease_until = NULL, holder = NULL
  WHERE endpoint = $1 AND event_id = $2 AND holder = $3 AND state = 'delivering' RETURNING event_id`;

const TIME = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export class PostgresDeliveries {
  readonly #db: PostgresLedgerDatabase;
  readonly #endpoint: string;
  readonly #policy: DeliveryPolicy;
  readonly holderId = newHolderId();

  constructor(db: PostgresLedgerDatabase, endpointUrl: string, policy: DeliveryPolicy) {
    this.#db = db;
    this.#endpoint = endpointKey(endpointUrl);
    this.#policy = policy;
  }

  /** Records that these events are to be delivered (a no-op for those another follower recorded). */
  async enqueue(eventIds: readonly number[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.#db.query("write", ENQUEUE, [this.#endpoint, eventIds]);
  }

  /** The next due delivery, now leased to this follower; undefined when none is due. */
  async claim(): Promise<Claim | undefined> {
    const row = (await this.#db.query("write", CLAIM, [this.#endpoint, this.holderId, this.#policy.leaseMs]))[0];
    return row ? { eventId: Number(row.event_id), attempt: Number(row.attempts) } : undefined;
  }

  /** False when the lease had run out and another follower took the delivery over. */
  async delivered(eventId: number): Promise<boolean> {
    return (await this.#update(DELIVERED, [this.#endpoint, eventId, this.holderId])) > 0;
  }

  /** Schedules the retry, or makes the delivery dead after maxAttempts. False when the lease was lost. */
  async failed(eventId: number, code: string): Promise<boolean> {
    const p = this.#policy;
    return (await this.#update(FAILED, [this.#endpoint, eventId, this.holderId, p.maxAttempts, p.baseDelayMs, p.maxDelayMs, code])) > 0;
  }

  async #update(sql: string, values: unknown[]): Promise<number> {
    return (await this.#db.query("write", sql, values)).length;
  }
}

/**
 * Deliveries that have failed at least once (dead ones, and pending ones waiting for a retry), or
 * every delivery with `all`, oldest event first. `endpointUrl` narrows to one endpoint.
 */
export async function listDeliveries(
  db: PostgresLedgerDatabase,
  options: { endpointUrl?: string; all?: boolean; limit: number },
): Promise<DeliveryRow[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (!options.all) where.push("(state = 'dead' OR (state <> 'delivered' AND last_error IS NOT NULL))");
  if (options.endpointUrl !== undefined) where.push(`endpoint = $${values.push(endpointKey(options.endpointUrl))}`);
  values.push(options.limit);
  const rows = await db.query(
    "read",
    `SELECT event_id, state, attempts, last_error,
       CASE WHEN state = 'pending' THEN ${TIME("next_attempt_at")} END AS next_attempt_at, ${TIME("delivered_at")} AS delivered_at
     FROM ${T} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY event_id LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => ({
    eventId: Number(r.event_id),
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
    deliveredAt: (r.delivered_at as string | null) ?? null,
  }));
}
