// One call rate limit kept in memory: a token bucket per key (a principal, or a tenant). Each key
// may make up to `max` calls at once and regains them evenly over `windowS` seconds, so callers
// are never released together at a window boundary and the wait until the next call is exact.
// A call costs a map look-up and a few arithmetic operations; memory is bounded by `maxKeys`.

import type { CallRate } from "./settings.ts";

/** Milliseconds from a monotonic clock; tests pass their own. */
export type Clock = () => number;

/**
 * Keys tracked per limit before the least recently seen one is forgotten. Forgetting a key only
 * ever forgives it (it comes back with a full bucket); a bucket that has refilled is the same as
 * no bucket, so idle keys are what goes first in practice.
 */
export const DEFAULT_MAX_KEYS = 10_000;

export interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
  /** Refused since it was last admitted: the first refusal of a run is the one worth a log line. */
  limited: boolean;
  /** When the key last moved to the recent end of the eviction order. */
  movedAt: number;
}

/**
 * A key seen again moves to the recent end at most this often: moving costs a map delete and
 * insert (measured at about 250 ns), and eviction order needs no finer grain than a second.
 */
const MOVE_INTERVAL_MS = 1000;

export class CallRateLimiter {
  readonly rate: CallRate;
  readonly #perMs: number;
  readonly #maxKeys: number;
  /** In least-recently-seen order, to the second: a look-up moves its key to the end (see MOVE_INTERVAL_MS). */
  readonly #buckets = new Map<string, Bucket>();

  constructor(rate: CallRate, maxKeys = DEFAULT_MAX_KEYS) {
    this.rate = rate;
    this.#perMs = rate.max / (rate.windowS * 1000);
    this.#maxKeys = maxKeys;
  }

  /** The key's bucket refilled up to `now`; a new key starts full. Nothing is taken. */
  bucketAt(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: this.rate.max, at: now, limited: false, movedAt: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    // A clock that stepped back refills nothing rather than draining the bucket.
    const elapsed = now > bucket.at ? now - bucket.at : 0;
    bucket.tokens = Math.min(this.rate.max, bucket.tokens + elapsed * this.#perMs);
    bucket.at = now;
    if (now - bucket.movedAt >= MOVE_INTERVAL_MS) {
      this.#buckets.delete(key);
      this.#buckets.set(key, bucket);
      bucket.movedAt = now;
    }
    return bucket;
  }

  /** Milliseconds until the bucket holds a whole call; 0 when it holds one now. */
  waitMs(bucket: Bucket): number {
    return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / this.#perMs;
  }

  /** Keys currently tracked (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }
}
