// `store verify`: the event hash chain (event-chain.ts) and the keyed MACs of every proposal and
// decision (runtime/ledger/verify.ts, the same checks review and apply make one record at a time).
// Records of a tenant erased on request no longer match their MACs by design: they are counted
// as erased, not reported as edits, when the chained log holds that tenant's erase event.

import { checkEventChain, type ChainReport } from "../../runtime/ledger/event-chain.ts";
import type { KeySettings } from "../../runtime/ledger/keys/open-key-ring.ts";
import { chainedEvents, lastAssignedEventId } from "../../runtime/ledger/sqlite/lifecycle/event-chain-rows.ts";
import { withLedger, type KeyFlags } from "../review/store.ts";
import { withStoreFile } from "./open.ts";

export interface RecordProblem {
  id: string;
  message: string;
}

export interface RecordCheck {
  checked: number;
  verified: number;
  /** Records of an erased tenant, overwritten on purpose. */
  erased: number;
  problems: RecordProblem[];
}

export interface StoreVerification {
  ok: boolean;
  store: string;
  events: ChainReport;
  proposals: RecordCheck;
  decisions: RecordCheck;
}

export async function verifyStore(path: string, keys: KeyFlags | KeySettings): Promise<StoreVerification> {
  const { events, proposals, erasedTenants } = withStoreFile(path, (db) => {
    const events = checkEventChain(chainedEvents(db), lastAssignedEventId(db));
    const proposals = db.read(() => db.prepare("SELECT id, tenant_id FROM proposals ORDER BY rowid").all()) as Array<{ id: string; tenant_id: string }>;
    const erasedTenants = new Set(
      (db.read(() => db.prepare("SELECT DISTINCT tenant_id FROM events WHERE type = 'store_tenant_erased' AND tenant_id IS NOT NULL").all()) as Array<{ tenant_id: string }>)
        .map((r) => r.tenant_id),
    );
    return { events, proposals, erasedTenants };
  });
  const proposalCheck: RecordCheck = { checked: 0, verified: 0, erased: 0, problems: [] };
  const decisionCheck: RecordCheck = { checked: 0, verified: 0, erased: 0, problems: [] };
  await withLedger(path, async (ledger) => {
    for (const { id, tenant_id: tenant } of proposals) {
      const proposal = await ledger.proposals.get(id);
      if (!proposal) continue;
      const erased = erasedTenants.has(tenant);
      tally(proposalCheck, id, proposal.verification, erased);
      for (const decision of await ledger.proposals.decisions(id)) tally(decisionCheck, decision.id, decision.verification, erased);
    }
  }, keys);
  return {
    ok: events.problems.length === 0 && proposalCheck.problems.length === 0 && decisionCheck.problems.length === 0,
    store: path,
    events,
    proposals: proposalCheck,
    decisions: decisionCheck,
  };
}

function tally(check: RecordCheck, id: string, v: { verified: boolean; problem: string | null; message: string | null }, erased: boolean): void {
  check.checked += 1;
  if (v.verified) check.verified += 1;
  else if (erased && v.problem === "mismatch") check.erased += 1;
  else check.problems.push({ id, message: v.message ?? "does not verify" });
}
