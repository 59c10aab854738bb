// The contract's `limits`: hostile values refused with a fix, and the in-memory call limiter
// (token buckets with an injected clock) refilling, refusing with an exact wait, and keeping its
// memory bounded however many callers come.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { validateContract } from "../../compiler/config/validate.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { fullContractCopy } from "../fixtures/configs/full-contract.ts";
import { CallRateLimiter } from "../../runtime/limits/call-rate.ts";
import { OPEN_PROPOSALS_RETRY_S, ServerLimits, type CallAdmitter } from "../../runtime/limits/server-limits.ts";
import type { TrustedContext } from "../../runtime/context.ts";

function diagnosticsFor(limits: unknown): Diagnostic[] {
  const c = fullContractCopy() as unknown as Record<string, unknown>;
  c.limits = limits;
  const result = validateContract(c);
  return result.ok ? [] : result.diagnostics;
}

describe("limits in the contract", () => {
  test("the full fixture's limits are valid", () => {
    assert.equal(validateContract(fullContractCopy()).ok, true);
  });

  const hostile: Array<{ name: string; limits: unknown; code: string; pointer: string; fix: RegExp }> = [
    { name: "max 0", limits: { calls_per_principal: { max: 0, window_s: 60 } }, code: "OUT_OF_RANGE", pointer: "/limits/calls_per_principal/max", fix: /at least 1/ },
    { name: "negative window", limits: { calls_per_tenant: { max: 10, window_s: -5 } }, code: "OUT_OF_RANGE", pointer: "/limits/calls_per_tenant/window_s", fix: /at least 1/ },
    { name: "huge max", limits: { calls_per_tenant: { max: 1e12, window_s: 60 } }, code: "OUT_OF_RANGE", pointer: "/limits/calls_per_tenant/max", fix: /at most 1000000/ },
    { name: "a window over a day", limits: { calls_per_principal: { max: 1, window_s: 86401 } }, code: "OUT_OF_RANGE", pointer: "/limits/calls_per_principal/window_s", fix: /at most 86400/ },
    { name: "non-integer max", limits: { calls_per_principal: { max: 2.5, window_s: 60 } }, code: "WRONG_TYPE", pointer: "/limits/calls_per_principal/max", fix: /integer/ },
    { name: "a string for a number", limits: { open_proposals_per_tenant: "10" }, code: "WRONG_TYPE", pointer: "/limits/open_proposals_per_tenant", fix: /integer/ },
    { name: "open cap 0", limits: { open_proposals_per_tenant: 0 }, code: "OUT_OF_RANGE", pointer: "/limits/open_proposals_per_tenant", fix: /at least 1/ },
    { name: "open cap huge", limits: { open_proposals_per_tenant: 2 ** 53 }, code: "OUT_OF_RANGE", pointer: "/limits/open_proposals_per_tenant", fix: /at most 100000/ },
    { name: "a window left out", limits: { calls_per_principal: { max: 5 } }, code: "MISSING_PROPERTY", pointer: "/limits/calls_per_principal", fix: /window_s/ },
    { name: "an empty limits object", limits: {}, code: "EMPTY_VALUE", pointer: "/limits", fix: /calls_per_principal/ },
    { name: "a misspelt limit", limits: { calls_per_princpal: { max: 5, window_s: 60 } }, code: "UNKNOWN_PROPERTY", pointer: "/limits/calls_per_princpal", fix: /calls_per_principal/ },
  ];
  for (const c of hostile) {
    test(`${c.name} is refused with a fix`, () => {
      const d = diagnosticsFor(c.limits);
      assert.deepEqual(d.map((x) => `${x.code}@${x.pointer}`), [`${c.code}@${c.pointer}`], JSON.stringify(d));
      assert.match(`${d[0]!.message} ${d[0]!.fix}`, c.fix);
    });
  }
});

describe("CallRateLimiter", () => {
  test("admits max calls at once, then one more per window/max as the clock moves", () => {
    const limiter = new CallRateLimiter({ max: 3, windowS: 60 });
    let now = 1_000;
    const take = () => {
      const bucket = limiter.bucketAt("k", now);
      const wait = limiter.waitMs(bucket);
      if (wait === 0) bucket.tokens -= 1;
      return wait;
    };
    assert.deepEqual([take(), take(), take()], [0, 0, 0]);
    // Empty: one call comes back every 20 s.
    assert.equal(take(), 20_000);
    now += 5_000;
    assert.equal(take(), 15_000);
    now += 15_000;
    assert.equal(take(), 0);
    assert.equal(take(), 20_000);
    // A whole window later the bucket is full again, never fuller.
    now += 10 * 60_000;
    assert.deepEqual([take(), take(), take()], [0, 0, 0]);
    assert.ok(take() > 0);
  });

  test("a clock that steps back refills nothing and drains nothing", () => {
    const limiter = new CallRateLimiter({ max: 1, windowS: 10 });
    const bucket = limiter.bucketAt("k", 50_000);
    bucket.tokens -= 1;
    const after = limiter.bucketAt("k", 10_000);
    assert.equal(after.tokens, 0);
    assert.equal(limiter.waitMs(after), 10_000);
  });

  test("keys are independent, and their number is bounded: the least recently seen is forgotten first", () => {
    const limiter = new CallRateLimiter({ max: 1, windowS: 3600 }, 3);
    for (const key of ["a", "b", "c"]) limiter.bucketAt(key, 0).tokens -= 1;
    // a is seen again later, so b is now the least recently seen.
    assert.ok(limiter.waitMs(limiter.bucketAt("a", 5_000)) > 0);
    limiter.bucketAt("d", 5_001);
    assert.equal(limiter.size, 3);
    // a kept its debt; b was forgotten and comes back full (forgiven, never refused wrongly).
    assert.ok(limiter.waitMs(limiter.bucketAt("a", 5_002)) > 0);
    assert.equal(limiter.waitMs(limiter.bucketAt("b", 5_003)), 0);
    // However many callers come, the count stays at the bound.
    for (let i = 0; i < 10_000; i++) limiter.bucketAt(`caller-${i}`, 6_000 + i);
    assert.equal(limiter.size, 3);
  });
});

