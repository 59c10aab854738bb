// The rule for commands that destroy store data: refuse while a server may be using the store,
// unless the operator says --force after checking. A stale lease (its pid is gone) never blocks.

import { CliError } from "../../cli/program.ts";
import { activeHolders, describeHolders, liveLeaseRefusal, readLease } from "../../runtime/ledger/lease.ts";

/** Throws the refusal, or returns the warning to print when --force overrides a live lease. */
export function guardLease(storePath: string, command: string, force: boolean): string | undefined {
  const holders = activeHolders(readLease(storePath));
  if (holders.length === 0) return undefined;
  if (!force) throw new CliError(liveLeaseRefusal(storePath, command, holders));
  return `--force: going on although the store is leased by ${describeHolders(holders)}.`;
}
