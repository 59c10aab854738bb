// `store erase --tenant T`: a data-protection request. Every value that came from T's database
// rows or its agents' arguments is overwritten in place: evidence rows, arguments and redacted
// parameters of reads, internal error text, proposals' before/patch/after/arguments/guards,
// writeback requests, receipts (ids, status and counts stay), decision reasons and event details.
// Ids, times, capability names and the tenant id itself stay, so the audit trail keeps its shape.
// Overwritten proposals no longer match their keyed MACs: they can never be approved or applied.
// The caller then VACUUMs and truncates the WAL (compact.ts) so no old page keeps a value.

import { SqliteEventLog } from "../event-log.ts";
import type { SqliteDatabase } from "../database.ts";
import { resealEventChain } from "./event-chain-rows.ts";
import { runOrRehearse } from "./rehearsal.ts";

export interface EraseCounts {
  reads: number;
  internal_errors: number;
  proposals: number;
  decisions: number;
  writeback_jobs: number;
  receipts: number;
  events: number;
}

export const ERASED_MESSAGE = "Erased on request (store erase --tenant).";

const TENANT_PROPOSALS = "SELECT id FROM proposals WHERE tenant_id = :tenant";

// Each statement keeps its column's JSON shape, so every reader still parses an erased record.
const STEPS: ReadonlyArray<readonly [keyof EraseCounts, string]> = [
  ["internal_errors", `UPDATE internal_errors SET detail = '${ERASED_MESSAGE}'
    WHERE query_audit_id IN (SELECT 'qa_' || key FROM reads WHERE tenant_id = :tenant)`],
  ["reads", `UPDATE reads SET args = CASE WHEN args IS NULL THEN NULL ELSE '{}' END,
    rows = CASE WHEN rows IS NULL THEN NULL ELSE '[]' END, redacted_params = '[]' WHERE tenant_id = :tenant`],
  ["proposals", `UPDATE proposals SET before_row = '{}', patch = '{}', after_row = '{}', args = '{}',
    guards = json_object('tenant', json(guards -> '$.tenant')) WHERE tenant_id = :tenant`],
  ["decisions", `UPDATE decisions SET reason = CASE WHEN reason IS NULL THEN NULL ELSE '${ERASED_MESSAGE}' END
    WHERE tenant_id = :tenant OR proposal_id IN (${TENANT_PROPOSALS})`],
  ["writeback_jobs", `UPDATE writeback_jobs SET request = json_object('erased', json('true'))
    WHERE tenant_id = :tenant OR proposal_id IN (${TENANT_PROPOSALS})`],
  ["receipts", `UPDATE receipts SET receipt = json_object(
      'status', receipt ->> '$.status',
      'rows_affected', json(COALESCE(receipt -> '$.rows_affected', '0')),
      'source_database_mutated', json(COALESCE(receipt -> '$.source_database_mutated', 'null')),
      'previous_version', NULL, 'new_version', NULL,
      'safe_error_code', receipt ->> '$.safe_error_code',
      'message', '${ERASED_MESSAGE}',
      'details', json_object('effects', json_array()))
    WHERE tenant_id = :tenant OR proposal_id IN (${TENANT_PROPOSALS})`],
  ["events", `UPDATE events SET detail = json_object('erased', json('true'))
    WHERE tenant_id = :tenant OR proposal_id IN (${TENANT_PROPOSALS})`],
];

export interface EraseResult {
  tenant: string;
  dryRun: boolean;
  erased: EraseCounts;
}

export function eraseTenant(db: SqliteDatabase, tenant: string, options: { dryRun: boolean }): EraseResult {
  // Cells overwritten from here on are zeroed in their pages, not left in free space.
  if (!options.dryRun) db.prepare("PRAGMA secure_delete = ON").run();
  return runOrRehearse(db, options.dryRun, () => {
    const erased = {} as EraseCounts;
    for (const [kind, sql] of STEPS) erased[kind] = Number(db.prepare(sql).run({ tenant }).changes);
    if (!options.dryRun) {
      resealEventChain(db);
      new SqliteEventLog(db).insertNow({ type: "store_tenant_erased", tenantId: tenant, detail: { erased }, createdAt: new Date().toISOString() });
    }
    return { tenant, dryRun: options.dryRun, erased };
  });
}
