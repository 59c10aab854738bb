// The row a proposal targets, read again at review time so the reviewer compares the proposal
// with the database as it is now. It is read the way the proposal read it: through the source's
// READ URL (never the writer's credentials), with the fixed, tenant-scoped SELECT the build
// planned for the proposal capability, bound from the stored proposal and its trusted tenant. No
// SQL is written here. A failure is a safe sentence (runtime/db/classify.ts), never driver text.

import type { BuildPlan, CapabilityPlan, ParamSource } from "../../compiler/plan/capability-plan.ts";
import { openAdapter, type Adapter, type Row } from "../../runtime/db/index.ts";
import { classifyDatabaseError } from "../../runtime/db/classify.ts";
import { dialectFor } from "../../runtime/dialect/index.ts";
import { sameValue } from "../../runtime/calls/policy.ts";
import { projectRow } from "../../runtime/calls/visible.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import type { LiveRow } from "./model.ts";

/** What the live read found: the model's LiveRow, plus the full row and the match count the guards need. */
export interface LiveRead {
  live: LiveRow;
  /** Every column the planned statement returns (visible ones and those the guards need); null unless exactly one row matched. */
  row: Record<string, unknown> | null;
  /** Rows the tenant-scoped lookup matched (the statement reads one more than it needs); null when it did not run. */
  matched: number | null;
}

/**
 * One read-only connection per source, opened on first use and kept until close(), so a console
 * showing many proposals does not reconnect for each. A missing read URL is remembered as such.
 */
export interface LiveSources {
  adapter(source: string): Promise<{ ok: true; adapter: Adapter } | { ok: false; message: string }>;
  close(): Promise<void>;
}

export function liveSources(plan: BuildPlan, env: NodeJS.ProcessEnv): LiveSources {
  const open = new Map<string, Promise<Adapter>>();
  return {
    async adapter(name) {
      const source = plan.sources[name];
      if (!source) return { ok: false, message: `The build has no source ${name}, so the live row cannot be read.` };
      const url = env[source.readUrlEnv];
      if (!url) {
        return { ok: false, message: `The live row is not shown: ${source.readUrlEnv} (the read URL of source ${name}) is not set where the console runs. Set it to compare the proposal with the row as it is now.` };
      }
      let pending = open.get(name);
      if (!pending) {
        // Read-only at the database too, as the MCP server's sessions are; one connection is plenty for a person's page views.
        pending = openAdapter(source.engine, { url, statementTimeoutMs: source.statementTimeoutMs, maxConnections: 1, readOnly: true });
        open.set(name, pending);
        pending.catch(() => open.delete(name));
      }
      try {
        return { ok: true, adapter: await pending };
      } catch (err) {
        return { ok: false, message: unavailableMessage(err) };
      }
    },
    async close() {
      const adapters = await Promise.allSettled([...open.values()]);
      open.clear();
      await Promise.allSettled(adapters.map((a) => (a.status === "fulfilled" ? a.value.close() : undefined)));
    },
  };
}

/** Reads the proposal's row now with the capability's planned statement; never throws for a database fault. */
export async function readLiveRow(sources: LiveSources, capability: CapabilityPlan, proposal: StoredProposal, now: () => Date): Promise<LiveRead> {
  const opened = await sources.adapter(capability.source);
  if (!opened.ok) return { live: { status: "unavailable", message: opened.message }, row: null, matched: null };
  let rows: Row[];
  try {
    rows = await opened.adapter.query(capability.statement, boundParams(capability, proposal));
  } catch (err) {
    return { live: { status: "unavailable", message: unavailableMessage(err) }, row: null, matched: null };
  }
  const readAt = now().toISOString();
  // The lookup is by the id argument the proposal was made with; the row must also be the one it targets.
  const found = rows.filter((r) => sameValue(r[capability.target.primaryKey], proposal.target.primaryKey.value));
  if (rows.length === 0 || found.length === 0) return { live: { status: "missing", readAt }, row: null, matched: rows.length };
  if (rows.length > 1) {
    return {
      live: { status: "unavailable", message: `The lookup matched ${rows.length} rows in the tenant; a proposal targets exactly one, so no live row is shown.` },
      row: null,
      matched: rows.length,
    };
  }
  const row = found[0]!;
  return { live: { status: "read", row: projectRow(row, capability.visibleColumns), readAt }, row, matched: 1 };
}

/**
 * The statement's parameters as the generated module binds them (compiler/emit/capability-module.ts):
 * the proposal's arguments in place of the model's, its tenant and principal in place of the context.
 */
export function boundParams(capability: CapabilityPlan, proposal: StoredProposal): unknown[] {
  const given = (name: string) => Object.hasOwn(proposal.args, name) && proposal.args[name] !== undefined;
  const flag = (on: boolean) => (dialectFor(capability.engine).givenFlag === "one_zero" ? (on ? 1 : 0) : on);
  return capability.statement.params.map((p: ParamSource) => {
    switch (p.from) {
      case "arg":
        return given(p.name) ? proposal.args[p.name] : null;
      case "arg_given":
        return flag(given(p.name));
      case "context":
        return p.name === "tenant_id" ? proposal.tenantId : proposal.principal;
      case "fixed":
        return p.value;
    }
  });
}

function unavailableMessage(err: unknown): string {
  const { code, message } = classifyDatabaseError(err);
  // The console keeps no record of the failure, so the generic "details are in the ledger" would mislead.
  if (code === "INTERNAL") return "The live row could not be read (INTERNAL): the database answered with an error. `synapsor-runner doctor` checks the read connection.";
  return `The live row could not be read (${code}): ${message}`;
}
