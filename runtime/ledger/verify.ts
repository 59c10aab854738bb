// Turns the keyed-MAC checks of seal.ts into what a reader of a record needs: verified or not,
// which key, and a message that says what is wrong, names the key id and where keys are read
// from, and what to do. Storage-free, like the rules that act on it.

import type { KeyRing } from "./keys/key-ring.ts";
import type { ProposalVerification, SealStatus, Verification } from "./records.ts";
import type { DecisionRecord, ProposalRecord } from "./review-storage.ts";
import { beforeHash, checkDecision, checkProposal, checkState, type SealCheck } from "./seal.ts";

const verified = (keyId: string | null): Verification => ({ verified: true, keyId, problem: null, message: null });

function failed(check: Extract<SealCheck, { ok: false }>, keys: KeyRing, subject: string, proposalKeyId: string | null): Verification {
  const key = check.keyId;
  const message =
    check.problem === "unsealed"
      ? `${subject} was stored before review records were sealed with a keyed MAC (or its MAC was removed), so nothing proves it is what ` +
        "synapsor-runner wrote; it cannot be approved or applied. Propose the change again."
      : check.problem === "unknown_key"
        ? `${subject} was sealed with key ${key}, which this process does not have (ledger keys are read from ${keys.source}): ` +
          "the key was lost, or this process reads other keys than the one that wrote it. It cannot be approved or applied with these keys; " +
          "run with the keys it was sealed with, or propose the change again."
        : `${subject} does not match its keyed MAC (key ${key}, read from ${keys.source}): it was changed outside synapsor-runner, ` +
          "or was written with a key this process does not have.";
  return { verified: false, keyId: proposalKeyId ?? key, problem: check.problem, message };
}

/** The verification of a proposal this process has just sealed, record and state, with `keyId`. */
export function sealedWith(keyId: string): ProposalVerification {
  return { ...verified(keyId), seals: { record: "verified", state: "verified" } };
}

/** Both seals are checked even when the record fails: the rules still need to know whether the state verifies. */
export function verifyProposal(keys: KeyRing, record: ProposalRecord): ProposalVerification {
  const proposal = checkProposal(keys, record);
  const state = checkState(keys, record);
  const seals = { record: statusOf(proposal), state: statusOf(state) };
  if (!proposal.ok) return { ...failed(proposal, keys, `Proposal ${record.id}`, null), seals };
  if (!state.ok) return { ...failed(state, keys, `The state (${record.state}) of proposal ${record.id}`, record.keyId), seals };
  return { ...verified(record.keyId), seals };
}

function statusOf(check: SealCheck): SealStatus {
  return check.ok ? "verified" : check.problem;
}

/** A decision verifies when its own MAC does and it is bound to the proposal as stored now (its MAC and before-row). */
export function verifyDecision(keys: KeyRing, d: DecisionRecord, proposal: ProposalRecord | undefined): Verification {
  const subject = `The ${d.decision === "approved" ? "approval" : "rejection"} ${d.id} of proposal ${d.proposalId}`;
  const own = checkDecision(keys, d);
  if (!own.ok) return failed(own, keys, subject, null);
  if (!proposal || proposal.id !== d.proposalId || proposal.mac !== d.proposalMac || beforeHash(proposal.before) !== d.beforeHash) {
    return {
      verified: false,
      keyId: d.keyId,
      problem: "mismatch",
      message: `${subject} was given for another version of that proposal (it is bound to a different proposal MAC or before-row): ` +
        "a changed proposal cannot use an approval given to the one a person saw.",
    };
  }
  return verified(d.keyId);
}

