// Group commit for read records. Every read must be in the ledger before its result is returned,
// and a SQLite commit costs a WAL write per b-tree touched plus lock system calls, whatever it holds.
// Reads that finish in the same turn of the event loop are therefore written in one transaction,
// and each caller is answered only after that transaction has committed.

import type { Ledger, ReadOutcome, ReadRecord } from "./ledger.ts";

export type ReadRecorder = (record: ReadRecord) => Promise<{ evidenceId: string | null; queryAuditId: string }>;

const recorders = new WeakMap<Ledger, ReadRecorder>();

/** The recorder for `ledger` (one per ledger, so concurrent calls share batches); rejects with what recordRead would throw. */
export function readRecorderFor(ledger: Ledger): ReadRecorder {
  let recorder = recorders.get(ledger);
  if (!recorder) {
    recorder = batchingRecorder(ledger);
    recorders.set(ledger, recorder);
  }
  return recorder;
}

interface Waiting {
  record: ReadRecord;
  resolve: (ids: { evidenceId: string | null; queryAuditId: string }) => void;
  reject: (error: unknown) => void;
}

function batchingRecorder(ledger: Ledger): ReadRecorder {
  let queue: Waiting[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    let outcomes: ReadOutcome[];
    try {
      outcomes = ledger.recordReads(batch.map((w) => w.record));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) w.resolve({ evidenceId: outcome.evidenceId, queryAuditId: outcome.queryAuditId });
      else w.reject(outcome.error);
    });
  };
  return (record) =>
    new Promise((resolve, reject) => {
      // setImmediate runs after the current poll phase, so every result that arrived in it joins the batch.
      if (queue.length === 0) setImmediate(flush);
      queue.push({ record, resolve, reject });
    });
}
