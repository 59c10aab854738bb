// Forwards lifecycle events to a webhook as they are followed: each event is one POST, signed like
// writeback requests (HMAC-SHA256 over the raw body), so the receiver can trust it. The body's
// event_id and the X-Synapsor-Event-Id header carry the ledger's event id: a receiver dedupes by
// it, because a delivery whose answer was lost (a timeout, a follower killed mid-request) is sent
// again. The URL and secret come from env vars named on the command line and are never printed.

import type { LedgerEvent } from "../../runtime/ledger/records.ts";
import type { Forwarder } from "./follow.ts";
import { signBody } from "../../runtime/executors/signing.ts";

export interface WebhookTarget {
  url: string;
  secret?: string;
  timeoutMs: number;
}

/** Why one POST did not deliver: a stable code (kept as the delivery's last error) and a safe line. */
export interface WebhookFailure {
  code: "WEBHOOK_HTTP_STATUS" | "WEBHOOK_TIMEOUT" | "WEBHOOK_UNREACHABLE";
  message: string;
}

const ATTEMPTS = 3;

/** One POST of one event. Resolves undefined when the receiver answered 2xx. `signal` ends it early (a follower stopping). */
export async function postEvent(target: WebhookTarget, event: LedgerEvent, signal?: AbortSignal): Promise<WebhookFailure | undefined> {
  const body = JSON.stringify({ event_id: event.id, type: event.type, proposal_id: event.proposalId ?? null, tenant_id: event.tenantId ?? null, detail: event.detail, created_at: event.createdAt });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-synapsor-event": event.type,
    "x-synapsor-event-id": String(event.id),
    "x-synapsor-issued-at": new Date().toISOString(),
  };
  if (target.secret) headers["x-synapsor-signature"] = signBody(target.secret, body);
  try {
    const response = await fetch(target.url, { method: "POST", headers, body, signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(target.timeoutMs)]) : AbortSignal.timeout(target.timeoutMs) });
    await response.arrayBuffer();
    if (response.ok) return undefined;
    return { code: "WEBHOOK_HTTP_STATUS", message: `the webhook answered HTTP ${response.status}` };
  } catch (err) {
    return (err as Error).name === "TimeoutError"
      ? { code: "WEBHOOK_TIMEOUT", message: "the webhook timed out" }
      : { code: "WEBHOOK_UNREACHABLE", message: "the webhook is unreachable" };
  }
}

/**
 * Delivers one event from a single follower (a SQLite ledger); retries twice. Returns a safe
 * one-line problem, or undefined when delivered. Postgres followers share a pg-boss queue instead
 * (webhook-queue.ts), so several of them post each event once, with retries and a dead-letter queue.
 */
export async function deliverEvent(target: WebhookTarget, event: LedgerEvent): Promise<string | undefined> {
  let failure: WebhookFailure | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    failure = await postEvent(target, event);
    if (!failure) return undefined;
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  return `event ${event.id} (${event.type}) not delivered after ${ATTEMPTS} attempts: ${failure?.message}`;
}

/** One follower alone (SQLite): every new event is posted by this process, with its retries. */
export function plainForwarder(target: WebhookTarget, warn: (line: string) => void): Forwarder {
  return {
    async seen(events) {
      for (const event of events) {
        const problem = await deliverEvent(target, event);
        if (problem) warn(problem);
      }
    },
    async due() {},
  };
}
