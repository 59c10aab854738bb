// Benchmark of the MCP protocol layer alone (no database): core.handle for tools/call
// in process, and an HTTP keep-alive round trip with one client. Prints numbers only.
// Run: npx node bench/mcp-core.ts

import { request as httpRequest, Agent } from "node:http";
import { createMcpServerCore } from "../runtime/mcp/protocol.ts";
import { startHttpServer } from "../runtime/mcp/http.ts";
import { createEchoHost } from "../test/fixtures/echo-host.ts";
import { parseBenchArgs } from "./lib/cli-args.ts";

parseBenchArgs(
  {
    name: "mcp-core",
    usage: `Usage: npx node bench/mcp-core.ts

The MCP protocol layer alone, no database: core.handle for a tools/call in process (µs per call),
and an HTTP keep-alive round trip with one client (p50, p99).

  -h, --help     this text`,
  },
  {},
);

const core = createMcpServerCore(createEchoHost());
const message = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo.add", arguments: { a: 1, b: 2 } } };
for (let i = 0; i < 2000; i++) await core.handle(message);
const n = 20_000;
const start = process.hrtime.bigint();
for (let i = 0; i < n; i++) await core.handle(message);
const perCallUs = Number(process.hrtime.bigint() - start) / 1000 / n;
console.log(`core.handle tools/call: ${perCallUs.toFixed(2)} µs/call`);

const server = await startHttpServer(core, { port: 0, allowUnauthenticated: true });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(server.url);
const body = JSON.stringify(message);
const roundTrip = () =>
  new Promise<void>((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent, headers: { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
for (let i = 0; i < 300; i++) await roundTrip();
const samples: number[] = [];
for (let i = 0; i < 2000; i++) {
  const s = process.hrtime.bigint();
  await roundTrip();
  samples.push(Number(process.hrtime.bigint() - s) / 1000);
}
samples.sort((a, b) => a - b);
console.log(
  `HTTP keep-alive round trip (1 client): p50 ${samples[samples.length >> 1]!.toFixed(0)} µs, p99 ${samples[Math.floor(samples.length * 0.99)]!.toFixed(0)} µs`,
);
agent.destroy();
await server.close();
