// Webhook deliveries from the followers of one Postgres ledger, through pg-boss (npm `pg-boss`,
// its own schema JOBS_SCHEMA in the ledger's database). One queue per endpoint, named after a hash
// of its URL: each follower inserts one job per event it sees, with an id derived from the queue
// and the event (webhook-jobs.ts), so however many followers see an event it is one job. pg-boss
// workers fetch with FOR UPDATE SKIP LOCKED, so one follower posts each job; a failed POST fails
// the job and pg-boss retries it with exponential back-off, then moves it to the endpoint's
// dead-letter queue. A job's expiration is its lease: one still active after it (its follower was
// killed or hung) is retried by whichever follower fetches it next. pg-boss is imported
// dynamically, here only, so nothing but `events tail --follow --webhook-url-env` and `events
// deliveries` on a Postgres ledger ever loads it (and never a compiled server).

import type { ConstructorOptions, Db, JobResult, JobWithMetadata, PgBoss } from "pg-boss";
import type { PostgresLedgerDatabase } from "../../runtime/ledger/postgres/database.ts";
import { postgresStoreProblem } from "../../runtime/ledger/postgres/faults.ts";
import {
  JOBS_SCHEMA, SKIPPED_OUTPUT, deadLetterName, deliveryJobId, deliveryState, isDeliveryQueue, queueName, type DeliveryState,
} from "../../runtime/ledger/postgres/webhook-jobs.ts";
import type { EventLog } from "../../runtime/ledger/ports.ts";
import { StoreUnavailableError } from "../../runtime/ledger/store-error.ts";
import type { Forwarder } from "./follow.ts";
import { postEvent, type WebhookTarget } from "./webhook.ts";

