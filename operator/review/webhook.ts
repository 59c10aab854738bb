// Forwards lifecycle events to a local webhook as they are followed: each event is one POST,
// signed like writeback requests (HMAC-SHA256 over the raw body), so the receiver can trust it.
// The URL and secret come from env vars named on the command line and are never printed.

import type { LedgerEvent } from "../../runtime/ledger/records.ts";
import { signBody } from "../../runtime/executors/signing.ts";

export interface WebhookTarget {
  url: string;
  secret?: string;
  timeoutMs: number;
}

const ATTEMPTS = 3;

/** Delivers one event; retries twice. Returns a safe one-line problem, or undefined when delivered. */
export async function deliverEvent(target: WebhookTarget, event: LedgerEvent): Promise<string | undefined> {
  const body = JSON.stringify({ event_id: event.id, type: event.type, proposal_id: event.proposalId ?? null, tenant_id: event.tenantId ?? null, detail: event.detail, created_at: event.createdAt });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-synapsor-event": event.type,
    "x-synapsor-issued-at": new Date().toISOString(),
  };
  if (target.secret) headers["x-synapsor-signature"] = signBody(target.secret, body);
  let problem = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await fetch(target.url, { method: "POST", headers, body, signal: AbortSignal.timeout(target.timeoutMs) });
      await response.arrayBuffer();
      if (response.ok) return undefined;
      problem = `the webhook answered HTTP ${response.status}`;
    } catch (err) {
      problem = (err as Error).name === "TimeoutError" ? "the webhook timed out" : "the webhook is unreachable";
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  return `event ${event.id} (${event.type}) not delivered after ${ATTEMPTS} attempts: ${problem}`;
}
