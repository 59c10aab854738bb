// The Streamable HTTP transport bounds what open connections can hold: at most maxConnections are
// open (one more closes the oldest idle one), and a connection that never starts a request is
// closed after idleTimeoutMs. Hundreds of idle connections, authenticated or silent, neither pile
// up nor lock a real MCP client out. No timing is asserted; each wait is bounded by the test.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createMcpServerCore } from "../../runtime/mcp/protocol.ts";
import { HttpServerConfigError, startHttpServer, type RunningHttpServer } from "../../runtime/mcp/http.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const TOKEN = "connection-limit-token-0123456789";
const CAP = 50;

async function until(condition: () => boolean, what: () => string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Idle {
  socket: Socket;
  closed: boolean;
}

function open(url: URL, firstBytes?: string): Promise<Idle> {
  return new Promise((resolve, reject) => {
    const idle: Idle = { socket: connect(Number(url.port), url.hostname), closed: false };
    idle.socket.on("close", () => (idle.closed = true));
    idle.socket.on("error", () => undefined); // a reset from the server is a close
    idle.socket.resume(); // read (and drop) the reply, or the close behind it is never seen
    idle.socket.once("connect", () => {
      if (firstBytes) idle.socket.write(firstBytes);
      resolve(idle);
    });
    idle.socket.once("error", reject);
  });
}

/** One authenticated ping, then the connection is kept open and left idle. */
function pingRequest(url: URL): string {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
  return (
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
    `Accept: application/json, text/event-stream\r\nConnection: keep-alive\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

async function listsTools(server: RunningHttpServer): Promise<string[]> {
  const client = new Client({ name: "connection-limit", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

describe("HTTP connections are capped", () => {
  let server: RunningHttpServer;
  const sockets: Idle[] = [];
  before(async () => {
    // A long idle timeout: here it is the cap that must close connections.
    server = await startHttpServer(createMcpServerCore(createEchoHost()), { port: 0, authToken: TOKEN, maxConnections: CAP, idleTimeoutMs: 120_000 });
  });
  after(async () => {
    for (const s of sockets) s.socket.destroy();
    await server.close();
  });

  test("300 idle connections (half authenticated after a request, half silent): at most the cap stay open, and a real client still gets answers", async () => {
    const url = new URL(server.url);
    for (let i = 0; i < 300; i++) sockets.push(await open(url, i % 2 === 0 ? pingRequest(url) : undefined));
    await until(() => sockets.filter((s) => !s.closed).length <= CAP, () => `at most ${CAP} of 300 idle connections are open (${sockets.filter((s) => !s.closed).length} are)`);
    const tools = await listsTools(server);
    assert.ok(tools.length > 0);
    assert.ok(sockets.filter((s) => !s.closed).length <= CAP, "the cap still holds after the client came and went");
  });
});

test("a connection that never starts a request is closed after the idle timeout; one that does is served", async () => {
  const server = await startHttpServer(createMcpServerCore(createEchoHost()), { port: 0, authToken: TOKEN, idleTimeoutMs: 300 });
  try {
    const url = new URL(server.url);
    const silent = await open(url);
    await until(() => silent.closed, () => "the silent connection is closed");
    assert.ok((await listsTools(server)).length > 0);
  } finally {
    await server.close();
  }
});

test("maxConnections and idleTimeoutMs must be positive whole numbers", async () => {
  for (const bad of [{ maxConnections: 0 }, { maxConnections: 1.5 }, { idleTimeoutMs: -1 }]) {
    await assert.rejects(startHttpServer(createMcpServerCore(createEchoHost()), { port: 0, authToken: TOKEN, ...bad }), HttpServerConfigError);
  }
});

test("pipelined requests: a second request on a connection with one in flight is refused unread, and the connection closes", async () => {
  // Each request in flight may hold a body of up to the limit; one per connection keeps memory at
  // maxConnections × that limit. The SDK client never pipelines, so it is unaffected.
  const server = await startHttpServer(createMcpServerCore(createEchoHost()), { port: 0, authToken: TOKEN });
  try {
    const url = new URL(server.url);
    let received = "";
    const conn = await open(url);
    conn.socket.removeAllListeners("data");
    conn.socket.pause();
    conn.socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    conn.socket.resume();
    conn.socket.write(pingRequest(url) + pingRequest(url) + pingRequest(url));
    await until(() => conn.closed, () => `the connection closes (received so far: ${JSON.stringify(received)})`);
    const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.equal(statuses[0], "200", received);
    assert.ok(statuses.length >= 2 && statuses.slice(1).every((s) => s === "429"), received);
    assert.match(received, /one request at a time/);
  } finally {
    await server.close();
  }
});