describe("ServerLimits", () => {
  const alice: TrustedContext = { tenantId: "acme", principal: "alice", provenance: "environment" };
  const bob: TrustedContext = { tenantId: "acme", principal: "bob", provenance: "environment" };
  const gus: TrustedContext = { tenantId: "globex", principal: "gus", provenance: "environment" };

  test("no call limit: no admission check at all", () => {
    assert.equal(new ServerLimits({ openProposalsPerTenant: 3 }).admitterFor(alice), undefined);
  });

  test("per principal and per tenant: a refusal names the limit and the whole seconds to wait, and costs the other limit nothing", () => {
    let now = 0;
    const events: Array<Record<string, unknown>> = [];
    const limits = new ServerLimits(
      { callsPerPrincipal: { max: 2, windowS: 10 }, callsPerTenant: { max: 3, windowS: 30 } },
      { now: () => now, log: (e) => events.push(e) },
    );
    const [a, b, g] = [alice, bob, gus].map((c) => limits.admitterFor(c)!) as [CallAdmitter, CallAdmitter, CallAdmitter];
    assert.equal(a(), undefined);
    assert.equal(a(), undefined);
    const principalRefusal = a()!;
    assert.equal(principalRefusal.code, "RATE_LIMITED");
    assert.equal(principalRefusal.retryable, true);
    assert.equal(principalRefusal.retry_after_s, 5);
    assert.match(principalRefusal.message, /from you .*2 calls per 10 seconds.*retry after 5 seconds/);
    // alice's refusal took nothing from acme's tenant budget: bob gets its last call.
    assert.equal(b(), undefined);
    const tenantRefusal = b()!;
    assert.equal(tenantRefusal.code, "RATE_LIMITED");
    assert.match(tenantRefusal.message, /from your tenant .*3 calls per 30 seconds/);
    assert.equal(tenantRefusal.retry_after_s, 10);
    // Another tenant is untouched.
    assert.equal(g(), undefined);
    // One log line per run of refusals, not per refused call.
    a();
    b();
    assert.deepEqual(events.map((e) => e.limit), ["calls_per_principal", "calls_per_tenant"]);
    now += 10_000;
    assert.equal(b(), undefined);
  });

  test("the refusal's log line shows a hostile tenant and principal escaped and cut short, and the refusal itself names neither", () => {
    const events: Array<Record<string, unknown>> = [];
    const limits = new ServerLimits({ callsPerPrincipal: { max: 1, windowS: 60 } }, { now: () => 0, log: (e) => events.push(e) });
    const hostile: TrustedContext = { tenantId: "acme\u001b[2J\u202e", principal: `eve\r\n{"level":"error"}${"x".repeat(5000)}`, provenance: "http_jwt" };
    const admit = limits.admitterFor(hostile)!;
    assert.equal(admit(), undefined);
    const refusal = admit()!;
    assert.equal(refusal.code, "RATE_LIMITED");
    assert.doesNotMatch(refusal.message, /acme|eve/);
    const { tenant, principal } = events[0]! as { tenant: string; principal: string };
    for (const value of [tenant, principal]) {
      assert.doesNotMatch(value, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u, `no raw control or bidi character in ${JSON.stringify(value)}`);
    }
    assert.match(tenant, /^acme/);
    assert.ok(principal.length < 300, "a long principal is cut");
  });

  test("the open-proposal slot count: calls in flight count beside the ledger's open proposals", () => {
    const limits = new ServerLimits({ openProposalsPerTenant: 2 });
    assert.equal(limits.holdProposalSlot("acme", 1), true);
    // The ledger still says 1 (the first call has not stored yet): the second call must not pass.
    assert.equal(limits.holdProposalSlot("acme", 1), false);
    assert.equal(limits.holdProposalSlot("globex", 1), true);
    limits.releaseProposalSlot("acme");
    assert.equal(limits.holdProposalSlot("acme", 1), true);
    assert.ok(OPEN_PROPOSALS_RETRY_S > 0);
  });
});
