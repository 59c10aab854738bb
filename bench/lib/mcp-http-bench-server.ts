// The server side of bench/mcp-http-sdk.ts, run as a child process so its CPU and memory can be
// read from /proc. One ToolHost, built exactly as the compiled server builds it (the example's
// generated capabilities, a Postgres pool, the SQLite ledger, the trusted context from the
// environment) plus one trivial echo tool, is served over HTTP by either
//   BENCH_SERVER=ours: runtime/mcp/http.ts startHttpServer + runtime/mcp/protocol.ts core, or
//   BENCH_SERVER=sdk:  @modelcontextprotocol/server 2.x createMcpHandler (its default stateless
//                      2025-era serving: a fresh McpServer per request) behind toNodeHandler from
//                      @modelcontextprotocol/node on node:http, with the same bearer check.
// Environment: BENCH_GENERATED_DIR (the build's src/ directory), BENCH_STORE, BENCH_TOKEN,
// SUPPORT_DB_READ_URL, SYNAPSOR_TENANT_ID, SYNAPSOR_PRINCIPAL. Prints "listening <url>" when ready.

import { timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Capability } from "../../runtime/capability.ts";
import { createCapabilityHost } from "../../runtime/capability-host.ts";
import { trustedContextFromEnv } from "../../runtime/context.ts";
import { openAdapter } from "../../runtime/db/index.ts";
import type { Adapter } from "../../runtime/db/adapter.ts";
import { openKeyRing } from "../../runtime/ledger/keys/open-key-ring.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { ToolCallResult, ToolHost } from "../../runtime/mcp/host.ts";
import { startHttpServer } from "../../runtime/mcp/http.ts";
import { createMcpServerCore } from "../../runtime/mcp/protocol.ts";
// The generated capabilities import "synapsor-runner/runtime", which the bundler aliases to
// runtime/index.ts; this resolve hook does the same, so the generated files run unchanged.
import "../../test/support/package-source.ts";

export const ECHO_TOOL = "bench.echo";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bench server: ${name} is not set`);
  return value;
}

/** The example's read capability first, as the generated src/server.ts lists them. */
async function loadCapabilities(generatedDir: string): Promise<Capability[]> {
  const names = ["billing.inspect_invoice", "support.list_open_tickets", "billing.propose_late_fee_waiver"];
  const modules = await Promise.all(names.map((n) => import(pathToFileURL(join(generatedDir, "capabilities", `${n}.ts`)).href)));
  return modules.map((m) => m.default as Capability);
}

/** The product's host plus a tool that does no I/O, so the protocol cost can be seen on its own. */
function withEcho(host: ToolHost): ToolHost {
  const echo = {
    name: ECHO_TOOL,
    description: "Returns the text it was given (benchmark only).",
    inputSchema: { type: "object", properties: { text: { type: "string", maxLength: 200 } }, required: ["text"], additionalProperties: false },
    outputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  };
  const tools = [...host.listTools(), echo];
  return {
    ...host,
    listTools: () => tools,
    async callTool(name, args): Promise<ToolCallResult | undefined> {
      if (name !== ECHO_TOOL) return host.callTool(name, args);
      const text = String((args as { text?: unknown } | null)?.text ?? "");
      return { content: [{ type: "text", text }], structuredContent: { text } };
    },
  };
}

async function buildHost(): Promise<ToolHost> {
  const capabilities = await loadCapabilities(required("BENCH_GENERATED_DIR"));
  const context = trustedContextFromEnv({ tenantIdEnv: "SYNAPSOR_TENANT_ID", principalEnv: "SYNAPSOR_PRINCIPAL" });
  if (!context.ok) throw new Error("bench server: the trusted context is incomplete");
  const storePath = required("BENCH_STORE");
  const ledger = await openLedger({ path: storePath, keys: openKeyRing({ storePath, envName: null, envRequired: false }) });
  const adapter = await openAdapter("postgres", { url: required("SUPPORT_DB_READ_URL"), statementTimeoutMs: 3000, maxConnections: 8, readOnly: true });
  const adapters = new Map<string, Adapter>([["app_db", adapter]]);
  const log = (event: Record<string, unknown>) => void process.stderr.write(`${JSON.stringify(event)}\n`);
  const host = createCapabilityHost(capabilities, { adapters, ledger, context: context.context, log }, {
    serverName: "synapsor-runner",
    version: "0.1.0",
    aliasMode: "canonical",
  });
  return withEcho(host);
}

async function serveOurs(host: ToolHost, token: string): Promise<string> {
  const server = await startHttpServer(createMcpServerCore(host), { port: 0, authToken: token });
  return server.url;
}

async function serveSdk(host: ToolHost, token: string): Promise<string> {
  const { createMcpHandler, fromJsonSchema, McpServer } = await import("@modelcontextprotocol/server");
  const { toNodeHandler } = await import("@modelcontextprotocol/node");
  // Schemas are converted (and their validators compiled) once; the factory runs per request.
  const tools = host.listTools().map((tool) => ({
    tool,
    config: {
      ...(tool.title ? { title: tool.title } : {}),
      description: tool.description,
      inputSchema: fromJsonSchema(tool.inputSchema as never),
      ...(tool.outputSchema ? { outputSchema: fromJsonSchema(tool.outputSchema as never) } : {}),
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
      ...(tool._meta ? { _meta: tool._meta } : {}),
    },
  }));
  const factory = () => {
    const server = new McpServer(host.serverInfo, { ...(host.instructions ? { instructions: host.instructions } : {}) });
    for (const { tool, config } of tools) {
      server.registerTool(tool.name, config as never, (async (args: unknown) => (await host.callTool(tool.name, args)) ?? { content: [], isError: true }) as never);
    }
    return server;
  };
  const handle = toNodeHandler(createMcpHandler(factory));
  const expected = Buffer.from(`Bearer ${token}`);
  const server = createServer((req, res) => {
    // The same gate our server applies first: a constant-time bearer comparison.
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.writeHead(401, { "Content-Type": "application/json" }).end('{"error":"unauthorized"}');
      return;
    }
    void handle(req, res);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const mode = required("BENCH_SERVER");
const host = await buildHost();
const url = mode === "sdk" ? await serveSdk(host, required("BENCH_TOKEN")) : await serveOurs(host, required("BENCH_TOKEN"));
process.stdout.write(`listening ${url}\n`);
process.on("SIGTERM", () => process.exit(0));
