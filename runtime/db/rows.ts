// Shared row handling for both adapters: rows leave the adapter as plain objects
// whose values JSON can carry without loss.

import { toJsonValue } from "../values.ts";
import type { Row } from "./adapter.ts";

/** Rewrites, in place, the few driver objects (Buffers, Dates, bigints) left after type parsing. */
export function toJsonRows(rows: Row[]): Row[] {
  for (const row of rows) {
    for (const key in row) {
      const value = row[key];
      if (typeof value === "bigint" || value instanceof Date || Buffer.isBuffer(value) || value === undefined) {
        row[key] = toJsonValue(value);
      }
    }
  }
  return rows;
}

/**
 * Refuses an `undefined` binding before it reaches a driver: pg would silently send NULL
 * (turning a missing tenant into "no rows") and mysql2 throws mid-checkout.
 */
export function assertBindable(params: readonly unknown[]): void {
  for (let i = 0; i < params.length; i++) {
    if (params[i] === undefined) throw new TypeError(`Bound parameter ${i + 1} is undefined`);
  }
}

/** Pool settings are interpolated into session SQL, so they must be plain non-negative integers. */
export function checkPoolSettings(statementTimeoutMs: number, maxConnections: number): void {
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new RangeError("statementTimeoutMs must be a non-negative integer");
  }
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) {
    throw new RangeError("maxConnections must be a positive integer");
  }
}

export const DEFAULT_POOL_SIZE = 8;
export const APPLICATION_NAME = "synapsor-runner";
