// `store verify`: the event hash chain (event-chain.ts) and the keyed MACs of every proposal and
// decision (runtime/ledger/verify.ts, the same checks review and apply make one record at a time).
// Records of a tenant erased on request no longer match their MACs by design: they are counted
// as erased, not reported as edits, when the chained log holds that tenant's erase event.

import { checkEventChain, type ChainReport } from "../../runtime/ledger/event-chain.ts";
import type { KeySettings } from "../../runtime/ledger/keys/open-key-ring.ts";
import { chainedEvents, lastAssignedEventId } from "../../runtime/ledger/sqlite/lifecycle/event-chain-rows.ts";
import { LEDGER_SCHEMA } from "../../runtime/ledger/postgres/database.ts";
import { readEventChain } from "../../runtime/ledger/postgres/lifecycle/chain.ts";
import { storeName, withLedger, type KeyFlags, type StoreLocation } from "../review/store.ts";
import { withPostgresStore, withStoreFile } from "./open.ts";

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

interface StoredRows {
  events: ChainReport;
  proposals: Array<{ id: string; tenant_id: string }>;
  erasedTenants: Set<string>;
}

const ERASED_TENANTS = "SELECT DISTINCT tenant_id FROM {events} WHERE type = 'store_tenant_erased' AND tenant_id IS NOT NULL";

function sqliteRows(path: string): StoredRows {
  return withStoreFile(path, (db) => {
    const events = checkEventChain(chainedEvents(db), lastAssignedEventId(db));
    const proposals = db.read(() => db.prepare("SELECT id, tenant_id FROM proposals ORDER BY rowid").all()) as Array<{ id: string; tenant_id: string }>;
    const erased = db.read(() => db.prepare(ERASED_TENANTS.replace("{events}", "events")).all()) as Array<{ tenant_id: string }>;
    return { events, proposals, erasedTenants: new Set(erased.map((r) => r.tenant_id)) };
  });
}

async function postgresRows(urlEnv: string): Promise<StoredRows> {
  return withPostgresStore(urlEnv, async (db) => {
    const chain = await readEventChain(db);
    const events = checkEventChain(chain.events, chain.lastAssignedId);
    const proposals = (await db.query("read", `SELECT id, tenant_id FROM ${LEDGER_SCHEMA}.proposals ORDER BY created_at, id`)) as Array<{ id: string; tenant_id: string }>;
    const erased = (await db.query("read", ERASED_TENANTS.replace("{events}", `${LEDGER_SCHEMA}.events`))) as Array<{ tenant_id: string }>;
    return { events, proposals, erasedTenants: new Set(erased.map((r) => r.tenant_id)) };
  });
}

export async function verifyStore(store: StoreLocation | string, keys: KeyFlags | KeySettings): Promise<StoreVerification> {
  const location: StoreLocation = typeof store === "string" ? { kind: "sqlite", path: store } : store;
  const { events, proposals, erasedTenants } = location.kind === "sqlite" ? sqliteRows(location.path) : await postgresRows(location.urlEnv);
  const proposalCheck: RecordCheck = { checked: 0, verified: 0, erased: 0, problems: [] };
  const decisionCheck: RecordCheck = { checked: 0, verified: 0, erased: 0, problems: [] };
  await withLedger(location, async (ledger) => {
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
    store: storeName(location),
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
