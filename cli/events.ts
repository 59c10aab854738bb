// `synapsor-runner events tail`: the ledger's lifecycle events (proposal_created,
// proposal_approved, …, writeback_failed), optionally followed as they are appended.

import type { Command } from "commander";
import type { Ledger } from "../runtime/ledger/ports.ts";
import type { LedgerEvent } from "../runtime/ledger/records.ts";
import { formatEvent } from "../operator/review/format.ts";
import { explicitStoreLocation, openExistingLedger, storeOption, storeUrlEnvOption } from "../operator/review/store.ts";
import { positiveInt } from "../operator/review/options.ts";
import { deliverEvent, type WebhookTarget } from "../operator/review/webhook.ts";
import { terminalSafe, terminalSafeJson } from "../runtime/text/terminal-safe.ts";
import { CliError, readEnvVar } from "./program.ts";

const POLL_MS = 500;
const PAGE = 500;

interface TailFlags {
  store?: string;
  storeUrlEnv?: string;
  follow?: boolean;
  json?: boolean;
  limit: number;
  webhookUrlEnv?: string;
  webhookSecretEnv?: string;
}

export function register(program: Command): void {
  const group = program.command("events").description("Lifecycle events recorded in the ledger");

  group
    .command("tail")
    .description("Print the latest events, oldest first; with --follow keep printing new ones until interrupted")
    .addOption(storeOption({ required: true, storeHelp: "the ledger (SQLite file)" }))
    .addOption(storeUrlEnvOption({ required: true }))
    .option("--follow", `keep polling for new events (every ${POLL_MS} ms) until Ctrl-C / SIGTERM`)
    .option("--json", "one JSON object per line")
    .option("--limit <n>", "how many of the latest events to print first", positiveInt, 20)
    .option("--webhook-url-env <VAR>", "with --follow: also POST each new event to the URL in this env var")
    .option("--webhook-secret-env <VAR>", "sign webhook bodies (X-Synapsor-Signature: sha256=HMAC) with the secret in this env var")
    .action((flags: TailFlags) => tail(flags));
}

async function tail(flags: TailFlags): Promise<void> {
  const webhook = webhookFrom(flags);
  const ledger = await openExistingLedger(explicitStoreLocation(flags));
  const show = (e: LedgerEvent) => process.stdout.write(flags.json ? terminalSafeJson(JSON.stringify(e)) + "\n" : formatEvent(e));
  const print = async (e: LedgerEvent, isNew: boolean) => {
    show(e);
    if (!webhook || !isNew) return;
    const problem = await deliverEvent(webhook, e);
    if (problem) process.stderr.write(`synapsor-runner: ${terminalSafe(problem)}\n`);
  };
  try {
    const latest = (await ledger.events.list({ limit: flags.limit })).reverse();
    for (const e of latest) await print(e, false);
    if (!flags.follow) return;
    // Start after the newest event in the store, even when --limit printed fewer, so nothing repeats.
    const newest = (await ledger.events.list({ limit: 1 }))[0];
    await follow(ledger, newest?.id ?? 0, print);
  } finally {
    await ledger.close();
  }
}

function webhookFrom(flags: TailFlags): WebhookTarget | undefined {
  if (!flags.webhookUrlEnv) {
    if (flags.webhookSecretEnv) throw new CliError("--webhook-secret-env needs --webhook-url-env.");
    return undefined;
  }
  if (!flags.follow) throw new CliError("--webhook-url-env forwards new events, so it needs --follow.");
  const url = readEnvVar(flags.webhookUrlEnv, "the webhook URL");
  const secret = flags.webhookSecretEnv ? readEnvVar(flags.webhookSecretEnv, "the webhook signing secret") : undefined;
  return { url, timeoutMs: 5000, ...(secret ? { secret } : {}) };
}

/** Polls for events after `lastId` until SIGINT or SIGTERM; resolves once the current poll is done. */
function follow(ledger: Ledger, lastId: number, print: (e: LedgerEvent, isNew: boolean) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    const poll = async () => {
      try {
        let page: LedgerEvent[];
        do {
          page = await ledger.events.list({ afterId: lastId, limit: PAGE });
          for (const event of page) {
            await print(event, true);
            lastId = event.id;
          }
        } while (page.length === PAGE && !stopped);
      } catch (err) {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        reject(err);
        return;
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
  });
}
