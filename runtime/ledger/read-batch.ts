// Group commit for read records. Every read must be in the ledger before its result is returned,
// and a SQLite commit costs a WAL write per b-tree touched plus lock system calls, whatever it holds.
// Reads that finish in the same turn of the event loop are therefore written in one transaction,
// and each caller is answered only after that transaction has committed.

import type { ReadIds, ReadOutcome, ReadRecord } from "./records.ts";

export type ReadRecorder = (record: ReadRecord) => Promise<ReadIds>;

/** Writes a batch in one transaction; one outcome per record, in order (sync for SQLite, async for a network store). */
export type WriteBatch = (records: readonly ReadRecord[]) => ReadOutcome[] | Promise<ReadOutcome[]>;

interface Waiting {
  record: ReadRecord;
  resolve: (ids: ReadIds) => void;
  reject: (error: unknown) => void;
}

/** A recorder that batches concurrent reads into `writeBatch`; each promise rejects with what its record failed with. */
export function groupCommit(writeBatch: WriteBatch): ReadRecorder {
  let queue: Waiting[] = [];
  const settle = (batch: Waiting[], outcomes: ReadOutcome[]): void => {
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) w.resolve({ evidenceId: outcome.evidenceId, queryAuditId: outcome.queryAuditId });
      else w.reject(outcome.error);
    });
  };
  const flush = (): void => {
    const batch = queue;
    queue = [];
    const failAll = (error: unknown) => {
      for (const w of batch) w.reject(error);
    };
    let written: ReadOutcome[] | Promise<ReadOutcome[]>;
    try {
      written = writeBatch(batch.map((w) => w.record));
    } catch (error) {
      failAll(error);
      return;
    }
    // A synchronous store answers at once: no extra promise turn on the hot path.
    if (Array.isArray(written)) settle(batch, written);
    else written.then((outcomes) => settle(batch, outcomes), failAll);
  };
  return (record) =>
    new Promise((resolve, reject) => {
      // setImmediate runs after the current poll phase, so every result that arrived in it joins the batch.
      if (queue.length === 0) setImmediate(flush);
      queue.push({ record, resolve, reject });
    });
}
