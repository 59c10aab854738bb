// The hash chain over lifecycle events: each event stores the hash of the event before it and
// its own hash over that link and its content, so an event edited, inserted or deleted in the
// file breaks the chain where it happened. It is a plain SHA-256 chain, not a keyed MAC: it finds
// edits made without recomputing every later hash (a hand edit, a restore mixed from two copies,
// a tool that rewrites rows), while the keyed MACs (seal.ts) are what bind proposals and
// approvals against someone who would recompute. Storage-free: the SQLite event log writes it,
// `store verify` checks it.

import { createHash } from "node:crypto";
import { canonicalJson } from "./hash.ts";

/** An event row as stored: `detail` is the exact JSON text in the row, hashed as is. */
export interface ChainedEvent {
  id: number;
  type: string;
  proposalId: string | null;
  tenantId: string | null;
  detail: string;
  createdAt: string;
  prevHash: string | null;
  hash: string | null;
}

export function eventHash(prevHash: string | null, e: Omit<ChainedEvent, "id" | "prevHash" | "hash">): string {
  const content = canonicalJson([prevHash, e.type, e.proposalId, e.tenantId, e.detail, e.createdAt]);
  return createHash("sha256").update(content).digest("hex");
}

export type ChainProblemKind = "edited" | "broken_link" | "unchained" | "head_missing" | "tail_missing";

export interface ChainProblem {
  /** The event where the chain breaks (for tail_missing: the last one left). */
  id: number;
  kind: ChainProblemKind;
  message: string;
}

export interface ChainReport {
  events: number;
  /** Events in the chain. */
  chained: number;
  /** Events written before the chain existed (schema step 7), at the start of the log. */
  legacy: number;
  problems: ChainProblem[];
}

/**
 * Walks the events in id order. `lastAssignedId` is the highest id the store ever handed out
 * (SQLite's AUTOINCREMENT counter): when it is above the newest event, events at the end were deleted.
 */
export function checkEventChain(events: Iterable<ChainedEvent>, lastAssignedId: number | null): ChainReport {
  const report: ChainReport = { events: 0, chained: 0, legacy: 0, problems: [] };
  let previous: ChainedEvent | undefined;
  const problem = (id: number, kind: ChainProblemKind, message: string) => report.problems.push({ id, kind, message });
  for (const e of events) {
    report.events += 1;
    if (e.hash === null) {
      if (previous?.hash) problem(e.id, "unchained", `event ${e.id} has no hash although the events before it are chained: it was added or changed outside synapsor-runner.`);
      else report.legacy += 1;
      previous = e;
      continue;
    }
    report.chained += 1;
    const expectedLink = previous?.hash ?? null;
    if (e.prevHash !== expectedLink) {
      problem(
        e.id,
        previous?.hash ? "broken_link" : "head_missing",
        previous?.hash
          ? `event ${e.id} does not follow event ${previous.id}: an event between them was deleted or inserted, or event ${previous.id}'s hash was rewritten.`
          : `event ${e.id} points to an earlier event that is not in the store: events before it were deleted outside synapsor-runner.`,
      );
    }
    if (eventHash(e.prevHash, e) !== e.hash) problem(e.id, "edited", `event ${e.id} (${e.type}) does not match its hash: its content was edited.`);
    previous = e;
  }
  if (lastAssignedId !== null && lastAssignedId > (previous?.id ?? 0)) {
    problem(
      previous?.id ?? 0,
      "tail_missing",
      previous
        ? `events after ${previous.id} (up to ${lastAssignedId}) were deleted: the store handed out those ids.`
        : `all ${lastAssignedId} events were deleted from the store.`,
    );
  }
  return report;
}
