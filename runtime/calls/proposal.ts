// A proposal capability: read the current row in the tenant, apply the patch in memory,
// check policy, store the immutable change set for human review. Never writes the source.

import type { ProposalCapability } from "../capability.ts";
import { EVIDENCE_HANDLE_NOTE, errorEnvelope, metaFor, type Envelope } from "../envelope.ts";
import { describeCause, fail, type SafeError } from "../errors.ts";
import { LedgerKeyError } from "../ledger/keys/key-ring.ts";
import type { NewProposal } from "../ledger/records.ts";
import type { CallEnvironment, PreparedCapability } from "./call-context.ts";
import { policyViolation } from "./policy.ts";
import { recordReadEvidence } from "./read.ts";
import { STORE_UNAVAILABLE, runLookup } from "./run-statement.ts";
import { projectRow, visibleDiff } from "./visible.ts";
import { openProposalsRefusal } from "../limits/server-limits.ts";
import type { Scalar } from "../values.ts";

const NEXT_STEP =
  "A person must review and approve this proposal outside this conversation; nothing has been written to the database.";

// Every column this proposal could change is fed by an optional argument, and all were left out.
const NOTHING_TO_CHANGE =
  "Nothing to propose: every argument that sets a column was left out, and a column whose argument is left out stays as it is. Give at least one of them.";

// Which key, and where it is read from, is for the operator's log; the caller learns only that
// retrying will not help until someone fixes the configuration.
const LEDGER_KEY_UNUSABLE =
  "The server cannot seal proposals: its ledger key is misconfigured, and an operator must fix the ledger key before proposals can be stored. Nothing was stored and the database was not changed.";

export async function callProposal(env: CallEnvironment, prepared: PreparedCapability, rawArgs: unknown): Promise<Envelope> {
  const limits = env.limits;
  const openLimit = limits?.openProposalsPerTenant;
  if (limits === undefined || openLimit === undefined) return propose(env, prepared, rawArgs, undefined);
  const tenant = env.context.tenantId;
  const failed = (error: SafeError) => errorEnvelope(prepared.capability.name, "proposal", error, env.context);
  // Counted before any source statement runs; the slot held until the call ends keeps a second
  // call of this process from passing the same count, and the ledger re-counts as it stores.
  let open: number;
  try {
    open = await env.ledger.proposals.countOpen(tenant);
  } catch (cause) {
    env.log({ level: "error", event: "ledger_read_failed", capability: prepared.capability.name, detail: describeCause(cause) });
    return failed({ code: "TEMPORARILY_UNAVAILABLE", message: STORE_UNAVAILABLE, retryable: true });
  }
  if (!limits.holdProposalSlot(tenant, open)) return failed(openProposalsRefusal(openLimit));
  try {
    return await propose(env, prepared, rawArgs, openLimit);
  } finally {
    limits.releaseProposalSlot(tenant);
  }
}

