// `events tail --follow`: reads events by id > the last one seen, prints them, hands them to a
// forwarder (the webhook), and waits. On SQLite the wait is the poll interval. On Postgres a
// LISTEN connection (event-listener.ts) ends the wait as soon as a commit announces new events,
// and the poll interval is only the fallback while that connection is down. Every wake reads by
// id > last seen, so no event is missed or printed twice whatever woke it: event ids are handed
// out under the chain-head lock held until commit, so they become visible in id order.
// A transient ledger fault (a server restarting, a busy file) does not end the loop: it is
// reported once, the step is retried with back-off, and the read resumes after the last event
// printed. Anything else (a deleted store, a refused login, a bug) rejects `done`.

import type { EventLog } from "../../runtime/ledger/ports.ts";
import { isTransientStoreFault, type StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import type { LedgerEvent } from "../../runtime/ledger/records.ts";
import type { EventWaker } from "../../runtime/ledger/postgres/event-listener.ts";

const PAGE = 500;
/**
 * A read now and then even while LISTEN is up: a notification is sent only on commit, so none is
 * ever due without one, but this bounds the damage of anything that drops one unnoticed.
 */
export const LISTENING_CHECK_MS = 60_000;
/** The longest wait between retries while the ledger is unavailable (unless the poll interval is longer). */
export const FAULT_BACKOFF_MAX_MS = 5_000;

/** What happens to new events besides printing: nothing, a plain webhook, or claimed deliveries. */
export interface Forwarder {
  /** Called with each page of new events, after they were printed. */
  seen(events: readonly LedgerEvent[]): Promise<void>;
  /** Called after every wake: deliveries that came due (retries, expired leases). */
  due(): Promise<void>;
}

export interface FollowOptions {
  events: EventLog;
  /** Print events after this id. */
  afterId: number;
  pollMs: number;
  /**
   * Postgres: ends a wait early on a notification. While it is listening and there is no
   * forwarder, the loop waits LISTENING_CHECK_MS between reads instead of polling every pollMs.
   */
  waker?: EventWaker;
  print(event: LedgerEvent): void;
  forwarder?: Forwarder;
  /** Called once when a transient ledger fault begins (the loop keeps retrying). */
  onFault?(fault: StoreUnavailableError): void;
  /** Called once the ledger answers again after a fault, with the last event id printed. */
  onRecovered?(lastId: number): void;
}

export interface Follower {
  /** Resolves when stopped (after the current step), rejects on an error that is not a transient store fault. */
  readonly done: Promise<void>;
  stop(): void;
}

export function follow(options: FollowOptions): Follower {
  let stopped = false;
  let cancelWait: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    cancelWait = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  // On a notification (Postgres) or after `ms`; stop() ends either early.
  const pause = (ms: number) => (options.waker ? options.waker.wait(ms) : sleep(ms));
  // Two cursors, so a step cut off by a fault neither prints an event twice nor keeps one from
  // the forwarder: `printedId` is the last event printed, `handedId` the last the forwarder took.
  let printedId = options.afterId;
  let handedId = options.afterId;
  const step = async () => {
    let page: LedgerEvent[];
    do {
      page = await options.events.list({ afterId: handedId, limit: PAGE });
      for (const event of page) {
        if (event.id <= printedId) continue;
        options.print(event);
        printedId = event.id;
      }
      if (page.length > 0) {
        await options.forwarder?.seen(page);
        handedId = page[page.length - 1]!.id;
      }
    } while (page.length === PAGE && !stopped);
    await options.forwarder?.due();
  };
  const run = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await step();
      } catch (err) {
        if (!isTransientStoreFault(err)) throw err;
        if (failures === 0) options.onFault?.(err);
        failures += 1;
        if (!stopped) await pause(Math.min(options.pollMs * 2 ** (failures - 1), Math.max(options.pollMs, FAULT_BACKOFF_MAX_MS)));
        continue;
      }
      if (failures > 0) {
        failures = 0;
        options.onRecovered?.(printedId);
      }
      if (stopped) break;
      // A forwarder polls on: retries and expired leases come due without any notification.
      const waker = options.waker;
      await pause(waker?.listening && !options.forwarder ? Math.max(options.pollMs, LISTENING_CHECK_MS) : options.pollMs);
    }
  };
  const done = run();
  return {
    done,
    stop() {
      stopped = true;
      cancelWait?.();
      void options.waker?.close();
    },
  };
}
