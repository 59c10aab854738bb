// The SQLite ledger file as someone with file access (and no key) sees it: plain SQL on the rows,
// no foreign keys in the way, and the plain change-set hash recomputed after an edit, which is
// all a hash without a key can stop.

import { DatabaseSync } from "node:sqlite";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { toProposalRecord } from "../../runtime/ledger/rows.ts";

export function editStore(path: string, sql: string, ...params: (string | number | null)[]): void {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: false });
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

export function storeRow(path: string, table: string, id: string): Record<string, any> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return { ...(db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as Record<string, unknown>) };
  } finally {
    db.close();
  }
}

/** What an attacker does after editing a change-set column: recompute the plain SHA-256 so it matches again. */
export function rehashProposal(path: string, id: string): void {
  const hash = changeSetHash(toProposalRecord(storeRow(path, "proposals", id)));
  editStore(path, "UPDATE proposals SET hash = ? WHERE id = ?", hash, id);
}
