// The era classifier (runtime/mcp/era.ts) and the stateless handler behind it: which messages
// are 2026-era, which headers a 2026-era HTTP request must repeat, what the envelope must hold,
// and the 2026 shape of results, all in process over the echo fixture.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  checkEnvelope,
  checkHttpEra,
  decodeHeaderValue,
  hasEnvelopeClaim,
  isModernProtocolVersion,
  MCP_HEADER_MISMATCH,
  MCP_UNSUPPORTED_PROTOCOL_VERSION,
} from "../../runtime/mcp/era.ts";
import { createMcpServerCore, handleText, serializeResponse } from "../../runtime/mcp/protocol.ts";
import type { JsonRpcFailure, JsonRpcSuccess } from "../../runtime/mcp/protocol.ts";
import { rawJsonOf, withRawJson } from "../../runtime/mcp/raw-json.ts";
import { httpStatusOf, LIST_CACHE_TTL_MS } from "../../runtime/mcp/stateless.ts";
import type { ToolHost } from "../../runtime/mcp/host.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const V = "2026-07-28";
const META = {
  "io.modelcontextprotocol/protocolVersion": V,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "t", version: "1" },
};
const request = (method: string, params: Record<string, unknown> = {}, id: number | string = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  params: { ...params, _meta: META },
});
const headersFor = (method: string, extra: Record<string, string> = {}) => ({ "mcp-protocol-version": V, "mcp-method": method, ...extra });

