// `synapsor-runner events tail|deliveries`: the ledger's lifecycle events (proposal_created,
// proposal_approved, …, writeback_failed), optionally followed as they are appended and forwarded
// to a webhook (on a Postgres ledger through pg-boss, operator/review/webhook-queue.ts); and, on a
// Postgres ledger, the webhook deliveries that failed.

import type { Command } from "commander";
import type { LedgerEvent } from "../runtime/ledger/records.ts";
import { listenForEvents } from "../runtime/ledger/postgres/event-listener.ts";
import { formatEvent, table, textLines } from "../operator/review/format.ts";
import { FAULT_BACKOFF_MAX_MS, follow, type Forwarder } from "../operator/review/follow.ts";
import { explicitStoreLocation, ledgerUrl, withKeyOptions, withLedger, withStoreOptions, type KeyFlags, type StoreFlags, type StoreLocation } from "../operator/review/store.ts";
import { positiveInt } from "../operator/review/options.ts";
import { plainForwarder, type WebhookTarget } from "../operator/review/webhook.ts";
import { listDeliveries, startDeliveryQueue, type DeliveryPolicy } from "../operator/review/webhook-queue.ts";
import { JOBS_SCHEMA } from "../runtime/ledger/postgres/webhook-jobs.ts";
import { withPostgresStore } from "../operator/store/open.ts";
import { terminalSafe, terminalSafeJson } from "../runtime/text/terminal-safe.ts";
import { CliError, printJson, readEnvVar } from "./program.ts";

const POLL_MS = 500;
const WEBHOOK_TIMEOUT_MS = 5_000;
const WEBHOOK_ATTEMPTS = 5;
/** A stopping follower waits at most this long for its POSTs in flight; pg-boss then hands their jobs back. */
const STOP_GRACE_MAX_MS = 5_000;

interface TailFlags extends StoreFlags, KeyFlags {
  follow?: boolean;
  json?: boolean;
  limit: number;
  pollInterval: number;
  webhookUrlEnv?: string;
  webhookSecretEnv?: string;
  webhookTimeout: number;
  webhookAttempts: number;
}

interface DeliveriesFlags extends StoreFlags {
  all?: boolean;
  json?: boolean;
  limit: number;
  webhookUrlEnv?: string;
}

export function register(program: Command): void {
  const group = program.command("events").description("Lifecycle events recorded in the ledger");

  withKeyOptions(withStoreOptions(group
    .command("tail")
    .description("Print the latest events, oldest first; with --follow keep printing new ones until interrupted"), { required: true, storeHelp: "the ledger (SQLite file)" }))
    .option("--follow", "keep printing new events until Ctrl-C / SIGTERM (a Postgres ledger wakes on LISTEN/NOTIFY; a SQLite one is polled)")
    .option("--poll-interval <ms>", "with --follow: how often to poll (Postgres: only while its LISTEN connection is down; with a webhook also how often pg-boss's worker looks for due retries, at least 500 ms)", positiveInt, POLL_MS)
    .option("--json", "one JSON object per line")
    .option("--limit <n>", "how many of the latest events to print first", positiveInt, 20)
    .option("--webhook-url-env <VAR>", "with --follow: also POST each new event to the URL in this env var (on Postgres, several followers share the work and post each event once)")
    .option("--webhook-secret-env <VAR>", "sign webhook bodies (X-Synapsor-Signature: sha256=HMAC) with the secret in this env var")
    .option("--webhook-timeout <ms>", "how long one POST may take; on Postgres a delivery job is leased for twice this (then another follower may take it)", positiveInt, WEBHOOK_TIMEOUT_MS)
    .option("--webhook-attempts <n>", `Postgres: attempts per event (pg-boss retries with back-off from 1–2 s, doubling, up to 5 min) before it goes to the dead-letter queue (pg-boss, schema ${JOBS_SCHEMA})`, positiveInt, WEBHOOK_ATTEMPTS)
    .action((flags: TailFlags) => tail(flags));

  withStoreOptions(group
    .command("deliveries")
    .description(`Postgres ledger: webhook deliveries that failed (dead-lettered, or waiting for a retry), as pg-boss keeps them in schema ${JOBS_SCHEMA}`), { required: true })
    .option("--all", "every delivery pg-boss still keeps, delivered ones too")
    .option("--webhook-url-env <VAR>", "only the deliveries to the URL in this env var")
    .option("--limit <n>", "at most this many, oldest event first", positiveInt, 100)
    .option("--json", "print [{ event_id, state, attempts, last_error, next_attempt_at, delivered_at }] as JSON")
    .action((flags: DeliveriesFlags) => deliveries(flags));
}

