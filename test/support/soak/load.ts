// The load: `clients` concurrent callers, each with one call in flight, for a bounded time, through
// the balancer. Every answer is parsed and checked: a read must return the invoice that was asked
// for and the server's tenant; another tenant's invoice must not be found; a proposal must come
// back with its id. Anything else with ok:true is a wrong answer. Failures are counted by their
// stable code, and an error message that carries driver or socket text is recorded as a leak.

import { HttpRpcClient } from "../../../bench/lib/http-client.ts";
import { percentile } from "../../../bench/lib/stats.ts";
import { REPLICA_LOST } from "./balancer.ts";
import { volumeInvoiceId } from "../example.ts";

export const TENANT = "tenant_acme";
const FOREIGN_TENANT = "tenant_globex";
/** Every Nth call asks for another tenant's invoice, which must not be found. */
const FOREIGN_EVERY = 20;

/** Raw driver, socket or server text that must never reach a caller. */
const DRIVER_TEXT = /terminat|ECONN|EPIPE|ETIMEDOUT|socket|Connection (refused|closed|terminated)|57P0|SQLSTATE|pg_|postgres|shutdown|server closed|timeout expired|\bat [\w.]+ \(/i;

export interface LoadOptions {
  url: string;
  token: string;
  clients: number;
  durationMs: number;
  /** Volume invoices per tenant the seed made (the k of volumeInvoiceId ranges over 0..this-1). */
  invoicesPerTenant: number;
  /** Every Nth call is a late-fee waiver proposal (0: none). */
  proposeEvery?: number;
  /** Stops before durationMs when it returns true (checked before each call). */
  stop?: () => boolean;
}

/** One call: when it started and ended (ms since the load began) and its outcome code ("ok" when it succeeded). */
export interface CallRecord {
  start: number;
  end: number;
  code: string;
  kind: Plan["kind"];
}

export interface LoadResult {
  wallMs: number;
  calls: CallRecord[];
  /** Evidence bundle ids of successful calls, with the invoice each was about. */
  evidence: Array<{ id: string; invoice: string }>;
  proposals: string[];
  wrong: string[];
  leaks: string[];
}

export interface LoadSummary {
  calls: number;
  ok: number;
  errorsByCode: Record<string, number>;
  wrongAnswers: number;
  driverTextLeaks: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarize(result: LoadResult): LoadSummary {
  const errorsByCode: Record<string, number> = {};
  const latencies: number[] = [];
  for (const call of result.calls) {
    latencies.push(call.end - call.start);
    if (call.code !== "ok") errorsByCode[call.code] = (errorsByCode[call.code] ?? 0) + 1;
  }
  const ok = result.calls.filter((c) => c.code === "ok").length;
  return {
    calls: result.calls.length,
    ok,
    errorsByCode,
    wrongAnswers: result.wrong.length,
    driverTextLeaks: result.leaks.length,
    callsPerSecond: (result.calls.length * 1000) / result.wallMs,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/**
 * The j-th overdue invoice of TENANT: the seed gives volume row n status overdue when (n / 5) % 5
 * is 2, and TENANT (slot 0) has n = 5 + 5k, so (n / 5) % 5 = (1 + k) % 5: overdue when k % 5 is 1.
 * The load proposes on the lower half of them; the racing applies (race.ts) use the upper half,
 * whose invoices stop being overdue once applied.
 */
export function overdueInvoice(j: number): string {
  return volumeInvoiceId(TENANT, 1 + 5 * j);
}

/** How many overdue invoices TENANT has. */
export const overdueCount = (invoicesPerTenant: number) => Math.floor(invoicesPerTenant / 5);

type Plan = { kind: "read" | "foreign" | "propose"; invoice: string; params: string };
/** The capability the load's proposal calls use. */
export const PROPOSE_CAPABILITY = "billing.propose_late_fee_waiver";

function planCall(i: number, options: LoadOptions): Plan {
  if (options.proposeEvery && i % options.proposeEvery === options.proposeEvery - 1) {
    const invoice = overdueInvoice(i % Math.max(1, Math.floor(overdueCount(options.invoicesPerTenant) / 2)));
    return {
      kind: "propose",
      invoice,
      params: JSON.stringify({ name: PROPOSE_CAPABILITY, arguments: { invoice_id: invoice, new_late_fee_cents: 0, reason: `soak ${i}` } }),
    };
  }
  const k = (i * 7919) % options.invoicesPerTenant;
  const foreign = i % FOREIGN_EVERY === FOREIGN_EVERY - 1;
  const invoice = volumeInvoiceId(foreign ? FOREIGN_TENANT : TENANT, k);
  return { kind: foreign ? "foreign" : "read", invoice, params: JSON.stringify({ name: "billing.inspect_invoice", arguments: { invoice_id: invoice } }) };
}

/** The outcome code of one answer, after checking it against what was asked. */
function judge(plan: Plan, text: string, result: LoadResult): string {
  let envelope: any;
  try {
    envelope = JSON.parse(text).result?.structuredContent;
  } catch {
    result.wrong.push(`${plan.invoice}: not JSON: ${text.slice(0, 120)}`);
    return "WRONG_ANSWER";
  }
  if (envelope?.ok === false) {
    const code = String(envelope.error?.code ?? "NO_CODE");
    if (DRIVER_TEXT.test(String(envelope.error?.message ?? "")) || DRIVER_TEXT.test(String(envelope.summary ?? ""))) {
      result.leaks.push(`${code}: ${String(envelope.error?.message).slice(0, 200)}`);
    }
    // Another tenant's invoice: the only right answer is that this tenant has no such row.
    if (plan.kind === "foreign") return code === "NOT_FOUND_IN_TENANT" ? "ok" : code;
    return code;
  }
  if (envelope?.ok !== true) {
    result.wrong.push(`${plan.invoice}: no envelope: ${text.slice(0, 120)}`);
    return "WRONG_ANSWER";
  }
  if (plan.kind === "foreign") {
    result.wrong.push(`${plan.invoice} of ${FOREIGN_TENANT} was answered for ${TENANT}: ${text.slice(0, 200)}`);
    return "WRONG_ANSWER";
  }
  const bundle = envelope.evidence?.bundle_id;
  if (typeof bundle !== "string" || !bundle.startsWith("ev_")) {
    result.wrong.push(`${plan.invoice}: no evidence handle`);
    return "WRONG_ANSWER";
  }
  if (plan.kind === "propose") {
    const id = envelope.proposal?.id;
    if (typeof id !== "string" || !id.startsWith("wrp_")) {
      result.wrong.push(`${plan.invoice}: proposal without an id`);
      return "WRONG_ANSWER";
    }
    result.proposals.push(id);
  } else if (envelope.data?.id !== plan.invoice || envelope.data?.tenant_id !== TENANT) {
    result.wrong.push(`asked ${plan.invoice} of ${TENANT}, got ${envelope.data?.id} of ${envelope.data?.tenant_id}`);
    return "WRONG_ANSWER";
  }
  result.evidence.push({ id: bundle, invoice: plan.invoice });
  return "ok";
}

function transportCode(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes(REPLICA_LOST)) return REPLICA_LOST;
  const status = /^HTTP (\d+)/.exec(message);
  if (status) return `HTTP_${status[1]}`;
  return "TRANSPORT";
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const client = new HttpRpcClient(options.url, options.token, options.clients);
  const result: LoadResult = { wallMs: 0, calls: [], evidence: [], proposals: [], wrong: [], leaks: [] };
  const began = performance.now();
  const endAt = began + options.durationMs;
  let next = 0;
  const worker = async () => {
    while (performance.now() < endAt && !options.stop?.()) {
      const i = next++;
      const plan = planCall(i, options);
      const start = performance.now() - began;
      let code: string;
      try {
        code = judge(plan, await client.request("tools/call", plan.params), result);
      } catch (err) {
        code = transportCode(err);
      }
      result.calls.push({ start, end: performance.now() - began, code, kind: plan.kind });
    }
  };
  try {
    await Promise.all(Array.from({ length: options.clients }, worker));
  } finally {
    client.close();
  }
  result.wallMs = performance.now() - began;
  return result;
}

