// Builds the writeback request an executor receives for an approved proposal. Everything in it
// comes from the stored proposal and the person's decision; nothing comes from the model.

import type { Decision, StoredProposal } from "../ledger/records.ts";
import { WRITEBACK_PROTOCOL_VERSION, type ChangeSet, type WritebackRequest } from "./protocol.ts";

/** Thrown when the decision cannot authorise this proposal (rejected, another proposal, a stale hash). */
export class WritebackRequestError extends Error {
  readonly code = "APPROVAL_REQUIRED" as const;
  constructor(message: string) {
    super(message);
    this.name = "WritebackRequestError";
  }
}

/** The same proposal always yields the same idempotency key, so every retry is recognised downstream. */
export function idempotencyKey(proposal: StoredProposal): string {
  return `${proposal.id}:${proposal.target.primaryKey.value}`;
}

export function buildWritebackRequest(proposal: StoredProposal, decision: Decision, issuedAt: string): WritebackRequest {
  if (decision.decision !== "approved") throw new WritebackRequestError(`proposal ${proposal.id} was ${decision.decision}, not approved`);
  if (decision.proposalId !== proposal.id) {
    throw new WritebackRequestError(`decision ${decision.id} is for proposal ${decision.proposalId}, not ${proposal.id}`);
  }
  // A changed proposal cannot ride on an approval given to another version of it.
  if (decision.proposalHash !== proposal.hash) {
    throw new WritebackRequestError(`proposal ${proposal.id} changed after it was approved (hash mismatch)`);
  }
  return {
    protocol_version: WRITEBACK_PROTOCOL_VERSION,
    proposal_id: proposal.id,
    idempotency_key: idempotencyKey(proposal),
    issued_at: issuedAt,
    change_set: protocolChangeSet(proposal),
    approval: {
      actor: decision.actor,
      role: decision.role,
      approved_at: decision.createdAt,
      proposal_hash: decision.proposalHash,
    },
  };
}

/**
 * The stored proposal's change set in the protocol's shape (schemas/change-set.v1.schema.json):
 * what an executor receives, and what `proposals show --json` prints as `changeSet`.
 */
export function protocolChangeSet(proposal: StoredProposal): ChangeSet {
  const { target, guards } = proposal;
  return {
    action: proposal.capability,
    scope: { tenant_id: proposal.tenantId, object_id: target.primaryKey.value },
    principal: { id: proposal.principal },
    target: {
      schema: target.schema ?? null,
      table: target.table,
      primary_key: { column: target.primaryKey.column, value: target.primaryKey.value },
    },
    before: proposal.before,
    patch: proposal.patch,
    after: proposal.after,
    guards: {
      tenant: { column: guards.tenant.column, value: guards.tenant.value },
      expected_version: guards.conflict ? { column: guards.conflict.column, value: guards.conflict.expected } : null,
      transitions: (guards.transitions ?? []).map((t) => ({ column: t.column, from: [...t.from], to: [...t.to] })),
    },
    evidence: { bundle_id: proposal.evidenceId },
  };
}
