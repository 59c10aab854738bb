// The contract's limits for one server process: the call rate limiters shared by every core the
// process builds (one per tenant and principal over HTTP with http_jwt), and the slots of
// proposal calls still running, which the open-proposal cap counts beside the ledger's.

import type { TrustedContext } from "../context.ts";
import type { SafeError } from "../errors.ts";
import { CallRateLimiter, DEFAULT_MAX_KEYS, type Bucket, type Clock } from "./call-rate.ts";
import type { CallRate, LimitSettings } from "./settings.ts";
import { echoed } from "../text/echo.ts";
import { performance } from "node:perf_hooks";

/** Admits one call (undefined) or says why not; built once per trusted context. */
export type CallAdmitter = () => SafeError | undefined;

export interface ServerLimitsOptions {
  now?: Clock;
  maxKeys?: number;
  /** Where the first refusal of a run is reported (one line, not one per refused call). */
  log?: (event: Record<string, unknown>) => void;
}

/** How long a caller at the open-proposal cap is told to wait: nothing frees a slot on a timer. */
export const OPEN_PROPOSALS_RETRY_S = 60;

export class ServerLimits {
  readonly openProposalsPerTenant: number | undefined;
  readonly #principal: CallRateLimiter | undefined;
  readonly #tenant: CallRateLimiter | undefined;
  readonly #now: Clock;
  readonly #log: ((event: Record<string, unknown>) => void) | undefined;
  /** Proposal calls admitted under the cap and not finished yet, per tenant. */
  readonly #running = new Map<string, number>();

  constructor(settings: LimitSettings, options: ServerLimitsOptions = {}) {
    const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    this.#principal = settings.callsPerPrincipal && new CallRateLimiter(settings.callsPerPrincipal, maxKeys);
    this.#tenant = settings.callsPerTenant && new CallRateLimiter(settings.callsPerTenant, maxKeys);
    this.openProposalsPerTenant = settings.openProposalsPerTenant;
    this.#now = options.now ?? (() => performance.now());
    this.#log = options.log;
  }

  /**
   * The admission check of one caller's calls, or undefined when no call limit is set (the host
   * then checks nothing). Keys are made here, once per context, so a call allocates nothing.
   */
  admitterFor(context: TrustedContext): CallAdmitter | undefined {
    const principalLimit = this.#principal;
    const tenantLimit = this.#tenant;
    if (principalLimit === undefined && tenantLimit === undefined) return undefined;
    // JSON keeps the pair unambiguous whatever characters the two values hold.
    const principalKey = JSON.stringify([context.tenantId, context.principal]);
    const tenantKey = context.tenantId;
    return () => {
      const now = this.#now();
      const mine = principalLimit?.bucketAt(principalKey, now);
      const ours = tenantLimit?.bucketAt(tenantKey, now);
      const principalWait = mine ? principalLimit!.waitMs(mine) : 0;
      const tenantWait = ours ? tenantLimit!.waitMs(ours) : 0;
      if (principalWait === 0 && tenantWait === 0) {
        // Taken from both only when both admit: a refusal by one costs the other nothing.
        if (mine) admitted(mine);
        if (ours) admitted(ours);
        return undefined;
      }
      const byTenant = tenantWait > principalWait;
      const bucket = byTenant ? ours! : mine!;
      const retryAfterS = Math.max(1, Math.ceil((byTenant ? tenantWait : principalWait) / 1000));
      const limit = byTenant ? "calls_per_tenant" : "calls_per_principal";
      if (!bucket.limited) {
        bucket.limited = true;
        this.#log?.({
          level: "info",
          event: "rate_limited",
          limit,
          tenant: echoed(context.tenantId),
          ...(byTenant ? {} : { principal: echoed(context.principal) }),
          retry_after_s: retryAfterS,
        });
      }
      return rateLimited(
        `Too many calls ${byTenant ? "from your tenant" : "from you"} (at most ${describeRate((byTenant ? tenantLimit : principalLimit)!.rate)}); retry after ${retryAfterS} second${retryAfterS === 1 ? "" : "s"}. Nothing was read or changed.`,
        retryAfterS,
      );
    };
  }

  /**
   * Holds a slot under the open-proposal cap for a proposal call about to run, given how many
   * of the tenant's proposals the ledger counts as open. Synchronous between the count and the
   * hold, so two calls of one process at cap-1 cannot both pass; release it when the call ends.
   */
  holdProposalSlot(tenantId: string, openInLedger: number): boolean {
    const cap = this.openProposalsPerTenant;
    if (cap === undefined) return true;
    const running = this.#running.get(tenantId) ?? 0;
    if (openInLedger + running >= cap) return false;
    this.#running.set(tenantId, running + 1);
    return true;
  }

  releaseProposalSlot(tenantId: string): void {
    const running = this.#running.get(tenantId) ?? 0;
    if (running <= 1) this.#running.delete(tenantId);
    else this.#running.set(tenantId, running - 1);
  }
}

function admitted(bucket: Bucket): void {
  bucket.tokens -= 1;
  bucket.limited = false;
}

function describeRate(rate: CallRate): string {
  return `${rate.max} call${rate.max === 1 ? "" : "s"} per ${rate.windowS} second${rate.windowS === 1 ? "" : "s"}`;
}

export function rateLimited(message: string, retryAfterS: number): SafeError {
  return { code: "RATE_LIMITED", message, retryable: true, retry_after_s: retryAfterS };
}

/** The refusal of a proposal call at the tenant's open-proposal cap. */
export function openProposalsRefusal(cap: number): SafeError {
  return rateLimited(
    `Your tenant already has ${cap} open proposal${cap === 1 ? "" : "s"} (waiting for review or apply), the most this server allows; a new one can be made once a reviewer decides one or it is applied or expires. Retry after ${OPEN_PROPOSALS_RETRY_S} seconds. No proposal was stored and the database was not changed.`,
    OPEN_PROPOSALS_RETRY_S,
  );
}
