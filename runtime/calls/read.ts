// A read capability: one scoped statement, then evidence and query audit in the ledger,
// then the rows the model may see.

import type { ReadCapability } from "../capability.ts";
import { EVIDENCE_HANDLE_NOTE, errorEnvelope, metaFor, type Envelope } from "../envelope.ts";
import { describeCause, type SafeError } from "../errors.ts";
import { redactParams, type CallEnvironment, type PreparedCapability } from "./call-context.ts";
import { STORE_UNAVAILABLE, runLookup } from "./run-statement.ts";
import type { ReadRecord } from "../ledger/records.ts";

export async function callRead(env: CallEnvironment, prepared: PreparedCapability, rawArgs: unknown): Promise<Envelope> {
  const cap = prepared.capability as ReadCapability;
  const failed = (error: SafeError) => errorEnvelope(cap.name, "read", error, env.context);

  const lookup = await runLookup(env, prepared, rawArgs);
  if (!lookup.ok) return failed(lookup.failure.error);
  const { args, rows, params, durationMs } = lookup.value;

  if (cap.single && rows.length !== 1) {
    const error: SafeError =
      rows.length === 0
        ? { code: "NOT_FOUND_IN_TENANT", message: `No ${cap.target.table} row with that id is visible in your tenant.`, retryable: false }
        : { code: "MULTI_ROW_BLOCKED", message: "The lookup matched more than one row; a single-row capability refuses to guess.", retryable: false };
    await recordReadEvidence(env, prepared, args, params, [], durationMs, false);
    return failed(error);
  }

  const truncated = rows.length > cap.maxRows;
  const visible = truncated ? rows.slice(0, cap.maxRows) : rows;
  const recorded = await recordReadEvidence(env, prepared, args, params, visible, durationMs, cap.evidence === "required" || visible.length > 0);
  if (!recorded.ok) return failed({ code: "TEMPORARILY_UNAVAILABLE", message: STORE_UNAVAILABLE, retryable: true });

  const evidence = recorded.evidenceId ? { bundle_id: recorded.evidenceId, note: EVIDENCE_HANDLE_NOTE } : null;
  const summary = cap.single ? singleRowSummary(cap, visible[0]!) : listSummary(cap, visible.length, truncated);
  return {
    ok: true,
    summary,
    action: cap.name,
    kind: "read",
    data: cap.single ? visible[0] : { rows: visible, count: visible.length, truncated },
    proposal: null,
    error: null,
    evidence,
    source_database_changed: false,
    _meta: metaFor(cap.name, env.context),
  };
}

// The table name is often plural ("appointments"), so counts are of rows "of" the table, never
// "1 appointments row".
function singleRowSummary(cap: ReadCapability, row: Record<string, unknown>): string {
  const key = cap.target.primaryKey;
  return Object.hasOwn(row, key)
    ? `Found the ${cap.target.table} row ${String(row[key])} in your tenant.`
    : `Found the ${cap.target.table} row in your tenant.`;
}

function listSummary(cap: ReadCapability, count: number, truncated: boolean): string {
  const rows = count === 0 ? "no rows" : count === 1 ? "1 row" : `${count} rows`;
  const more = truncated ? ` (${cap.maxRows === 1 ? "the first is" : `the first ${cap.maxRows} are`} shown; more exist)` : "";
  return `Found ${rows} of ${cap.target.table} in your tenant${more}.`;
}

function readRecord(
  env: CallEnvironment,
  prepared: PreparedCapability,
  args: Record<string, unknown>,
  params: unknown[],
  rows: Record<string, unknown>[],
  durationMs: number,
  withEvidence: boolean,
  /** The ids of the rows read; by default each row's key, when the statement selected it. */
  objectIds?: string[],
): ReadRecord {
  const cap = prepared.capability;
  const key = cap.target.primaryKey;
  return {
    capability: cap.name,
    tenantId: env.context.tenantId,
    principal: env.context.principal,
    // Plain (undefined without a roles claim) rather than a conditional spread: once per read.
    roles: env.context.roles,
    source: cap.source,
    table: prepared.tableLabel,
    statementFingerprint: prepared.fingerprint,
    args,
    redactedParams: redactParams(prepared, params),
    rows,
    objectIds: objectIds ?? rows.flatMap((r) => (Object.hasOwn(r, key) ? [String(r[key])] : [])),
    durationMs,
    withEvidence,
    ...(env.traceparent !== undefined ? { traceparent: env.traceparent } : {}),
  };
}

type Recorded = { ok: true; evidenceId: string | null } | { ok: false };

/**
 * Records a read; resolves once its transaction committed (reads finishing together share one,
 * see the ledger's group commit). Proposals await it too: their evidence must exist before the
 * proposal row that cites it.
 */
export async function recordReadEvidence(...input: Parameters<typeof readRecord>): Promise<Recorded> {
  const [env, prepared] = input;
  try {
    const { evidenceId } = await env.ledger.reads.recordRead(readRecord(...input));
    return { ok: true, evidenceId };
  } catch (cause) {
    env.log({ level: "error", event: "ledger_write_failed", capability: prepared.capability.name, detail: describeCause(cause) });
    return { ok: false };
  }
}
