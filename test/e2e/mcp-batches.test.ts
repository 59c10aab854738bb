// JSON-RPC batches, which the 2025-03-26 revision requires servers to accept (2025-06-18 removed
// them): answered when that version is in use, refused otherwise, over stdio (the version its
// initialize agreed) and Streamable HTTP (the MCP-Protocol-Version header, 2025-03-26 when absent).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { createMcpServerCore, MAX_BATCH_LENGTH } from "../../runtime/mcp/protocol.ts";
import { serveStdio } from "../../runtime/mcp/stdio.ts";
import { startHttpServer, type RunningHttpServer } from "../../runtime/mcp/http.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });
const add = (id: number, a: number, b: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo.add", arguments: { a, b } } });
const slowSay = (id: number, text: string, delay_ms: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "echo.say", arguments: { text, delay_ms } },
});
const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };
const initialize = (protocolVersion: string) => ({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion, capabilities: {}, clientInfo: { name: "batch-client", version: "1" } },
});

type Reply = { id: unknown; result?: any; error?: { code: number; message: string } };

/** A mixed batch: a slow call first (so answers finish out of order), a notification, a ping, a failing call. */
const MIXED = [slowSay(1, "first", 40), initialized, ping(2), add(3, 20, 22), { jsonrpc: "2.0", id: 4, method: "nope" }];

/** The answer to MIXED: one response per request, in the batch's order, none for the notification. */
function assertMixedAnswered(replies: Reply[]): void {
  assert.deepEqual(replies.map((r) => r.id), [1, 2, 3, 4]);
  assert.equal(replies[0]!.result.structuredContent.data.text, "first");
  assert.deepEqual(replies[1]!.result, {});
  assert.deepEqual(replies[2]!.result.structuredContent.data, { sum: 42 });
  assert.equal(replies[3]!.error!.code, -32601);
}

/** Serves stdio in process; sends lines one at a time and returns the reply lines each produced. */
function stdioSession() {
  const input = new PassThrough();
  const output = new PassThrough();
  const served = serveStdio(createMcpServerCore(createEchoHost()), { input, output });
  let text = "";
  output.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  return {
    /** Everything written so far, parsed line by line. */
    lines: () => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Reply | Reply[]),
    send: (message: unknown) => input.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`),
    async settle(count: number): Promise<Array<Reply | Reply[]>> {
      for (let waited = 0; this.lines().length < count; waited += 10) {
        if (waited > 20_000) assert.fail(`expected ${count} reply lines, have ${this.lines().length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return this.lines();
    },
    end: async () => {
      input.end();
      await served;
    },
  };
}

describe("batches over stdio", () => {
  test("after initialize agreed 2025-03-26: a batch gets one array line, in order, notifications unanswered", async () => {
    const s = stdioSession();
    s.send([ping(1)]); // before initialize no version is agreed: refused
    await s.settle(1);
    s.send(initialize("2025-03-26"));
    await s.settle(2);
    s.send(initialized);
    s.send(MIXED);
    s.send([initialized, { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 9 } }]);
    s.send([]);
    s.send(Array.from({ length: MAX_BATCH_LENGTH + 1 }, (_, i) => ping(i + 10)));
    s.send([1, ping(7)]);
    s.send(ping(99));
    // Each line is answered as soon as it is ready (the slow call makes MIXED's answer come late),
    // so the later replies are told apart by their shape, not their place.
    const lines = await s.settle(7);
    await s.end();

    const [refused, init] = lines as [Reply, Reply];
    const arrays = lines.filter((l): l is Reply[] => Array.isArray(l));
    const singles = lines.slice(2).filter((l): l is Reply => !Array.isArray(l));
    assert.equal(arrays.length, 2, "two batches answered with arrays; the notifications-only batch with nothing");
    const mixed = arrays.find((a) => a.length === 4)!;
    const partlyBad = arrays.find((a) => a.length === 2)!;
    const empty = singles.find((r) => r.error?.message.includes("empty"))!;
    const tooLong = singles.find((r) => r.error?.message.includes("at most"))!;
    const last = singles.find((r) => r.id === 99)!;
    assert.equal(singles.length, 3);
    assert.equal(refused.error!.code, -32600);
    assert.match(refused.error!.message, /batches are accepted only under protocol version 2025-03-26/);
    assert.equal(init.result.protocolVersion, "2025-03-26");
    assertMixedAnswered(mixed);
    assert.deepEqual([empty.id, empty.error!.code, empty.error!.message], [null, -32600, "Invalid Request: empty batch"]);
    assert.deepEqual([tooLong.id, tooLong.error!.code], [null, -32600]);
    assert.match(tooLong.error!.message, new RegExp(`at most ${MAX_BATCH_LENGTH} messages`));
    assert.deepEqual(partlyBad.map((r) => [r.id, r.error?.code ?? "ok"]), [[null, -32600], [7, "ok"]]);
    assert.equal(last.id, 99);
  });

  test("after initialize agreed a later version, a batch is refused as one Invalid Request", async () => {
    const s = stdioSession();
    s.send(initialize("2025-06-18"));
    await s.settle(1);
    s.send([ping(1), ping(2)]);
    const [, refused] = (await s.settle(2)) as [Reply, Reply];
    await s.end();
    assert.deepEqual([refused.id, refused.error!.code], [null, -32600]);
  });
});

describe("batches over Streamable HTTP", () => {
  let server: RunningHttpServer;
  before(async () => {
    server = await startHttpServer(createMcpServerCore(createEchoHost()), { port: 0, allowUnauthenticated: true });
  });
  after(() => server.close());

  const post = async (body: unknown, version?: string) => {
    const headers: Record<string, string> = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
    if (version !== undefined) headers["MCP-Protocol-Version"] = version;
    const res = await fetch(server.url, { method: "POST", headers, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type"), body: text === "" ? undefined : (JSON.parse(text) as Reply | Reply[]) };
  };

  test("without the version header (2025-03-26 is assumed) and with it: an array of responses", async () => {
    for (const version of [undefined, "2025-03-26"]) {
      const { status, type, body } = await post(MIXED, version);
      assert.equal(status, 200);
      assert.match(type ?? "", /^application\/json/);
      assert.ok(Array.isArray(body), `an array under ${version ?? "no header"}`);
      assertMixedAnswered(body);
    }
  });

  test("notifications only: 202 and no body; empty or over-long: 400 with one Invalid Request", async () => {
    const quiet = await post([initialized, initialized]);
    assert.deepEqual([quiet.status, quiet.body], [202, undefined]);
    const empty = await post([]);
    assert.equal(empty.status, 400);
    assert.deepEqual(empty.body, { jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: empty batch" } });
    const tooLong = await post(Array.from({ length: MAX_BATCH_LENGTH + 1 }, (_, i) => ping(i)));
    assert.equal(tooLong.status, 400);
    assert.equal((tooLong.body as Reply).error!.code, -32600);
  });

  test("under a later version a batch is refused with 400 and one Invalid Request", async () => {
    for (const version of ["2025-06-18", "2025-11-25"]) {
      const { status, body } = await post([ping(1)], version);
      assert.equal(status, 400);
      assert.equal((body as Reply).error!.code, -32600);
      assert.match((body as Reply).error!.message, /only under protocol version 2025-03-26/);
    }
  });
});