export interface DeliveryPolicy {
  /** Attempts per event, the first included, before it is dead-lettered. */
  maxAttempts: number;
  /** How long one job may stay active (its POST) before another follower may take it: the lease. */
  leaseSeconds: number;
  /** pg-boss back-off: the n-th retry waits retryDelaySeconds · 2^(n-1) · (1 to 2, jittered), at most retryDelayMaxSeconds. */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** How often an idle worker asks for due jobs (retries, expired leases, other followers' events). */
  pollMs: number;
  /** How long a stop waits for POSTs in flight before pg-boss hands their jobs back for a retry. */
  stopGraceMs: number;
}

export interface DeliveryRow {
  eventId: number;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

export interface DeliveryQueue {
  /** Hand it to follow(): it enqueues each page of events and wakes this follower's worker. */
  readonly forwarder: Forwarder;
  /** Stops the worker (waiting at most stopGraceMs for a POST in flight) and closes pg-boss's pool. */
  stop(): Promise<void>;
}

interface DeliveryData {
  event_id: number;
}

type WorkOptions = { batchSize: number; perJobResults: true; includeMetadata: true; burstWhenBatchFull: true; pollingIntervalSeconds: number };

/** Jobs one fetch takes; their POSTs run together, each bounded by the webhook timeout (well inside the lease). */
const BATCH = 10;
/** The same pg-boss problem is reported at most once per this interval (a database outage fails every poll). */
const REPEAT_REPORT_MS = 60_000;

export interface DeliveryQueueOptions {
  ledgerUrl: string;
  /** The variable the URL came from: every message names it, never the URL. */
  urlEnv: string;
  target: WebhookTarget;
  events: EventLog;
  policy: DeliveryPolicy;
  warn(line: string): void;
}

/** Starts pg-boss (creating its schema on first use) and this follower's worker for the endpoint. */
export async function startDeliveryQueue(options: DeliveryQueueOptions): Promise<DeliveryQueue> {
  const { urlEnv, target, events, policy, warn } = options;
  const { PgBoss } = await import("pg-boss");
  // Expired jobs are found by pg-boss's supervision pass: run it about once per lease.
  const superviseSeconds = Math.min(60, Math.max(1, policy.leaseSeconds));
  const config: ConstructorOptions = {
    connectionString: options.ledgerUrl,
    schema: JOBS_SCHEMA,
    application_name: "synapsor-runner-webhooks",
    max: 3,
    schedule: false,
    registerInstance: false,
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
    openTelemetry: { enabled: false },
  };
  const boss = new PgBoss(config);
  boss.on("error", errorReporter(urlEnv, warn));
  const queue = queueName(target.url);
  try {
    await boss.start();
    const dead = deadLetterName(queue);
    await boss.createQueue(dead);
    const settings = {
      retryLimit: policy.maxAttempts - 1,
      retryDelay: policy.retryDelaySeconds,
      retryBackoff: true,
      retryDelayMax: policy.retryDelayMaxSeconds,
      expireInSeconds: policy.leaseSeconds,
      deadLetter: dead,
    };
    await boss.createQueue(queue, settings);
    // An existing queue keeps what it was created with; the newest follower's flags apply from now on.
    await boss.updateQueue(queue, settings);
  } catch (err) {
    await boss.stop({ graceful: false }).catch(() => {});
    throw queueUnavailable(err, urlEnv);
  }
  // One outcome per job (perJobResults): a failed POST fails its own job, not the batch. A full
  // batch is followed by another fetch at once; otherwise the worker polls every pollMs (≥ 0.5 s).
  const work: WorkOptions = { batchSize: BATCH, perJobResults: true, includeMetadata: true, burstWhenBatchFull: true, pollingIntervalSeconds: Math.max(0.5, policy.pollMs / 1000) };
  const workerId = await boss.work<DeliveryData, unknown, typeof work>(queue, work, (jobs) => Promise.all(jobs.map((job) => deliver(job, events, target, warn))));
  return {
    forwarder: {
      async seen(page) {
        try {
          await boss.insert(queue, page.map((e) => ({ id: deliveryJobId(queue, e.id), data: { event_id: e.id } })));
        } catch (err) {
          throw queueUnavailable(err, urlEnv);
        }
        boss.notifyWorker(workerId); // this follower's worker fetches now rather than at its next poll
      },
      // pg-boss's own worker polls for retries and expired leases.
      async due() {},
    },
    stop: () => boss.stop({ graceful: true, timeout: policy.stopGraceMs, close: true }),
  };
}

/** One job: post its event, or complete without posting when the event is gone (pruned). */
async function deliver(job: JobWithMetadata<DeliveryData>, events: EventLog, target: WebhookTarget, warn: (line: string) => void): Promise<JobResult> {
  const eventId = job.data.event_id;
  const attempt = job.retryCount + 1;
  const of = job.retryLimit + 1;
  let event;
  try {
    event = (await events.list({ afterId: eventId - 1, limit: 1 }))[0];
  } catch (err) {
    warn(`event ${eventId} not delivered (attempt ${attempt} of ${of}): ${err instanceof StoreUnavailableError ? err.message : "the ledger could not be read"}; it will be retried.`);
    return { id: job.id, status: "failed", output: { code: "LEDGER_UNAVAILABLE" } };
  }
  if (event?.id !== eventId) return { id: job.id, status: "completed", output: SKIPPED_OUTPUT };
  const failure = await postEvent(target, event, job.signal);
  if (!failure) return { id: job.id, status: "completed" };
  // A stopping follower: pg-boss has already handed the job back; saying more would only be noise.
  if (!job.signal.aborted) {
    warn(attempt >= of
      ? `event ${event.id} (${event.type}) not delivered after ${attempt} attempts: ${failure.message}; it is dead-lettered (see events deliveries).`
      : `event ${event.id} (${event.type}) not delivered (attempt ${attempt} of ${of}): ${failure.message}; it will be retried.`);
  }
  return { id: job.id, status: "failed", output: { code: failure.code } };
}

/**
 * pg-boss's 'error' events (a failed poll or supervision pass, a dropped pool connection) as one
 * line naming the variable: never the URL, the driver's text or a stack. The same line is
 * repeated at most once a minute; pg-boss goes on retrying by itself.
 */
function errorReporter(urlEnv: string, warn: (line: string) => void): (err: unknown) => void {
  let last = "";
  let lastAt = 0;
  return (err) => {
    const line = `webhook deliveries (pg-boss, schema ${JOBS_SCHEMA}): ${problemOf(err, urlEnv)}; retrying.`;
    if (line === last && Date.now() - lastAt < REPEAT_REPORT_MS) return;
    last = line;
    lastAt = Date.now();
    warn(line);
  };
}

function problemOf(err: unknown, urlEnv: string): string {
  const known = postgresStoreProblem(err, urlEnv)?.reason;
  if (known) return known;
  const code = (err as { code?: unknown } | null)?.code;
  return `an unexpected error${typeof code === "string" && /^[A-Za-z0-9_]{1,40}$/.test(code) ? ` (${code})` : ""} on the Postgres ledger in ${urlEnv}`;
}

export function queueUnavailable(err: unknown, urlEnv: string): StoreUnavailableError {
  if (err instanceof StoreUnavailableError) return err;
  const problem = postgresStoreProblem(err, urlEnv);
  return new StoreUnavailableError(
    `the webhook deliveries (schema ${JOBS_SCHEMA}) of the Postgres ledger in ${urlEnv}`,
    "write",
    problem?.reason ?? problemOf(err, urlEnv),
    problem?.detail ?? String((err as Error | undefined)?.message ?? err),
    // A restart of the ledger's server is waited out by the follower, as for its own reads.
    problem?.transient ?? false,
  );
}

/**
 * `events deliveries`: the deliveries that failed (dead-lettered ones, and those waiting for a
 * retry), or with `all` every one pg-boss still keeps, oldest event first. Read through pg-boss's
 * API on the ledger's own connection; a ledger no follower has forwarded from has none.
 */
export async function listDeliveries(
  db: PostgresLedgerDatabase,
  options: { endpointUrl?: string; all?: boolean; limit: number },
): Promise<DeliveryRow[]> {
  const [installed] = await db.query("read", "SELECT to_regclass($1) IS NOT NULL AS found", [`${JOBS_SCHEMA}.version`]);
  if (!installed?.found) return [];
  const { PgBoss } = await import("pg-boss");
  const adapter: Db = { executeSql: async (text, values) => ({ rows: await db.query("read", text, values ?? []) }) };
  const boss = new PgBoss({ db: adapter, schema: JOBS_SCHEMA, migrate: false, supervise: false, schedule: false, registerInstance: false, openTelemetry: { enabled: false } });
  boss.on("error", () => {}); // a failed read rejects below; this only silences the background cache refresh
  try {
    await boss.start();
  } catch (err) {
    if (/requires migrations/.test((err as Error).message)) {
      throw new StoreUnavailableError(`the webhook deliveries (schema ${JOBS_SCHEMA}) of ${db.label}`, "read", "they were written by another pg-boss version; run `events tail --follow --webhook-url-env` of this build once (it migrates them) and try again", (err as Error).message);
    }
    throw err;
  }
  try {
    const queues = options.endpointUrl !== undefined
      ? [queueName(options.endpointUrl)]
      : (await boss.getQueues()).map((q) => q.name).filter(isDeliveryQueue);
    const rows: DeliveryRow[] = [];
    for (const queue of queues) {
      if (options.all) {
        rows.push(...(await findJobs(boss, queue, {}, options.limit, () => true)).map(fromJob));
      } else {
        rows.push(...(await findJobs(boss, deadLetterName(queue), {}, options.limit, () => true)).map(fromDeadLetter));
        rows.push(...(await findJobs(boss, queue, { queued: true }, options.limit, (j) => j.state === "retry")).map(fromJob));
      }
    }
    return rows.sort((a, b) => a.eventId - b.eventId).slice(0, options.limit);
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
}

const PAGE = 1000;

/** Up to `limit` jobs of a queue that `keep` accepts, oldest first, paging through findJobs. */
async function findJobs(
  boss: PgBoss, queue: string, filter: { queued?: boolean }, limit: number, keep: (job: JobWithMetadata<DeliveryData>) => boolean,
): Promise<Array<JobWithMetadata<DeliveryData>>> {
  if (!(await boss.getQueue(queue))) return [];
  const kept: Array<JobWithMetadata<DeliveryData>> = [];
  let after: string | undefined;
  for (;;) {
    const page = await boss.findJobs<DeliveryData>(queue, { ...filter, limit: PAGE, ...(after ? { after } : {}) });
    kept.push(...page.filter(keep));
    if (kept.length >= limit || page.length < PAGE) return kept.slice(0, limit);
    after = page[page.length - 1]!.id;
  }
}

function fromJob(job: JobWithMetadata<DeliveryData>): DeliveryRow {
  const state = deliveryState(job.state, job.output);
  const started = job.state !== "created";
  return {
    eventId: Number(job.data.event_id),
    state,
    attempts: started ? job.retryCount + 1 : 0,
    lastError: job.state === "retry" || job.state === "failed" ? failureCode(job.output) : state === "skipped" ? SKIPPED_OUTPUT.skipped : null,
    nextAttemptAt: state === "pending" ? iso(job.startAfter) : null,
    deliveredAt: state === "delivered" ? iso(job.completedOn) : null,
  };
}

function fromDeadLetter(job: JobWithMetadata<DeliveryData>): DeliveryRow {
  return {
    eventId: Number(job.data.event_id),
    state: "dead",
    attempts: (job.sourceRetryCount ?? 0) + 1,
    lastError: failureCode(job.sourceOutput),
    nextAttemptAt: null,
    deliveredAt: null,
  };
}

/**
 * The stable code of a failed attempt. Ours carry `code` (WEBHOOK_HTTP_STATUS, WEBHOOK_TIMEOUT,
 * WEBHOOK_UNREACHABLE, LEDGER_UNAVAILABLE); pg-boss writes its own text when a lease ran out
 * ("job timed out") or a stopping follower handed a job back ("pg-boss shut down while active").
 */
export function failureCode(output: unknown): string {
  const code = (output as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Z_]{1,40}$/.test(code)) return code;
  const text = JSON.stringify(output ?? null);
  if (/timed out/.test(text)) return "LEASE_EXPIRED";
  if (/shut down/.test(text)) return "FOLLOWER_STOPPED";
  return "DELIVERY_FAILED";
}

function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
