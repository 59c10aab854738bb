// `synapsor-runner events tail`: the ledger's lifecycle events (proposal_created,
// proposal_approved, …, writeback_failed), optionally followed as they are appended.

import type { Command } from "commander";
import type { Ledger, LedgerEvent } from "../../runtime/ledger/ledger.ts";
import { formatEvent } from "../review/format.ts";
import { openExistingLedger } from "../review/store.ts";
import { positiveInt } from "../review/options.ts";

const POLL_MS = 500;
const PAGE = 500;

interface TailFlags {
  store: string;
  follow?: boolean;
  json?: boolean;
  limit: number;
}

export function register(program: Command): void {
  const group = program.command("events").description("Lifecycle events recorded in the ledger");

  group
    .command("tail")
    .description("Print the latest events, oldest first; with --follow keep printing new ones until interrupted")
    .requiredOption("--store <file>", "the ledger (SQLite file)")
    .option("--follow", `keep polling for new events (every ${POLL_MS} ms) until Ctrl-C / SIGTERM`)
    .option("--json", "one JSON object per line")
    .option("--limit <n>", "how many of the latest events to print first (default 20)", positiveInt, 20)
    .action((flags: TailFlags) => tail(flags));
}

async function tail(flags: TailFlags): Promise<void> {
  const ledger = openExistingLedger(flags.store);
  const print = (e: LedgerEvent) => process.stdout.write(flags.json ? JSON.stringify(e) + "\n" : formatEvent(e));
  try {
    const latest = ledger.listEvents({ limit: flags.limit }).reverse();
    latest.forEach(print);
    if (!flags.follow) return;
    // Start after the newest event in the store, even when --limit printed fewer, so nothing repeats.
    const newest = ledger.listEvents({ limit: 1 })[0];
    await follow(ledger, newest?.id ?? 0, print);
  } finally {
    ledger.close();
  }
}

/** Polls for events after `lastId` until SIGINT or SIGTERM; resolves once the current poll is done. */
function follow(ledger: Ledger, lastId: number, print: (e: LedgerEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (timer) clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    const poll = () => {
      try {
        let page: LedgerEvent[];
        do {
          page = ledger.listEvents({ afterId: lastId, limit: PAGE });
          for (const event of page) {
            print(event);
            lastId = event.id;
          }
        } while (page.length === PAGE);
      } catch (err) {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        reject(err);
        return;
      }
      timer = setTimeout(poll, POLL_MS);
    };
    poll();
  });
}