async function tail(flags: TailFlags): Promise<void> {
  const webhook = webhookFrom(flags);
  const location = explicitStoreLocation(flags);
  const show = (e: LedgerEvent) => process.stdout.write(flags.json ? terminalSafeJson(JSON.stringify(e)) + "\n" : formatEvent(e));
  const warn = (line: string) => process.stderr.write(`synapsor-runner: ${terminalSafe(line)}\n`);
  await withLedger(location, async (ledger) => {
    const latest = (await ledger.events.list({ limit: flags.limit })).reverse();
    for (const e of latest) show(e);
    if (!flags.follow) return;
    // Start after the newest event just printed: a second "newest" query would skip whatever was
    // appended in between.
    const newest = latest.at(-1);
    const run = async (forwarder: Forwarder | undefined) => {
      const waker = location.kind === "postgres" ? listenForEvents(ledgerUrl(location.urlEnv)) : undefined;
      const follower = follow({
        events: ledger.events,
        afterId: newest?.id ?? 0,
        pollMs: flags.pollInterval,
        print: show,
        ...(waker ? { waker } : {}),
        ...(forwarder ? { forwarder } : {}),
        // The message names the store by its path or URL variable, never by its URL.
        onFault: (fault) => warn(`${fault.message}; still following: retrying with back-off (at most every ${Math.max(flags.pollInterval, FAULT_BACKOFF_MAX_MS) / 1000} s) until it answers again.`),
        onRecovered: (lastId) => warn(`the ledger answers again; following on after event ${lastId}.`),
      });
      const stop = () => follower.stop();
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      try {
        await follower.done;
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        await waker?.close();
      }
    };
    if (!webhook) return run(undefined);
    if (location.kind === "sqlite") return run(plainForwarder(webhook, warn));
    // pg-boss's schema and this endpoint's queues are set up before the first event is read; a
    // failure there is a store fault (withLedger reports it and exits 2).
    const queue = await startDeliveryQueue({ ledgerUrl: ledgerUrl(location.urlEnv), urlEnv: location.urlEnv, target: webhook, events: ledger.events, policy: deliveryPolicy(flags), warn });
    try {
      return await run(queue.forwarder);
    } finally {
      await queue.stop();
    }
  }, flags);
}

function deliveryPolicy(flags: TailFlags): DeliveryPolicy {
  return {
    maxAttempts: flags.webhookAttempts,
    // The lease outlasts one POST (its timeout) and the write of its outcome, with room to spare.
    leaseSeconds: Math.max(1, Math.ceil((flags.webhookTimeout * 2) / 1000)),
    retryDelaySeconds: 1,
    retryDelayMaxSeconds: 300,
    pollMs: flags.pollInterval,
    stopGraceMs: Math.min(flags.webhookTimeout + 250, STOP_GRACE_MAX_MS),
  };
}

function webhookFrom(flags: TailFlags): WebhookTarget | undefined {
  if (!flags.webhookUrlEnv) {
    if (flags.webhookSecretEnv) throw new CliError("--webhook-secret-env needs --webhook-url-env.");
    return undefined;
  }
  if (!flags.follow) throw new CliError("--webhook-url-env forwards new events, so it needs --follow.");
  const url = readEnvVar(flags.webhookUrlEnv, "the webhook URL");
  const secret = flags.webhookSecretEnv ? readEnvVar(flags.webhookSecretEnv, "the webhook signing secret") : undefined;
  return { url, timeoutMs: flags.webhookTimeout, ...(secret ? { secret } : {}) };
}

async function deliveries(flags: DeliveriesFlags): Promise<void> {
  const location: StoreLocation = explicitStoreLocation(flags);
  if (location.kind !== "postgres") {
    throw new CliError("events deliveries reads a Postgres ledger's delivery queue (--store-url-env VAR). A SQLite ledger has one follower, which reports a failed delivery on its stderr.");
  }
  const endpointUrl = flags.webhookUrlEnv ? readEnvVar(flags.webhookUrlEnv, "the webhook URL") : undefined;
  const rows = await withPostgresStore(location.urlEnv, (db) =>
    listDeliveries(db, { limit: flags.limit, ...(flags.all ? { all: true } : {}), ...(endpointUrl !== undefined ? { endpointUrl } : {}) }));
  if (flags.json) {
    return printJson(rows.map((r) => ({ event_id: r.eventId, state: r.state, attempts: r.attempts, last_error: r.lastError, next_attempt_at: r.nextAttemptAt, delivered_at: r.deliveredAt })));
  }
  if (rows.length === 0) {
    process.stdout.write(textLines([flags.all ? "No webhook deliveries recorded." : "No failed webhook deliveries."]));
    return;
  }
  process.stdout.write(table(["EVENT", "STATE", "ATTEMPTS", "LAST ERROR", "NEXT ATTEMPT / DELIVERED"], rows.map((r) => [
    String(r.eventId), r.state, String(r.attempts), r.lastError ?? "", r.nextAttemptAt ?? r.deliveredAt ?? "",
  ])));
}
