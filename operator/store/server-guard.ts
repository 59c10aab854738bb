// The Postgres counterpart of lease-guard.ts: a shared ledger has no lease file, its live servers
// are the heartbeat rows (runtime/ledger/postgres/servers.ts) whose heartbeat is fresh. `store
// reset` refuses while any is live unless --force; a stale row (a server that died) never blocks.

import { CliError } from "../../cli/program.ts";
import type { ServerRow } from "../../runtime/ledger/postgres/servers.ts";
import { terminalSafe } from "../../runtime/text/terminal-safe.ts";

/** In words for a message; the row's text is escaped, since anyone who can write the ledger could put it there. */
export function describeServers(rows: readonly ServerRow[]): string {
  return rows
    .map((r) => `${r.transport === "http" ? "an HTTP" : `a ${terminalSafe(r.transport)}`} server (pid ${r.pid} on host ${terminalSafe(r.hostname)}, started ${r.startedAt}, last heartbeat ${r.heartbeatAt})`)
    .join(" and ");
}

/** Throws the refusal, or returns the warning to print when --force overrides live servers. */
export function guardLiveServers(rows: readonly ServerRow[], ledger: string, command: string, force: boolean): string | undefined {
  const live = rows.filter((r) => !r.stale);
  if (live.length === 0) return undefined;
  if (!force) {
    throw new CliError(
      `${command} refused: ${ledger} is in use by ${describeServers(live)}. ` +
        "Stop those servers first and run again; pass --force only when you have checked that none of them is still running.",
    );
  }
  return `--force: going on although ${ledger} has live servers: ${describeServers(live)}.`;
}