describe("era classifier", () => {
  test("revisions order as dates; anything at or after 2026-07-28 is judged by 2026-era rules", () => {
    for (const legacy of ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "", "1.0"]) assert.equal(isModernProtocolVersion(legacy), false, legacy);
    for (const modern of ["2026-07-28", "2027-01-01", "v999.0.0"]) assert.equal(isModernProtocolVersion(modern), true, modern);
  });

  test("only the protocol-version key in params._meta claims the 2026 era", () => {
    assert.equal(hasEnvelopeClaim({ _meta: { "io.modelcontextprotocol/protocolVersion": V } }), true);
    assert.equal(hasEnvelopeClaim({ _meta: { "io.modelcontextprotocol/protocolVersion": 5 } }), true); // claimed, then refused
    assert.equal(hasEnvelopeClaim({ _meta: { progressToken: 1, "io.modelcontextprotocol/clientCapabilities": {} } }), false);
    assert.equal(hasEnvelopeClaim({ _meta: "x" }), false);
    assert.equal(hasEnvelopeClaim(undefined), false);
    assert.equal(hasEnvelopeClaim([]), false);
  });

  test("a 2025-era request passes the HTTP checks whatever Mcp-Method or Mcp-Name it carries", () => {
    const legacy = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo.add", _meta: { progressToken: 3 } } };
    assert.equal(checkHttpEra(legacy, {}), undefined);
    assert.equal(checkHttpEra(legacy, { "mcp-protocol-version": "2025-11-25", "mcp-method": "prompts/list", "mcp-name": "x" }), undefined);
    assert.equal(checkHttpEra({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25" } }, {}), undefined);
    assert.equal(checkHttpEra([legacy], { "mcp-protocol-version": "2025-03-26" }), undefined);
  });

  test("a 2026-era request must repeat version, method and name in headers (-32020, HTTP 400)", () => {
    const call = request("tools/call", { name: "echo.add", arguments: {} });
    assert.equal(checkHttpEra(call, headersFor("tools/call", { "mcp-name": "echo.add" })), undefined);
    // Optional whitespace around a value is not part of it; values themselves are case-sensitive.
    assert.equal(checkHttpEra(call, headersFor("tools/call", { "mcp-name": "  echo.add  " })), undefined);
    const refusals = [
      headersFor("tools/call"), // no Mcp-Name
      headersFor("tools/call", { "mcp-name": "echo.say" }),
      headersFor("TOOLS/CALL", { "mcp-name": "echo.add" }),
      { "mcp-protocol-version": V, "mcp-name": "echo.add" }, // no Mcp-Method
      { "mcp-method": "tools/call", "mcp-name": "echo.add" }, // no MCP-Protocol-Version
      headersFor("tools/call", { "mcp-name": "echo.add", "mcp-protocol-version": "2025-11-25" }),
    ];
    for (const headers of refusals) {
      const refusal = checkHttpEra(call, headers);
      assert.equal(refusal?.code, MCP_HEADER_MISMATCH, JSON.stringify(headers));
      assert.equal(refusal?.httpStatus, 400);
    }
    // Only space and tab are optional whitespace: U+0085 and U+00A0 are part of the value.
    assert.equal(checkHttpEra(call, headersFor("tools/call", { "mcp-name": "echo.add\u0085" }))?.code, MCP_HEADER_MISMATCH);
    assert.equal(checkHttpEra(call, headersFor("tools/call", { "mcp-name": "\u00a0echo.add" }))?.code, MCP_HEADER_MISMATCH);
    assert.equal(checkHttpEra(call, headersFor("tools/call", { "mcp-name": "\techo.add " })), undefined);
    // A repeated header (Node hands an array) equals no single value.
    assert.equal(checkHttpEra(call, { ...headersFor("tools/call"), "mcp-name": ["echo.add", "echo.add"] })?.code, MCP_HEADER_MISMATCH);
  });

  test("Mcp-Name may carry its value as =?base64?…?=; a malformed wrapper is a mismatch", () => {
    const name = "caf\u00e9 \u2603";
    const wrapped = `=?base64?${Buffer.from(name, "utf8").toString("base64")}?=`;
    assert.equal(decodeHeaderValue(wrapped), name);
    assert.equal(decodeHeaderValue("plain"), "plain");
    assert.equal(decodeHeaderValue("=?base64?not base64!?="), undefined);
    assert.equal(decodeHeaderValue("=?base64?//8=?="), undefined); // bytes that are not UTF-8
    const read = request("resources/read", { uri: name });
    assert.equal(checkHttpEra(read, headersFor("resources/read", { "mcp-name": wrapped })), undefined);
    assert.equal(checkHttpEra(read, headersFor("resources/read", { "mcp-name": "=?base64?%%%?=" }))?.code, MCP_HEADER_MISMATCH);
  });

  test("a 2026 header without the envelope is refused, never served as the 2025 era", () => {
    const bare = { jsonrpc: "2.0", id: 4, method: "tools/list", params: {} };
    assert.equal(checkHttpEra(bare, headersFor("tools/list"))?.code, -32602);
    assert.equal(checkHttpEra(bare, { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" })?.code, MCP_UNSUPPORTED_PROTOCOL_VERSION);
    assert.equal(checkHttpEra({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }, headersFor("initialize"))?.code, MCP_HEADER_MISMATCH);
    // A notification has no envelope of its own; only a disagreeing Mcp-Method refuses it.
    assert.equal(checkHttpEra({ jsonrpc: "2.0", method: "notifications/cancelled" }, headersFor("notifications/cancelled")), undefined);
    assert.equal(checkHttpEra({ jsonrpc: "2.0", method: "notifications/cancelled" }, headersFor("tools/list"))?.code, MCP_HEADER_MISMATCH);
  });

  test("the envelope needs a supported version and the client's capabilities; clientInfo is optional", () => {
    assert.equal(checkEnvelope({ _meta: META }), undefined);
    const { "io.modelcontextprotocol/clientInfo": _info, ...withoutInfo } = META;
    assert.equal(checkEnvelope({ _meta: withoutInfo }), undefined);
    assert.equal(checkEnvelope({})?.code, -32602);
    assert.equal(checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/clientCapabilities": undefined } })?.code, -32602);
    assert.equal(checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/clientCapabilities": [] } })?.code, -32602);
    assert.equal(checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/clientInfo": "me" } })?.code, -32602);
    assert.equal(checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/protocolVersion": 20260728 } })?.code, -32602);
    const unsupported = checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/protocolVersion": "2025-11-25" } });
    assert.deepEqual(unsupported && { code: unsupported.code, data: unsupported.data }, {
      code: MCP_UNSUPPORTED_PROTOCOL_VERSION,
      data: { supported: [V], requested: "2025-11-25" },
    });
  });

  test("a hostile requested version is echoed bounded and escaped, never raw", () => {
    const hostile = `\u001b[31m\u202e${"9".repeat(5000)}`;
    const refusal = checkEnvelope({ _meta: { ...META, "io.modelcontextprotocol/protocolVersion": hostile } });
    const requested = (refusal?.data as { requested: string }).requested;
    assert.ok(requested.length < 200, `${requested.length} characters`);
    assert.doesNotMatch(requested, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
    assert.doesNotMatch(refusal!.message, /9999/);
  });
});

describe("stateless handler over the core", () => {
  const core = createMcpServerCore(createEchoHost());

  test("server/discover answers what initialize does, in the 2026 shape", async () => {
    const reply = (await core.handle(request("server/discover"))) as JsonRpcSuccess;
    assert.deepEqual(reply.result, {
      supportedVersions: [V],
      capabilities: { tools: { listChanged: false }, resources: { subscribe: false, listChanged: false } },
      instructions: "Echo fixture for transport tests.",
      resultType: "complete",
      ttlMs: LIST_CACHE_TTL_MS,
      cacheScope: "public",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "echo-fixture", version: "0.0.1" } },
    });
    assert.equal(serializeResponse(reply), JSON.stringify(reply));
  });

  test("lists carry cache hints; a resource read is private and never reused", async () => {
    const tools = ((await core.handle(request("tools/list"))) as JsonRpcSuccess).result as Record<string, unknown>;
    assert.deepEqual([tools.resultType, tools.ttlMs, tools.cacheScope], ["complete", LIST_CACHE_TTL_MS, "public"]);
    const templates = ((await core.handle(request("resources/templates/list"))) as JsonRpcSuccess).result as Record<string, unknown>;
    assert.deepEqual([templates.ttlMs, templates.cacheScope], [LIST_CACHE_TTL_MS, "public"]);
    const read = ((await core.handle(request("resources/read", { uri: "echo://notes/n-1" }))) as JsonRpcSuccess).result as Record<string, unknown>;
    assert.deepEqual([read.resultType, read.ttlMs, read.cacheScope], ["complete", 0, "private"]);
    // The 2025 era's answers are unchanged: no 2026 fields.
    const legacy = ((await core.handle({ jsonrpc: "2.0", id: 9, method: "tools/list" })) as JsonRpcSuccess).result;
    assert.deepEqual(Object.keys(legacy), ["tools"]);
  });

  test("a missing resource is -32602 with data.uri (SEP-2164); the 2025 era keeps -32002", async () => {
    const missing = (await core.handle(request("resources/read", { uri: "echo://notes/none" }))) as JsonRpcFailure;
    assert.deepEqual(missing.error, { code: -32602, message: "Invalid params: resource not found", data: { uri: "echo://notes/none" } });
    const legacy = (await core.handle({ jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "echo://notes/none" } })) as JsonRpcFailure;
    assert.equal(legacy.error.code, -32002);
  });

  test("methods the 2026 era does not have are -32601 with HTTP 404, the request id kept", async () => {
    for (const method of ["initialize", "ping", "logging/setLevel", "resources/subscribe", "prompts/list", "no/such"]) {
      const reply = (await core.handle(request(method, {}, `r-${method}`))) as JsonRpcFailure;
      assert.equal(reply.id, `r-${method}`);
      assert.equal(reply.error.code, -32601, method);
      assert.equal(httpStatusOf(reply), 404, method);
    }
    // In the 2025 era an unknown method stays an in-band -32601 (HTTP 200).
    const legacy = (await core.handle({ jsonrpc: "2.0", id: 1, method: "no/such" })) as JsonRpcFailure;
    assert.equal(httpStatusOf(legacy), undefined);
  });

  test("a tool result keeps its single serialisation: the 2026 fields are appended to its recorded text", async () => {
    const echo = createEchoHost();
    const recording: ToolHost = {
      ...echo,
      callTool: async (name, args) => {
        const result = await echo.callTool(name, args);
        return result && withRawJson(result, JSON.stringify(result));
      },
    };
    const reply = (await createMcpServerCore(recording).handle(request("tools/call", { name: "echo.add", arguments: { a: 1, b: 2 } }))) as JsonRpcSuccess;
    assert.ok(rawJsonOf(reply.result) !== undefined);
    assert.equal(serializeResponse(reply), JSON.stringify(reply));
    assert.equal((reply.result as { resultType: string }).resultType, "complete");
  });

  test("handleText with HTTP headers refuses a mismatch before the core runs, echoing the id", async () => {
    let calls = 0;
    const echo = createEchoHost();
    const counting = createMcpServerCore({ ...echo, callTool: (n, a) => (calls++, echo.callTool(n, a)) });
    const text = JSON.stringify(request("tools/call", { name: "echo.add", arguments: { a: 1, b: 1 } }, 77));
    const refused = (await handleText(counting, text, undefined, headersFor("tools/call", { "mcp-name": "echo.say" }))) as JsonRpcFailure;
    assert.deepEqual([refused.id, refused.error.code, httpStatusOf(refused)], [77, MCP_HEADER_MISMATCH, 400]);
    assert.equal(calls, 0);
    const served = (await handleText(counting, text, undefined, headersFor("tools/call", { "mcp-name": "echo.add" }))) as JsonRpcSuccess;
    assert.equal(served.id, 77);
    assert.equal(calls, 1);
  });
});
