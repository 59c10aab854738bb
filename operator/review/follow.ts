// `events tail --follow`: reads events by id > the last one seen, prints them, hands them to a
// forwarder (the webhook), and waits. On SQLite the wait is the poll interval. On Postgres a
// LISTEN connection (event-listener.ts) ends the wait as soon as a commit announces new events,
// and the poll interval is only the fallback while that connection is down. Every wake reads by
// id > last seen, so no event is missed or printed twice whatever woke it: event ids are handed
// out under the chain-head lock held until commit, so they become visible in id order.

import type { EventLog } from "../../runtime/ledger/ports.ts";
import type { LedgerEvent } from "../../runtime/ledger/records.ts";
import type { EventWaker } from "../../runtime/ledger/postgres/event-listener.ts";

const PAGE = 500;
/**
 * A read now and then even while LISTEN is up: a notification is sent only on commit, so none is
 * ever due without one, but this bounds the damage of anything that drops one unnoticed.
 */
export const LISTENING_CHECK_MS = 60_000;

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
}

export interface Follower {
  /** Resolves when stopped (after the current step), rejects on a store fault. */
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
  const run = async () => {
    let lastId = options.afterId;
    while (!stopped) {
      let page: LedgerEvent[];
      do {
        page = await options.events.list({ afterId: lastId, limit: PAGE });
        for (const event of page) options.print(event);
        if (page.length > 0) {
          lastId = page[page.length - 1]!.id;
          await options.forwarder?.seen(page);
        }
      } while (page.length === PAGE && !stopped);
      await options.forwarder?.due();
      if (stopped) break;
      // A forwarder polls on: retries and expired leases come due without any notification.
      const waker = options.waker;
      if (!waker) await sleep(options.pollMs);
      else await waker.wait(waker.listening && !options.forwarder ? Math.max(options.pollMs, LISTENING_CHECK_MS) : options.pollMs);
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
