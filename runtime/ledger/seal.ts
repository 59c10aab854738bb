// Keyed MACs (HMAC-SHA256) over the review records. A proposal is sealed once over everything
// immutable about it; its state is sealed with every legitimate transition and bound to the
// proposal's MAC; a decision is sealed over who decided what, bound to the proposal's MAC and to
// the hash of the row the person was shown. Someone who can edit the ledger file but does not
// hold the key cannot produce a record that verifies.

import { createHash, createHmac } from "node:crypto";
import { tokensEqual } from "../mcp/auth.ts";
import { canonicalJson, changeSet } from "./hash.ts";
import type { KeyRing, LedgerKey } from "./keys/key-ring.ts";
import type { ProposalState, VerificationProblem } from "./records.ts";
import type { DecisionRecord, ProposalRecord } from "./review-storage.ts";

export type SealCheck = { ok: true; keyId: string } | { ok: false; keyId: string | null; problem: VerificationProblem };

function mac(key: LedgerKey, fields: Record<string, unknown>): string {
  return createHmac("sha256", Buffer.from(key.secret, "utf8")).update(canonicalJson({ ...fields, keyId: key.id })).digest("hex");
}

function check(keys: KeyRing, keyId: string | null, stored: string | null, fields: (key: LedgerKey) => Record<string, unknown>): SealCheck {
  if (keyId === null || stored === null) return { ok: false, keyId, problem: "unsealed" };
  const key = keys.find(keyId);
  if (!key) return { ok: false, keyId, problem: "unknown_key" };
  return tokensEqual(mac(key, fields(key)), stored) ? { ok: true, keyId } : { ok: false, keyId, problem: "mismatch" };
}

/** Everything immutable about a proposal, including the columns kept only for indexing. */
function proposalFields(p: ProposalRecord): Record<string, unknown> {
  return {
    record: "synapsor.proposal.v1",
    id: p.id,
    createdAt: p.createdAt,
    hash: p.hash,
    planHash: p.planHash,
    changeSet: changeSet(p),
    targetTable: p.targetTable,
    objectId: p.objectId,
  };
}

function stateFields(proposalId: string, proposalMac: string | null, state: ProposalState, updatedAt: string): Record<string, unknown> {
  return { record: "synapsor.proposal-state.v1", proposalId, proposalMac, state, updatedAt };
}

function decisionFields(d: DecisionRecord): Record<string, unknown> {
  return {
    record: "synapsor.decision.v1",
    id: d.id,
    proposalId: d.proposalId,
    tenantId: d.tenantId,
    decision: d.decision,
    actor: d.actor,
    role: d.role,
    reason: d.reason,
    // Absent (not null) when unset: canonicalJson drops undefined members, so a decision stored
    // before the field existed seals over exactly the fields it was sealed over then.
    establishedBy: d.establishedBy ?? undefined,
    proposalHash: d.proposalHash,
    proposalMac: d.proposalMac,
    beforeHash: d.beforeHash,
    createdAt: d.createdAt,
  };
}

export function sealProposal(key: LedgerKey, p: ProposalRecord): string {
  return mac(key, proposalFields(p));
}

export function sealState(key: LedgerKey, proposalId: string, proposalMac: string | null, state: ProposalState, updatedAt: string): string {
  return mac(key, stateFields(proposalId, proposalMac, state, updatedAt));
}

export function sealDecision(key: LedgerKey, d: DecisionRecord): string {
  return mac(key, decisionFields(d));
}

export function checkProposal(keys: KeyRing, p: ProposalRecord): SealCheck {
  return check(keys, p.keyId, p.mac, () => proposalFields(p));
}

export function checkState(keys: KeyRing, p: ProposalRecord): SealCheck {
  return check(keys, p.stateKeyId, p.stateMac, () => stateFields(p.id, p.mac, p.state, p.updatedAt));
}

export function checkDecision(keys: KeyRing, d: DecisionRecord): SealCheck {
  return check(keys, d.keyId, d.mac, () => decisionFields(d));
}

/** SHA-256 of the canonical before-row: what an approval says the person was shown. */
export function beforeHash(before: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(before)).digest("hex");
}
