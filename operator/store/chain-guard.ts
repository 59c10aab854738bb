// Prune and erase re-seal the event chain after changing events on purpose; re-sealing a chain
// that is already broken would hide the earlier edit. So both check it first and refuse a broken
// one unless --force (after `store verify` has shown what is wrong).

import { CliError } from "../../cli/program.ts";
import { checkEventChain, type ChainProblem } from "../../runtime/ledger/event-chain.ts";
import type { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { readEventChain } from "../../runtime/ledger/postgres/lifecycle/chain.ts";
import type { SqliteDatabase } from "../../runtime/ledger/sqlite/database.ts";
import { chainedEvents, lastAssignedEventId } from "../../runtime/ledger/sqlite/lifecycle/event-chain-rows.ts";

/** Throws the refusal, or returns the warning to print when --force goes on over a broken chain. */
export function guardEventChain(db: SqliteDatabase, storePath: string, command: string, force: boolean): string | undefined {
  return refuseBrokenChain(checkEventChain(chainedEvents(db), lastAssignedEventId(db)).problems, storePath, `--store ${storePath}`, command, force);
}

/** The same rule for a Postgres ledger, whose chain is read in one snapshot (chain.ts). */
export async function guardPostgresEventChain(db: PostgresLedgerDatabase, urlEnv: string, command: string, force: boolean): Promise<string | undefined> {
  const chain = await readEventChain(db);
  return refuseBrokenChain(checkEventChain(chain.events, chain.lastAssignedId).problems, `the Postgres ledger in ${urlEnv}`, `--store-url-env ${urlEnv}`, command, force);
}

function refuseBrokenChain(problems: readonly ChainProblem[], storeName: string, storeFlag: string, command: string, force: boolean): string | undefined {
  if (problems.length === 0) return undefined;
  const first = problems[0]!.message;
  if (!force) {
    throw new CliError(
      `${command} refused: the event log of ${storeName} does not verify (${problems.length} problem${problems.length === 1 ? "" : "s"}; first: ${first}). ` +
        `${command} would re-seal the chain and hide that. Run synapsor-runner store verify ${storeFlag} to see every problem; ` +
        "pass --force to go on once you have recorded them.",
    );
  }
  return `--force: re-sealing an event chain that did not verify (${problems.length} problem${problems.length === 1 ? "" : "s"}; first: ${first}).`;
}
