// Does the SDK's Streamable HTTP transport keep per-request state in a stateful session with JSON
// replies (typescript-sdk issue #2559)? Runs 1,000 tools/call POSTs through one sessionful
// WebStandardStreamableHTTPServerTransport (enableJsonResponse) of each SDK line installed here,
// then prints the sizes of its per-request maps; all zero means nothing is retained.
// Reads private fields on purpose: they are what the issue is about. No network, no database.
// Run: npx node bench/sdk-retention.ts

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { McpServer as McpServerV1 } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport as TransportV1 } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { McpServer as McpServerV2, WebStandardStreamableHTTPServerTransport as TransportV2 } from "@modelcontextprotocol/server";
import { parseBenchArgs } from "./lib/cli-args.ts";

parseBenchArgs(
  {
    name: "sdk-retention",
    usage: `Usage: npx node bench/sdk-retention.ts

typescript-sdk issue #2559: 1,000 tools/call POSTs through one stateful Streamable HTTP session
with JSON replies, for each SDK line installed (1.x and 2.x); prints the sizes of the transport's
per-request maps (all zero: nothing retained). No network, no database.

  -h, --help     this text`,
  },
  {},
);

const CALLS = 1_000;
/** The installed version, read from the package directory (not every package exports its package.json). */
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), "utf8")) as { version: string }).version;
const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

interface SessionTransport {
  handleRequest(request: Request): Promise<Response>;
}
interface SessionServer {
  registerTool(name: string, config: { description: string }, cb: () => Promise<{ content: Array<{ type: "text"; text: string }> }>): unknown;
  connect(transport: never): Promise<void>;
}

async function mapSizesAfterCalls(server: SessionServer, transport: SessionTransport): Promise<Record<string, number>> {
  server.registerTool("noop", { description: "Does nothing." }, async () => ({ content: [{ type: "text", text: "ok" }] }));
  await server.connect(transport as never);
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    transport.handleRequest(new Request("http://127.0.0.1/mcp", { method: "POST", headers: { ...HEADERS, ...extra }, body: JSON.stringify(body) }));
  const init = await post({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } },
  });
  const session = { "mcp-session-id": init.headers.get("mcp-session-id") ?? "", "mcp-protocol-version": "2025-11-25" };
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
  for (let id = 1; id <= CALLS; id++) {
    const reply = await post({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "noop", arguments: {} } }, session);
    if (!(await reply.text()).includes('"ok"')) throw new Error(`call ${id} did not succeed`);
  }
  const fields = transport as unknown as Record<string, Map<unknown, unknown> | undefined>;
  return Object.fromEntries(
    ["_streamMapping", "_requestToStreamMapping", "_requestResponseMap"].map((name) => [name, fields[name]?.size ?? Number.NaN]),
  );
}

const v1 = await mapSizesAfterCalls(
  new McpServerV1({ name: "bench", version: "1" }) as unknown as SessionServer,
  new TransportV1({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true }),
);
const v2 = await mapSizesAfterCalls(
  new McpServerV2({ name: "bench", version: "1" }) as unknown as SessionServer,
  new TransportV2({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: true }),
);
console.log(`entries left after ${CALLS} tool calls in one stateful session with JSON replies:`);
console.log(`  @modelcontextprotocol/sdk ${versionOf("@modelcontextprotocol/sdk")}:    ${JSON.stringify(v1)}`);
console.log(`  @modelcontextprotocol/server ${versionOf("@modelcontextprotocol/server")}: ${JSON.stringify(v2)}`);
