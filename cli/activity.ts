// `synapsor-runner activity search`: one newest-first timeline of reads, proposals, decisions,
// receipts and lifecycle events, narrowed by the same filters as evidence and query-audit list.

import type { Command } from "commander";
import { searchActivity } from "../operator/ledger/activity.ts";
import { formatActivity } from "../operator/ledger/format.ts";
import { readFilterFrom, withSearchOptions, type SearchFlags } from "../operator/ledger/search-options.ts";
import { storeLocation, withLedger } from "../operator/review/store.ts";
import { printJson } from "./program.ts";

export function register(program: Command): void {
  const group = program.command("activity").description("What the ledger holds about a tenant, an object or a table, in one timeline");

  withSearchOptions(
    group.command("search").description("Search the ledger: reads, proposals, decisions, receipts and events in one timeline, newest first"),
    "activity",
  )
    .option("--json", "print a JSON array of { kind, id, created_at, tenant_id, capability, proposal_id, evidence_id, query_audit_id, status, verified, summary }")
    .action((flags: SearchFlags) =>
      withLedger(storeLocation(flags), async (ledger) => {
        const entries = await searchActivity(ledger, readFilterFrom(flags));
        if (flags.json) printJson(entries);
        else process.stdout.write(formatActivity(entries));
      }, flags));
}
