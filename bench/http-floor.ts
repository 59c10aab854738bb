// The floor node:http itself sets per request on this machine: a bare server that reads the body
// and answers a fixed JSON body of the size of a real tools/call reply, driven by the same client,
// request bytes and 16 keep-alive sockets as the HTTP phase of bench/read-latency.ts. Server CPU
// per call here is what no change to runtime/mcp/http.ts can get below (docs/performance.md,
// "Issue 11: the HTTP layer"). Run: node bench/http-floor.ts [calls]; the server is this file with
// argv "serve"; BENCH_CPU_PROF=DIR writes its .cpuprofile.
// BENCH_FLOOR_SERVER=net measures what is left below node:http: a raw `net` server that finds the
// end of each request by its Content-Length and writes a fixed reply. It parses nothing else and
// checks nothing (no limits, no chunked bodies, no pipelining rules): a measuring stick for "what if
// we framed HTTP/1.1 ourselves", never a server to run.

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { parseBenchArgs, usageError, wholeNumber } from "./lib/cli-args.ts";
import { HttpRpcClient } from "./lib/http-client.ts";
import { cpuMs } from "./lib/proc.ts";

const CLI = {
  name: "http-floor",
  usage: `Usage: npx node bench/http-floor.ts [CALLS]

Server CPU per call of a bare node:http server answering a fixed tools/call-sized reply, driven
like the HTTP phase of bench/read-latency.ts (16 keep-alive sockets): the floor no change to
runtime/mcp/http.ts can get below. No database.

  CALLS          measured calls after 2,000 warm-up calls (default 20000)
  -h, --help     this text

Environment:
  BENCH_FLOOR_SERVER=ours   runtime/mcp/http.ts's server in front of a fixed-answer core
  BENCH_FLOOR_SERVER=net    a raw net server with fixed framing (a measuring stick, never a server)
  BENCH_FLOOR_HEADERS=array writeHead with a flat header list instead of an object
  BENCH_CPU_PROF=DIR        write the server's .cpuprofile into DIR`,
};
/** The driver's [CALLS]; the server it measures is this file started again with the argument "serve". */
function callsArg(): number {
  const { positionals } = parseBenchArgs(CLI, { allowPositionals: true });
  if (positionals.length > 1) usageError(CLI, `unexpected argument '${positionals[1]}'`);
  return wholeNumber(CLI, "CALLS", positionals[0], 20_000);
}
const SERVE = process.argv[2] === "serve";
const CALLS = SERVE ? 0 : callsArg();

const IN_FLIGHT = 16;
/**
 * BENCH_FLOOR_SERVER=ours: runtime/mcp/http.ts's startHttpServer (bearer token, Host/Origin, era
 * headers, connection limit) in front of a core that answers the same fixed result, so the
 * difference to the bare server is what our layer (plus decoding and encoding the message) adds.
 */
const OURS = process.env.BENCH_FLOOR_SERVER === "ours";
const RAW_NET = process.env.BENCH_FLOOR_SERVER === "net";
const TOKEN = "bench-token-0123456789abcdef";
/** BENCH_FLOOR_HEADERS=array: writeHead with a flat [name, value, ...] list instead of an object. */
const ARRAY_HEADERS = process.env.BENCH_FLOOR_HEADERS === "array";
const CALL_PARAMS = `{"name":"billing.inspect_invoice","arguments":{"invoice_id":"INV-3001"}}`;
/** About the size of the example's tools/call reply (structuredContent plus its text copy). */
const REPLY = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { ok: true, pad: "x".repeat(1_400) } });

async function serveOurs(): Promise<void> {
  const { startHttpServer } = await import("../runtime/mcp/http.ts");
  const result = { ok: true, pad: "x".repeat(1_400) };
  const core = { handle: (message: unknown) => Promise.resolve({ jsonrpc: "2.0" as const, id: (message as { id: number }).id, result }) };
  const server = await startHttpServer(core, { port: 0, authToken: TOKEN });
  console.log(`listening ${new URL(server.url).port}`);
}

/** The bytes on the wire below any HTTP library: one read and one write per request on a kept-alive socket. */
function serveRawNet(): void {
  const response = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(REPLY)}\r\nKeep-Alive: timeout=5\r\n\r\n${REPLY}`);
  const server = createNetServer((socket: Socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const headEnd = pending.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const match = /content-length:\s*(\d+)/i.exec(pending.subarray(0, headEnd).toString("latin1"));
        const end = headEnd + 4 + Number(match?.[1] ?? 0);
        if (pending.length < end) return;
        pending.subarray(headEnd + 4, end).toString("utf8");
        pending = pending.subarray(end);
        socket.write(response);
      }
    });
    socket.on("error", () => socket.destroy());
  });
  server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
}

function serve(): void {
  // A clean exit on SIGTERM, so --cpu-prof writes its profile.
  process.once("SIGTERM", () => process.exit(0));
  if (OURS) {
    void serveOurs();
    return;
  }
  if (RAW_NET) {
    serveRawNet();
    return;
  }
  const server = createServer({ keepAlive: true, keepAliveTimeout: 5_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      Buffer.concat(chunks).toString("utf8");
      if (ARRAY_HEADERS) res.writeHead(200, ["Content-Type", "application/json", "Content-Length", String(Buffer.byteLength(REPLY))]);
      else res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(REPLY) });
      res.end(REPLY);
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
}

async function main(): Promise<void> {
  const profile = process.env.BENCH_CPU_PROF;
  const flags = profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profile}`];
  const child = spawn(process.execPath, [...flags, import.meta.filename, "serve"], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) => child.stdout!.setEncoding("utf8").once("data", (t: string) => resolve(t.trim().split(" ")[1]!)));
  const client = new HttpRpcClient(`http://127.0.0.1:${port}/mcp`, TOKEN, IN_FLIGHT);
  const run = async (n: number): Promise<void> => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next++ < n) await client.request("tools/call", CALL_PARAMS);
      }),
    );
  };
  await run(2_000); // warm-up
  const before = cpuMs(child.pid!);
  await run(CALLS);
  const serverCpuUs = ((cpuMs(child.pid!) - before) * 1000) / CALLS;
  client.close();
  child.kill();
  console.log(JSON.stringify({ server: OURS ? "runtime/mcp/http.ts" : RAW_NET ? "raw net (fixed framing)" : "bare node:http", headers: OURS || RAW_NET ? "n/a" : ARRAY_HEADERS ? "array" : "object", server_cpu_us_per_call: Number(serverCpuUs.toFixed(1)), calls: CALLS, reply_bytes: REPLY.length }));
}

if (SERVE) serve();
else await main();
