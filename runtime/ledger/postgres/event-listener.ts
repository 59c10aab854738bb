// Wakes an event follower when a Postgres ledger commits new events. It LISTENs on EVENTS_CHANNEL
// over one dedicated connection (a pooled one would be handed back and lose the LISTEN). A
// notification only says "something new": the follower always reads by id > the last it saw, so
// a notification lost while the connection was down costs nothing but latency, since the follower
// keeps polling on its interval meanwhile. When the connection drops it is re-opened with back-off
// and re-LISTENs; a successful reconnect wakes the follower too, to read what it missed.

import pg from "pg";
import { EVENTS_CHANNEL } from "./event-log.ts";

export interface EventWaker {
  /** Resolves on a notification (or a reconnect) since the last wait, or after `ms`, or on close. */
  wait(ms: number): Promise<void>;
  /** Whether the LISTEN connection is up (false: polling only, until it reconnects). */
  readonly listening: boolean;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/** Never rejects: a ledger that cannot be reached now is retried in the background. */
export function listenForEvents(url: string): EventWaker {
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let pending = false;
  let wake: (() => void) | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = RECONNECT_MIN_MS;

  const notify = () => {
    pending = true;
    wake?.();
  };

  const connect = async () => {
    retryTimer = undefined;
    if (closed) return;
    const c = new pg.Client({ connectionString: url, application_name: "synapsor-runner-events", keepAlive: true, connectionTimeoutMillis: 5_000 });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      const wasListening = listening && client === c;
      listening = false;
      if (client === c) client = undefined;
      c.end().catch(() => {});
      scheduleReconnect();
      // A follower waiting out a long listening interval goes back to polling now.
      if (wasListening) wake?.();
    };
    c.on("error", onLost);
    c.on("end", onLost);
    c.on("notification", (message) => {
      if (message.channel === EVENTS_CHANNEL) notify();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch {
      onLost();
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    listening = true;
    delay = RECONNECT_MIN_MS;
    // Events committed while we were not listening were never announced to us.
    notify();
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => void connect(), delay);
    retryTimer.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };

  void connect();

  return {
    get listening() {
      return listening;
    },
    wait(ms) {
      if (pending || closed) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          pending = false;
          resolve();
        }
        wake = done;
      });
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      wake?.();
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
