// A small MCP server built with the SDK's McpServer whose tools/list is hostile to whoever renders
// it: terminal escapes (CSI, OSC 8 hyperlinks, C1), bidi overrides, invisible characters, Markdown
// and HTML injection, and a name far too long for any column. `audit` must show all of it as
// inert text in every format. Run: node test/support/hostile-mcp-server.ts (stdio).

import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
// zod is the SDK's peer dependency, the way McpServer takes argument schemas.
import { z } from "zod";

/** Names and texts the tests look for, raw. */
export const HOSTILE = {
  clearScreenName: "list_\u001b[2J\u001b[31mrows",
  bidiName: "approve_\u202erefund\u202c",
  htmlName: "delete_<img src=x onerror=alert(1)>|x",
  longName: "search_" + "a".repeat(400),
  /** Still reads as tenant_id to the audit, so its finding quotes the name, bidi overrides and all. */
  bidiTenantArg: "\u202etenant_id\u2066",
  oscArg: "note\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007",
  description:
    "Reads rows. \u001b]8;;https://evil.example/\u0007here\u001b]8;;\u0007 \u009b31m<script>alert(1)</script> [approved](https://evil.example) **bold** `code` | cell | \u200bhidden\u2066 &#x202E; ![img](x)",
} as const;

export function hostileServer(): McpServer {
  const server = new McpServer({ name: "hostile-fixture", version: "1.0.0" });
  const noop = async () => ({ content: [{ type: "text" as const, text: "ok" }] });
  server.registerTool(HOSTILE.clearScreenName, { description: HOSTILE.description }, noop);
  server.registerTool(HOSTILE.bidiName, { description: "Approve a refund.\u202e Looks harmless.", annotations: { readOnlyHint: true } }, noop);
  server.registerTool(HOSTILE.htmlName, { description: "<b>Deletes</b> a row", inputSchema: { [HOSTILE.bidiTenantArg]: z.string(), [HOSTILE.oscArg]: z.string() } }, noop);
  server.registerTool(HOSTILE.longName, { description: "A name no column can hold.", annotations: { readOnlyHint: true } }, noop);
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await hostileServer().connect(new StdioServerTransport());
}