async function propose(env: CallEnvironment, prepared: PreparedCapability, rawArgs: unknown, openLimit: number | undefined): Promise<Envelope> {
  const cap = prepared.capability as ProposalCapability;
  const failed = (error: SafeError) => errorEnvelope(cap.name, "proposal", error, env.context);

  let patch: Record<string, Scalar> = {};
  const lookup = await runLookup(env, prepared, rawArgs, (args) => {
    patch = cap.patch(args);
    return Object.keys(patch).length === 0 ? fail("INVALID_ARGUMENT", NOTHING_TO_CHANGE) : undefined;
  });
  if (!lookup.ok) return failed(lookup.failure.error);
  const { args, rows, params, durationMs } = lookup.value;
  if (rows.length !== 1) {
    await recordReadEvidence(env, prepared, args, params, [], durationMs, false);
    return failed(
      rows.length === 0
        ? { code: "NOT_FOUND_IN_TENANT", message: `No ${cap.target.table} row with that id is visible in your tenant.`, retryable: false }
        : { code: "MULTI_ROW_BLOCKED", message: "The lookup matched more than one row; a proposal must target exactly one.", retryable: false },
    );
  }
  const row = rows[0]!;
  const violation = policyViolation(cap, row, patch);
  if (violation) {
    await recordReadEvidence(env, prepared, args, params, [], durationMs, false);
    return failed({ code: "POLICY_VIOLATION", message: violation, retryable: false });
  }

  // Evidence is what the model was shown of the row (SPEC §5: the projected row); the full row
  // stays in the proposal's `before` for reviewers.
  // The object id is the row's own key, which the proposal always reads, visible or not.
  const objectId = String(row[cap.target.primaryKey]);
  const evidenceRow = projectRow(row, cap.visibleColumns);
  const evidence = await recordReadEvidence(env, prepared, args, params, [evidenceRow], durationMs, true, [objectId]);
  if (!evidence.ok || !evidence.evidenceId) return failed({ code: "TEMPORARILY_UNAVAILABLE", message: STORE_UNAVAILABLE, retryable: true });

  const proposal: NewProposal = {
    capability: cap.name,
    tenantId: env.context.tenantId,
    principal: env.context.principal,
    ...(env.context.roles !== undefined ? { roles: env.context.roles } : {}),
    source: cap.source,
    target: {
      ...(cap.target.schema !== undefined ? { schema: cap.target.schema } : {}),
      table: cap.target.table,
      primaryKey: { column: cap.target.primaryKey, value: objectId },
    },
    before: row,
    patch,
    after: { ...row, ...patch },
    guards: {
      tenant: { column: cap.target.tenantKey, value: env.context.tenantId },
      ...(cap.conflictColumn ? { conflict: { column: cap.conflictColumn, expected: (row[cap.conflictColumn] ?? null) as never } } : {}),
      ...(Object.keys(cap.transitionGuards).length > 0
        ? {
            transitions: Object.entries(cap.transitionGuards).map(([column, g]) => ({ column, from: [...g.from], to: [...g.to] })),
          }
        : {}),
      ...(cap.preconditions
        ? { preconditions: Object.entries(cap.preconditions).map(([column, p]) => ({ column, oneOf: [...p.oneOf] })) }
        : {}),
    },
    args,
    evidenceId: evidence.evidenceId,
    approval: { ...cap.approval },
    executor: { ...cap.executor },
    planHash: cap.planHash,
  };

  let stored;
  try {
    stored = openLimit === undefined ? await env.ledger.proposals.create(proposal) : await env.ledger.proposals.createWithinLimit(proposal, openLimit);
  } catch (cause) {
    if (cause instanceof LedgerKeyError) {
      env.log({ level: "error", event: "ledger_key_unusable", capability: cap.name, detail: cause.message });
      return failed({ code: "CONFIGURATION_ERROR", message: LEDGER_KEY_UNUSABLE, retryable: false });
    }
    env.log({ level: "error", event: "ledger_write_failed", capability: cap.name, detail: describeCause(cause) });
    return failed({ code: "TEMPORARILY_UNAVAILABLE", message: STORE_UNAVAILABLE, retryable: true });
  }

  // Another process on the same store filled the last slot after this call counted.
  if (stored === undefined) return failed(openProposalsRefusal(openLimit!));

  const diff = visibleDiff(row, patch, cap.visibleColumns);
  const hiddenChanges = Object.keys(patch).length - Object.keys(diff).length;
  const changes = [
    ...Object.entries(diff).map(([c, d]) => `${c} ${JSON.stringify(d.before)} → ${JSON.stringify(d.proposed)}`),
    ...(hiddenChanges > 0 ? [`${hiddenChanges} more column${hiddenChanges === 1 ? "" : "s"} not shown to you`] : []),
  ].join(", ");
  return {
    ok: true,
    summary: `Proposal ${stored.id} for the ${cap.target.table} row ${objectId} awaits human review (${changes}). The source database was not changed.`,
    action: cap.name,
    kind: "proposal",
    data: null,
    proposal: {
      id: stored.id,
      state: stored.state,
      target: `${cap.target.table}:${objectId}`,
      diff,
      approval_required: true,
      writeback: { mode: cap.executor.type === "sql_update" ? "direct_update" : "app_handler", applied: false },
      next: NEXT_STEP,
    },
    error: null,
    evidence: { bundle_id: evidence.evidenceId, note: EVIDENCE_HANDLE_NOTE },
    source_database_changed: false,
    _meta: metaFor(cap.name, env.context),
  };
}
