// The soak suite's answer checks (test/support/soak/load.ts) against a stand-in server that
// answers the way a broken replica would: a check that cannot fail would let a soak run pass
// with wrong rows, another tenant's rows or driver text in errors.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { runLoad, summarize, TENANT } from "../support/soak/load.ts";

type Behaviour = (invoice: string) => Record<string, unknown>;

let behaviour: Behaviour;
let server: http.Server;
let url: string;

/** Which tenant the seed gave an invoice: volume row n belongs to VOLUME_TENANTS[n % 5] (example.ts). */
const isOwn = (invoice: string) => (Number(invoice.slice(4)) - 10000) % 5 === 0;

before(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      const message = JSON.parse(body);
      const envelope = behaviour(message.params.arguments.invoice_id);
      const reply = JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { content: [{ type: "text", text: JSON.stringify(envelope) }], structuredContent: envelope } });
      res.writeHead(200, { "Content-Type": "application/json" }).end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** 60 calls (3 of them for another tenant's invoice), however slow the machine is. */
const load = () => {
  let asked = 0;
  return runLoad({ url, token: "t", clients: 4, durationMs: 60_000, invoicesPerTenant: 100, stop: () => asked++ >= 60 });
};

/** The right answers: the tenant's own invoice, and NOT_FOUND_IN_TENANT for another tenant's. */
const right: Behaviour = (invoice) =>
  isOwn(invoice)
    ? { ok: true, data: { id: invoice, tenant_id: TENANT }, evidence: { bundle_id: `ev_${invoice}` } }
    : { ok: false, error: { code: "NOT_FOUND_IN_TENANT", message: "No such invoice for this tenant." } };

describe("soak load checks", () => {
  test("right answers pass: no wrong answers, no errors, one evidence handle per own-tenant read", async () => {
    behaviour = right;
    const result = await load();
    const s = summarize(result);
    assert.equal(s.calls, 60);
    assert.deepEqual([s.wrongAnswers, s.driverTextLeaks, s.errorsByCode], [0, 0, {}]);
    assert.ok(result.evidence.length > 0 && result.evidence.length < s.calls, "foreign reads leave no evidence");
  });

  test("another tenant's row is a wrong answer", async () => {
    behaviour = (invoice) => ({ ok: true, data: { id: invoice, tenant_id: "tenant_globex" }, evidence: { bundle_id: "ev_x" } });
    const s = summarize(await load());
    assert.equal(s.wrongAnswers, s.calls);
    assert.equal(s.errorsByCode.WRONG_ANSWER, s.calls);
  });

  test("a different row of the right tenant is a wrong answer", async () => {
    behaviour = (invoice) => (isOwn(invoice) ? { ok: true, data: { id: "INV-10005", tenant_id: TENANT }, evidence: { bundle_id: "ev_x" } } : right(invoice));
    const result = await load();
    assert.ok(result.wrong.some((w) => /got INV-10005/.test(w)), result.wrong.slice(0, 2).join("; "));
  });

  test("another tenant's invoice answered with ok:true is a wrong answer", async () => {
    behaviour = (invoice) => ({ ok: true, data: { id: invoice, tenant_id: TENANT }, evidence: { bundle_id: "ev_x" } });
    const result = await load();
    assert.ok(result.wrong.some((w) => /tenant_globex was answered/.test(w)));
  });

  test("an answer without an evidence handle is a wrong answer", async () => {
    behaviour = (invoice) => (isOwn(invoice) ? { ok: true, data: { id: invoice, tenant_id: TENANT } } : right(invoice));
    assert.ok((await load()).wrong.some((w) => /no evidence handle/.test(w)));
  });

  test("driver text in an error is counted as a leak; the error counts by its code", async () => {
    behaviour = () => ({ ok: false, error: { code: "TEMPORARILY_UNAVAILABLE", message: "terminating connection due to administrator command" } });
    const s = summarize(await load());
    assert.equal(s.driverTextLeaks, s.calls);
    assert.equal(s.errorsByCode.TEMPORARILY_UNAVAILABLE, s.calls);
    behaviour = () => ({ ok: false, error: { code: "TEMPORARILY_UNAVAILABLE", message: "The database is unreachable or timed out; try again shortly." } });
    assert.equal(summarize(await load()).driverTextLeaks, 0, "our own message is not a leak");
  });
});
