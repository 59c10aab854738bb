// The strict JSON-RPC edges of the protocol core that SDK clients never send. The official MCP
// conformance suite runs against the compiled example server in test/slow/mcp-conformance.test.ts;
// speed lives in bench/mcp-core.ts.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  createMcpServerCore,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "../../runtime/mcp/protocol.ts";
import type { JsonRpcFailure, JsonRpcSuccess } from "../../runtime/mcp/protocol.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

describe("JSON-RPC and MCP strictness of the core", () => {
  const core = createMcpServerCore(createEchoHost());
  const call = (message: unknown) => core.handle(message);
  const errorCode = async (message: unknown) => ((await call(message)) as JsonRpcFailure).error.code;
  const initialize = (protocolVersion: unknown) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion, capabilities: {}, clientInfo: { name: "t", version: "1" } },
  });

  test("initialize echoes each supported version and answers the latest otherwise", async () => {
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) {
      const reply = (await call(initialize(version))) as JsonRpcSuccess;
      assert.equal((reply.result as { protocolVersion: string }).protocolVersion, version);
    }
    const other = (await call(initialize("2099-01-01"))) as JsonRpcSuccess;
    assert.deepEqual(other.result, {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: { tools: { listChanged: false }, resources: { subscribe: false, listChanged: false } },
      serverInfo: { name: "echo-fixture", version: "0.0.1" },
      instructions: "Echo fixture for transport tests.",
    });
    assert.equal(await errorCode(initialize(20250618)), -32602);
  });

  test("malformed requests get -32600; a batch is refused by the core itself (transports answer 2025-03-26 batches)", async () => {
    assert.deepEqual(await call([{ jsonrpc: "2.0", id: 1, method: "ping" }]), {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Invalid Request: JSON-RPC batches are accepted only under protocol version 2025-03-26" },
    });
    assert.equal(await errorCode("ping"), -32600);
    assert.equal(await errorCode(null), -32600);
    assert.equal(await errorCode({ id: 1, method: "ping" }), -32600); // no jsonrpc
    assert.equal(await errorCode({ jsonrpc: "1.0", id: 1, method: "ping" }), -32600);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: 5 }), -32600);
    const badId = (await call({ jsonrpc: "2.0", id: { x: 1 }, method: "ping" })) as JsonRpcFailure;
    assert.deepEqual([badId.id, badId.error.code], [null, -32600]);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: null, method: "ping" }), -32600);
  });

  test("bad params get -32602; unknown methods get -32601", async () => {
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: "ping", params: [1] }), -32602);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: "tools/call", params: {} }), -32602);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo.add", arguments: [1, 2] } }), -32602);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: "resources/read", params: { uri: 3 } }), -32602);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { cursor: 3 } }), -32602);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: "x", method: "prompts/list" }), -32601);
    assert.equal(await errorCode({ jsonrpc: "2.0", id: "x", method: "logging/setLevel", params: { level: "info" } }), -32601);
  });

  test("a resources/read miss is -32002 with the uri, on the wire", async () => {
    assert.deepEqual(await call({ jsonrpc: "2.0", id: "r", method: "resources/read", params: { uri: "echo://notes/zz" } }), {
      jsonrpc: "2.0",
      id: "r",
      error: { code: -32002, message: "Resource not found", data: { uri: "echo://notes/zz" } },
    });
  });

  test("notifications and client responses get no reply; cursors are accepted and ignored", async () => {
    assert.equal(await call({ jsonrpc: "2.0", method: "notifications/initialized" }), undefined);
    assert.equal(await call({ jsonrpc: "2.0", method: "tools/call", params: { name: "echo.add" } }), undefined);
    assert.equal(await call({ jsonrpc: "2.0", id: 4, result: {} }), undefined);
    const paged = (await call({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { cursor: "next" } })) as JsonRpcSuccess;
    assert.equal((paged.result as { tools: unknown[] }).tools.length, 2);
    const tools = (await call({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo.add", arguments: { a: 1, b: 1 } } })) as JsonRpcSuccess;
    assert.equal(tools.id, 3);
  });
});
