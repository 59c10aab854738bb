// W3C traceparent intake: only a version-00 value exactly as the spec writes it is taken; over
// HTTP the header is the fallback for a tools/call whose _meta carries no valid one.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { traceparentOfMeta, validTraceparent, withTraceparentHeader } from "../../runtime/mcp/trace-context.ts";
import type { McpServerCore } from "../../runtime/mcp/protocol.ts";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";

describe("validTraceparent", () => {
  test("a version-00 value is taken as it is", () => {
    assert.equal(validTraceparent(VALID), VALID);
    assert.equal(validTraceparent(OTHER), OTHER);
  });

  test("anything else is ignored: other versions, case, length, zeros, separators, hostile text", () => {
    const refused: unknown[] = [
      undefined, null, 42, {}, [VALID], "",
      VALID.toUpperCase(), // upper-case hex
      "01" + VALID.slice(2), // a future version (its rules may differ; this server knows 00 only)
      "ff" + VALID.slice(2), // the forbidden version
      VALID + "-extra", // longer than version 00 allows
      ` ${VALID}`, `${VALID} `, `${VALID}\n`,
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace-id
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero parent-id
      "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
      `${VALID}, ${OTHER}`, // two headers joined by Node
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\u202e",
      "00-4bf92f3577b34da6a3ce929d0e0e4736\r\n-00f067aa0ba9-01",
      "x".repeat(100_000),
    ];
    for (const value of refused) assert.equal(validTraceparent(value), undefined, JSON.stringify(value)?.slice(0, 80));
  });

  test("from _meta: only an own traceparent property of a plain object", () => {
    assert.equal(traceparentOfMeta({ traceparent: VALID, tracestate: "rojo=00f067aa0ba902b7" }), VALID);
    assert.equal(traceparentOfMeta({ traceparent: "garbage" }), undefined);
    assert.equal(traceparentOfMeta(Object.create({ traceparent: VALID })), undefined);
    assert.equal(traceparentOfMeta([VALID]), undefined);
    assert.equal(traceparentOfMeta(VALID), undefined);
    assert.equal(traceparentOfMeta(undefined), undefined);
  });
});

describe("withTraceparentHeader", () => {
  const seen: unknown[] = [];
  const core: McpServerCore = {
    async handle(message) {
      seen.push(structuredClone(message));
      return undefined;
    },
  };
  const call = (meta?: unknown) => ({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "a.b", ...(meta === undefined ? {} : { _meta: meta }) } });
  const metaSeen = () => (seen.at(-1) as { params: { _meta?: unknown } }).params._meta;

  test("an absent or invalid header leaves the core as it is", () => {
    assert.equal(withTraceparentHeader(core, undefined), core);
    assert.equal(withTraceparentHeader(core, "nonsense"), core);
    assert.equal(withTraceparentHeader(core, [VALID, OTHER]), core);
  });

  test("a valid _meta.traceparent wins over the header; the header fills in where _meta has none or an invalid one", async () => {
    const traced = withTraceparentHeader(core, VALID);
    await traced.handle(call({ traceparent: OTHER }));
    assert.deepEqual(metaSeen(), { traceparent: OTHER });
    await traced.handle(call());
    assert.deepEqual(metaSeen(), { traceparent: VALID });
    await traced.handle(call({ traceparent: "00-bad", progressToken: 7 }));
    assert.deepEqual(metaSeen(), { traceparent: VALID, progressToken: 7 });
  });

  test("other methods and odd shapes pass through untouched", async () => {
    const traced = withTraceparentHeader(core, VALID);
    const list = { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} };
    await traced.handle(list);
    assert.deepEqual(seen.at(-1), list);
    await traced.handle(call("a string _meta"));
    assert.equal(metaSeen(), "a string _meta");
    await traced.handle([call()]);
    assert.deepEqual(seen.at(-1), [call()]);
  });
});
