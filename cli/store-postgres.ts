// The store lifecycle commands on a Postgres ledger (--store-url-env, or --config's
// storage.postgres_url_env); store-lifecycle.ts parses the flags and prints the shared reports.
// Several replicas on one ledger are normal, so prune and erase run while they serve (bounded
// transactions under the chain-head lock; runtime/ledger/postgres/lifecycle/); reset refuses
// while servers have fresh heartbeat rows unless --force; vacuum is the database's own job.

import { formatBytes } from "../operator/doctor/store.ts";
import { table, textLines } from "../operator/review/format.ts";
import { guardPostgresEventChain } from "../operator/store/chain-guard.ts";
import { withPostgresStore } from "../operator/store/open.ts";
import { describeServers, guardLiveServers } from "../operator/store/server-guard.ts";
import type { EraseResult } from "../runtime/ledger/sqlite/lifecycle/erase-tenant.ts";
import type { PruneResult } from "../runtime/ledger/sqlite/lifecycle/prune.ts";
import { LEDGER_SCHEMA } from "../runtime/ledger/postgres/database.ts";
import { erasePostgresTenant } from "../runtime/ledger/postgres/lifecycle/erase.ts";
import { prunePostgresLedger } from "../runtime/ledger/postgres/lifecycle/prune.ts";
import { resetPostgresLedger } from "../runtime/ledger/postgres/lifecycle/reset.ts";
import { countPostgresLedger } from "../runtime/ledger/postgres/lifecycle/stats.ts";
import { listServers } from "../runtime/ledger/postgres/servers.ts";
import { JOBS_SCHEMA } from "../runtime/ledger/postgres/webhook-jobs.ts";
import { CliError, printJson } from "./program.ts";

const name = (urlEnv: string) => `the Postgres ledger in ${urlEnv}`;

function warn(line: string | undefined): void {
  if (line) process.stderr.write(textLines([`synapsor-runner: ${line}`]));
}

export async function stats(urlEnv: string, flags: { json?: boolean }): Promise<void> {
  const s = await withPostgresStore(urlEnv, countPostgresLedger);
  const servers = s.servers.map((r) => ({
    holder_id: r.holderId, pid: r.pid, hostname: r.hostname, mode: r.mode, transport: r.transport,
    runner_version: r.runnerVersion, started_at: r.startedAt, heartbeat_at: r.heartbeatAt, live: !r.stale,
  }));
  if (flags.json) {
    return printJson({
      store: name(urlEnv), engine: "postgres", schema: LEDGER_SCHEMA, schema_version: s.schemaVersion, total_bytes: s.totalBytes,
      records: s.records, proposal_states: s.proposalStates, oldest: s.oldest, newest: s.newest, webhook_deliveries: s.deliveries, servers,
    });
  }
  process.stdout.write(textLines([
    `Store ${name(urlEnv)} (schema ${LEDGER_SCHEMA}, version ${s.schemaVersion})`,
    `  tables and indexes ${formatBytes(s.totalBytes)}`,
    `  records from ${s.oldest ?? "—"} to ${s.newest ?? "—"}`,
    "",
  ]));
  process.stdout.write(table(["RECORD", "COUNT"], Object.entries(s.records).map(([k, n]) => [k, String(n)])));
  const states = Object.entries(s.proposalStates);
  if (states.length > 0) process.stdout.write("\n" + table(["PROPOSAL STATE", "COUNT"], states.map(([k, n]) => [k, String(n)])));
  const deliveries = Object.entries(s.deliveries);
  if (deliveries.length > 0) process.stdout.write("\n" + table(["WEBHOOK DELIVERY", "COUNT"], deliveries.map(([k, n]) => [k, String(n)])));
  const live = s.servers.filter((r) => !r.stale);
  const stale = s.servers.length - live.length;
  process.stdout.write(textLines([
    "",
    live.length === 0 ? "Servers: none live." : `Servers: ${live.length} live: ${describeServers(live)}.`,
    ...(stale > 0 ? [`  ${stale} stale row${stale === 1 ? "" : "s"} (no heartbeat for three intervals: servers that died).`] : []),
  ]));
}

export function vacuum(urlEnv: string): void {
  throw new CliError(
    `store vacuum rebuilds a SQLite file; ${name(urlEnv)} is kept compact by Postgres's autovacuum. ` +
      `To reclaim space now, run VACUUM on the ${LEDGER_SCHEMA} tables as their owner (VACUUM FULL locks them: stop the servers first).`,
  );
}

export async function prune(urlEnv: string, cutoff: string, dryRun: boolean, force: boolean): Promise<PruneResult> {
  return withPostgresStore(urlEnv, async (db, events) => {
    if (!dryRun) warn(await guardPostgresEventChain(db, urlEnv, "store prune", force));
    return prunePostgresLedger(db, events, cutoff, { dryRun });
  });
}

export async function erase(urlEnv: string, tenant: string, dryRun: boolean, force: boolean): Promise<EraseResult> {
  return withPostgresStore(urlEnv, async (db, events) => {
    if (!dryRun) warn(await guardPostgresEventChain(db, urlEnv, "store erase", force));
    return erasePostgresTenant(db, events, tenant, { dryRun });
  });
}

export async function reset(urlEnv: string, flags: { yes?: boolean; force?: boolean; json?: boolean }): Promise<void> {
  const dropped = await withPostgresStore(urlEnv, async (db) => {
    if (!flags.yes) {
      throw new CliError(`store reset drops every record of ${name(urlEnv)} (schema ${LEDGER_SCHEMA}, and the webhook deliveries' schema ${JOBS_SCHEMA}; the source database and your other tables are not touched). Run again with --yes to confirm.`);
    }
    warn(guardLiveServers(await listServers(db), name(urlEnv), "store reset", Boolean(flags.force)));
    return resetPostgresLedger(db);
  });
  if (flags.json) return printJson({ store: name(urlEnv), dropped_schema: dropped });
  process.stdout.write(textLines([
    `Dropped schema ${dropped} of ${name(urlEnv)}, and its webhook deliveries' schema ${JOBS_SCHEMA}.`,
    "The next server to start on this database creates an empty ledger. Ledger keys live in the environment and were not touched.",
  ]));
}
