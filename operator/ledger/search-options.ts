// The search flags the ledger commands share (evidence list, query-audit list, activity search):
// one spelling and one meaning for --tenant, --object, --since … everywhere, turned into the
// ledger's ReadFilter once.

import type { Command } from "commander";
import type { ReadFilter } from "../../runtime/ledger/records.ts";
import { sinceTime } from "../errors/format.ts";
import { positiveInt } from "../review/options.ts";
import { withKeyOptions, withStoreOptions, type KeyFlags } from "../review/store.ts";
import { CliError } from "../../cli/program.ts";

export interface SearchFlags extends KeyFlags {
  store?: string;
  storeUrlEnv?: string;
  tenant?: string;
  capability?: string;
  object?: string;
  source?: string;
  table?: string;
  since?: string;
  until?: string;
  limit: number;
  json?: boolean;
}

const TIME = "ISO 8601 (2026-05-01, 2026-05-01T09:00Z) or an age (30m, 12h, 7d)";

/** --store/--store-url-env/--config/--ledger-key-env and the filters every ledger search takes. */
export function withSearchOptions(command: Command, what: string): Command {
  return withKeyOptions(withStoreOptions(command))
    .option("--tenant <id>", `only ${what} of this tenant`)
    .option("--capability <name>", `only ${what} made by this capability`)
    .option("--object <id>", `only ${what} about this object: its primary-key value, or table:value (invoices:INV-3001)`)
    .option("--source <name>", `only ${what} from this source (as named in the contract)`)
    .option("--table <name>", `only ${what} on this table, bare (invoices) or schema-qualified (public.invoices)`)
    .option("--since <time>", `only ${what} at or after this time: ${TIME}`)
    .option("--until <time>", `only ${what} at or before this time: ${TIME}`)
    .option("--limit <n>", "at most this many", positiveInt, 50);
}

/** The flags as a ReadFilter; an unreadable time or an empty range is refused with the fix. */
export function readFilterFrom(flags: SearchFlags, now: Date = new Date()): ReadFilter {
  const since = timeFlag("--since", flags.since, now);
  const until = timeFlag("--until", flags.until, now);
  if (since !== undefined && until !== undefined && since > until) {
    throw new CliError(`--since (${since}) is later than --until (${until}), so nothing can match. Swap them or widen the range.`);
  }
  const filter: ReadFilter = { limit: flags.limit };
  if (flags.tenant !== undefined) filter.tenantId = flags.tenant;
  if (flags.capability !== undefined) filter.capability = flags.capability;
  if (flags.object !== undefined) filter.object = flags.object;
  if (flags.source !== undefined) filter.source = flags.source;
  if (flags.table !== undefined) filter.table = flags.table;
  if (since !== undefined) filter.since = since;
  if (until !== undefined) filter.until = until;
  return filter;
}

function timeFlag(flag: string, text: string | undefined, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const time = sinceTime(text, now);
  if (time === undefined) throw new CliError(`${flag} must be an ISO 8601 date or time (2026-05-01T09:00Z) or an age like 30m, 12h or 7d, not ${JSON.stringify(text)}.`);
  return time;
}
