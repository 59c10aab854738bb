// `store erase --tenant T` on a Postgres ledger: the SQLite erase's overwrites
// (sqlite/lifecycle/erase-tenant.ts, which says what is kept and why) in Postgres's JSON
// functions, in one transaction under the chain-head lock, re-sealing the chain from the first
// event it rewrote and recording itself as the next event. Postgres has no secure_delete:
// overwritten values stay in dead row versions until VACUUM reclaims them (autovacuum, or the
// operator's own VACUUM); docs/ledger-postgres.md says so.

import { ERASED_MESSAGE, type EraseCounts, type EraseResult } from "../../sqlite/lifecycle/erase-tenant.ts";
import { LEDGER_SCHEMA, type PostgresLedgerDatabase } from "../database.ts";
import type { PostgresEventLog } from "../event-log.ts";
import { lockChainHead, resealFrom } from "./chain.ts";
import { runOrRehearse } from "./rehearsal.ts";

const S = LEDGER_SCHEMA;
const TENANT_PROPOSALS = `SELECT id FROM ${S}.proposals WHERE tenant_id = $1`;
const MESSAGE = `'${ERASED_MESSAGE}'`;

// Each statement keeps its column's JSON shape, so every reader still parses an erased record.
const STEPS: ReadonlyArray<readonly [keyof EraseCounts, string]> = [
  ["internal_errors", `UPDATE ${S}.internal_errors SET detail = ${MESSAGE}
    WHERE query_audit_id IN (SELECT 'qa_' || key FROM ${S}.reads WHERE tenant_id = $1)`],
  ["reads", `UPDATE ${S}.reads SET args = CASE WHEN args IS NULL THEN NULL ELSE '{}' END,
    rows = CASE WHEN rows IS NULL THEN NULL ELSE '[]' END, redacted_params = '[]' WHERE tenant_id = $1`],
  ["proposals", `UPDATE ${S}.proposals SET before_row = '{}', patch = '{}', after_row = '{}', args = '{}',
    guards = jsonb_build_object('tenant', guards::jsonb -> 'tenant')::text WHERE tenant_id = $1`],
  ["decisions", `UPDATE ${S}.decisions SET reason = CASE WHEN reason IS NULL THEN NULL ELSE ${MESSAGE} END
    WHERE tenant_id = $1 OR proposal_id IN (${TENANT_PROPOSALS})`],
  ["writeback_jobs", `UPDATE ${S}.writeback_jobs SET request = '{"erased":true}'
    WHERE tenant_id = $1 OR proposal_id IN (${TENANT_PROPOSALS})`],
  ["receipts", `UPDATE ${S}.receipts SET receipt = jsonb_build_object(
      'status', receipt::jsonb ->> 'status',
      'rows_affected', COALESCE(receipt::jsonb -> 'rows_affected', '0'::jsonb),
      'source_database_mutated', COALESCE(receipt::jsonb -> 'source_database_mutated', 'null'::jsonb),
      'previous_version', NULL, 'new_version', NULL,
      'safe_error_code', receipt::jsonb ->> 'safe_error_code',
      'message', ${MESSAGE},
      'details', jsonb_build_object('effects', '[]'::jsonb))::text
    WHERE tenant_id = $1 OR proposal_id IN (${TENANT_PROPOSALS})`],
];

const EVENTS = `UPDATE ${S}.events SET detail = '{"erased":true}'
  WHERE tenant_id = $1 OR proposal_id IN (${TENANT_PROPOSALS}) RETURNING id`;

export async function erasePostgresTenant(db: PostgresLedgerDatabase, events: PostgresEventLog, tenant: string, options: { dryRun: boolean }): Promise<EraseResult> {
  return runOrRehearse(db, options.dryRun, async (client) => {
    await lockChainHead(client);
    const erased = {} as EraseCounts;
    for (const [kind, sql] of STEPS) erased[kind] = (await client.query(sql, [tenant])).rowCount ?? 0;
    const changed = (await client.query(EVENTS, [tenant])).rows.map((r: { id: number }) => Number(r.id));
    erased.events = changed.length;
    if (!options.dryRun) {
      const first = changed.reduce((a, b) => Math.min(a, b), Infinity);
      if (Number.isFinite(first)) await resealFrom(client, first);
      await events.insertIn(client, [{ type: "store_tenant_erased", tenantId: tenant, detail: { erased }, createdAt: new Date().toISOString() }]);
    }
    return { tenant, dryRun: options.dryRun, erased };
  });
}
