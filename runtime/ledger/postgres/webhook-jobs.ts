// Where a Postgres ledger's webhook deliveries live: pg-boss (npm `pg-boss`) jobs in the schema
// JOBS_SCHEMA of the ledger's database, one queue per endpoint and a dead-letter queue beside it.
// Only `events tail --follow --webhook-url-env` starts pg-boss (operator/review/webhook-queue.ts,
// through a dynamic import); this module holds the names both it and the store commands use, and
// the one read of pg-boss's job table that `store stats` makes without loading pg-boss.

import { createHash } from "node:crypto";
import type { Queryable } from "./database.ts";

/** pg-boss's own schema, beside the ledger's `synapsor_ledger` (created on the first follower's start). */
export const JOBS_SCHEMA = "synapsor_ledger_jobs";

const QUEUE_PREFIX = "synapsor_webhook.";
const DEAD_SUFFIX = ".dead";

/** What the ledger stores for an endpoint: a hash of its URL, so the URL (and any token in it) stays out of the database. */
export function endpointKey(url: string): string {
  return createHash("sha256").update(url).digest("hex").slice(0, 32);
}

/** The pg-boss queue of one endpoint. */
export function queueName(endpointUrl: string): string {
  return `${QUEUE_PREFIX}${endpointKey(endpointUrl)}`;
}

/** The queue a delivery moves to after its last attempt. Nothing works it: `events deliveries` lists it. */
export function deadLetterName(queue: string): string {
  return `${queue}${DEAD_SUFFIX}`;
}

/** Whether a pg-boss queue name is one endpoint's delivery queue (not its dead-letter queue, not someone else's). */
export function isDeliveryQueue(name: string): boolean {
  return name.startsWith(QUEUE_PREFIX) && !name.endsWith(DEAD_SUFFIX);
}

/**
 * The job of one event for one endpoint, as a UUID (pg-boss job ids are UUIDs) derived from both:
 * every follower that sees the event enqueues the same id, and pg-boss inserts it once (ON
 * CONFLICT DO NOTHING) for as long as the job is kept.
 */
export function deliveryJobId(queue: string, eventId: number): string {
  const h = createHash("sha256").update(`${queue}\n${eventId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8: a custom, name-based UUID
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const x = h.subarray(0, 16).toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** `skipped`: completed without a POST, because the event had been pruned meanwhile (EVENT_GONE). */
export type DeliveryState = "pending" | "delivering" | "delivered" | "skipped" | "dead" | "cancelled";

/** What a follower stores as the output of a job it completed without posting. */
export const SKIPPED_OUTPUT = { skipped: "EVENT_GONE" } as const;

/** pg-boss's job states (and our output of a skipped job) in the words `events deliveries` and `store stats` use. */
export function deliveryState(jobState: string, output?: unknown): DeliveryState {
  switch (jobState) {
    case "active":
      return "delivering";
    case "completed":
      return (output as { skipped?: unknown } | null | undefined)?.skipped !== undefined ? "skipped" : "delivered";
    case "failed":
      return "dead";
    case "cancelled":
      return "cancelled";
    default:
      return "pending"; // created, retry
  }
}

/**
 * Deliveries by state, for `store stats`, without loading pg-boss: a read of its job table (the
 * parent of its partitions, so every queue), documented in docs/ledger-postgres.md. Dead-letter
 * copies are not counted again: their source job stays in state `failed`. Empty before any
 * follower has created the schema.
 */
export async function countDeliveries(client: Queryable): Promise<Record<string, number>> {
  const [{ found }] = (await client.query("SELECT to_regclass($1) IS NOT NULL AS found", [`${JOBS_SCHEMA}.job`])).rows as [{ found: boolean }];
  const counts: Record<string, number> = {};
  if (!found) return counts;
  const rows = (await client.query(
    `SELECT state::text AS state, output->>'skipped' IS NOT NULL AS skipped, COUNT(*) AS n FROM ${JOBS_SCHEMA}.job
     WHERE starts_with(name, $1) AND right(name, ${DEAD_SUFFIX.length}) <> $2 GROUP BY 1, 2`,
    [QUEUE_PREFIX, DEAD_SUFFIX],
  )).rows as Array<{ state: string; skipped: boolean; n: unknown }>;
  for (const row of rows) {
    const state = deliveryState(row.state, row.skipped ? SKIPPED_OUTPUT : undefined);
    counts[state] = (counts[state] ?? 0) + Number(row.n);
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
