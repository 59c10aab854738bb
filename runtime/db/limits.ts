// Client-side limits on every database connection. The server's statement timeout bounds a slow
// query, but not a silent network stall (a dropped route, a frozen proxy): without a client-side
// deadline a call would wait as long as the stall lasts and keep its pool slot. Each operation
// therefore has a deadline on our side too, after which its connection is discarded (never reused)
// and the caller gets an error classified as TEMPORARILY_UNAVAILABLE.

/** Opening a connection, TLS and login included, and waiting for a free pool slot. */
export const CONNECT_TIMEOUT_MS = 5000;
/** How long past the statement timeout the client waits before it gives the connection up. */
export const QUERY_DEADLINE_GRACE_MS = 2000;
/** The client deadline of a source whose statement timeout is 0 (off at the server). */
export const UNLIMITED_STATEMENT_DEADLINE_MS = 60_000;
/** An idle pooled connection is closed after this; the next call opens a fresh one. */
export const IDLE_TIMEOUT_MS = 30_000;
/** TCP keepalive probes start after this much silence, so a dead peer is noticed while idle. */
export const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

/** The client-side deadline of one statement, from the source's statement_timeout_ms. */
export function queryDeadlineMs(statementTimeoutMs: number): number {
  return (statementTimeoutMs > 0 ? statementTimeoutMs : UNLIMITED_STATEMENT_DEADLINE_MS) + QUERY_DEADLINE_GRACE_MS;
}

/**
 * The database did not answer within the client deadline. Its code is the socket timeout's, so
 * every classifier (reads, the writer, the handler) treats it as unreachable-for-now.
 */
export class DatabaseDeadlineError extends Error {
  override readonly name = "DatabaseDeadlineError";
  readonly code = "ETIMEDOUT";
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms; the connection was discarded`);
  }
}

/**
 * Settles with `operation`, or rejects with DatabaseDeadlineError after `ms` and calls `onTimeout`
 * (which must discard the connection the operation runs on; its late result is ignored).
 */
export function withDeadline<T>(what: string, ms: number, operation: Promise<T>, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new DatabaseDeadlineError(what, ms));
    }, ms);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
