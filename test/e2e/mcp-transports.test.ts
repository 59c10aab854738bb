// The MCP transports against real SDK clients (1.x @modelcontextprotocol/sdk and 2.x
// @modelcontextprotocol/client), over stdio (a spawned server) and Streamable HTTP (in process),
// plus the HTTP security gates exercised with plain requests.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest, Agent } from "node:http";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client as Client1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as Stdio1 } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as Http1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as Client2, ResourceNotFoundError, StreamableHTTPClientTransport as Http2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as Stdio2 } from "@modelcontextprotocol/client/stdio";
import { createMcpServerCore, LATEST_PROTOCOL_VERSION } from "../../runtime/mcp/protocol.ts";
import type { McpServerCore } from "../../runtime/mcp/protocol.ts";
import { serveStdio } from "../../runtime/mcp/stdio.ts";
import { HttpServerConfigError, startHttpServer } from "../../runtime/mcp/http.ts";
import type { RunningHttpServer } from "../../runtime/mcp/http.ts";
import { tokensEqual } from "../../runtime/mcp/auth.ts";
import type { ToolHost } from "../../runtime/mcp/host.ts";
import { createEchoHost } from "../fixtures/echo-host.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/serve-fixture.ts", import.meta.url));
const TOKEN = "s3cret-token-for-tests-only";

/** The calls both SDK generations share; each client is used through this shape. */
interface McpClientLike {
  ping(): Promise<object>;
  listTools(): Promise<{ tools: Array<{ name: string }> }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  listResources(): Promise<{ resources: unknown[] }>;
  listResourceTemplates(): Promise<{ resourceTemplates: Array<{ uriTemplate: string }> }>;
  readResource(params: { uri: string }): Promise<{ contents: Array<{ uri: string; text?: unknown }> }>;
  getServerVersion(): { name: string; version: string } | undefined;
  getInstructions(): string | undefined;
  close(): Promise<void>;
}

interface ToolResultShape {
  content: Array<{ type: string; text: string }>;
  structuredContent: Record<string, unknown> & { data: Record<string, unknown> | null; error: { code: string } | null };
  isError?: boolean;
}

/**
 * How each SDK generation surfaces our resources/read miss (wire code -32002 with data.uri):
 * 1.x passes the code through; 2.x rebuilds it as ResourceNotFoundError, which carries -32602
 * because the 2026-07-28 revision moved the miss to Invalid Params.
 */
type NotFoundCheck = (error: unknown) => boolean;
const notFound1: NotFoundCheck = (error) => (error as { code?: unknown }).code === -32002;
const notFound2: NotFoundCheck = (error) =>
  error instanceof ResourceNotFoundError && error.uri === "echo://notes/missing";

async function exerciseClient(client: McpClientLike, isNotFound: NotFoundCheck): Promise<void> {
  assert.deepEqual(client.getServerVersion(), { name: "echo-fixture", version: "0.0.1" });
  assert.equal(client.getInstructions(), "Echo fixture for transport tests.");

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ["echo.say", "echo.add"]);

  const added = (await client.callTool({ name: "echo.add", arguments: { a: 2, b: 40 } })) as ToolResultShape;
  assert.equal(added.isError, undefined);
  assert.deepEqual(added.structuredContent.data, { sum: 42 });
  assert.deepEqual(JSON.parse(added.content[0]!.text), added.structuredContent);

  // An unknown tool is the spec's protocol error (-32602), not a tool result; both SDKs reject with it.
  const unknown = await client.callTool({ name: "echo.nope\u001b[2J", arguments: {} }).then(
    () => assert.fail("an unknown tool must be a protocol error"),
    (err: { code?: unknown; message?: unknown; data?: { code?: unknown; retryable?: unknown } }) => err,
  );
  assert.equal(unknown.code, -32602);
  assert.deepEqual(unknown.data, { code: "CAPABILITY_NOT_FOUND", retryable: false });
  assert.match(String(unknown.message), /Unknown tool 'echo\.nope\\u001b\[2J'\. Use one of the tools in tools\/list\./);

  assert.deepEqual((await client.listResources()).resources, []);
  const { resourceTemplates } = await client.listResourceTemplates();
  assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ["echo://notes/{id}"]);

  const found = await client.readResource({ uri: "echo://notes/n-2" });
  assert.equal(found.contents[0]!.uri, "echo://notes/n-2");
  assert.deepEqual(JSON.parse(String(found.contents[0]!.text)), { id: "n-2", note: "second note" });
  await assert.rejects(client.readResource({ uri: "echo://notes/missing" }), isNotFound);

  assert.deepEqual(await client.ping(), {});

  // Later calls finish first (decreasing delays), so replies arrive out of order and must still match.
  const calls = Array.from({ length: 50 }, (_, i) =>
    client.callTool({ name: "echo.say", arguments: { text: `call-${i}`, delay_ms: (49 - i) % 7 * 3 } }),
  );
  const results = (await Promise.all(calls)) as ToolResultShape[];
  results.forEach((result, i) => assert.deepEqual(result.structuredContent.data, { text: `call-${i}` }));
}

function newClient1(): Client1 {
  return new Client1({ name: "transport-test-1x", version: "1.0.0" });
}
function newClient2(): Client2 {
  return new Client2({ name: "transport-test-2x", version: "1.0.0" });
}

describe("stdio transport with real SDK clients", () => {
  test("SDK 1.x client: full surface and 50 concurrent calls", async () => {
    const client = newClient1();
    await client.connect(new Stdio1({ command: process.execPath, args: [FIXTURE, "stdio"], stderr: "pipe" }));
    try {
      await exerciseClient(client as unknown as McpClientLike, notFound1);
    } finally {
      await client.close();
    }
  });

  test("SDK 2.x client: full surface and 50 concurrent calls", async () => {
    const client = newClient2();
    await client.connect(new Stdio2({ command: process.execPath, args: [FIXTURE, "stdio"], stderr: "pipe" }));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), LATEST_PROTOCOL_VERSION);
      await exerciseClient(client as unknown as McpClientLike, notFound2);
    } finally {
      await client.close();
    }
  });
});

/** Runs serveStdio in process over pipes so framing can be driven byte by byte. */
function stdioHarness(core: McpServerCore = createMcpServerCore(createEchoHost())) {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let buffered = "";
  output.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf("\n")) !== -1) {
      lines.push(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
    }
  });
  const served = serveStdio(core, { input, output });
  return { input, lines, served, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("stdio framing", () => {
  test("messages split across chunks, several per chunk, and split UTF-8 all decode", async () => {
    const h = stdioHarness();
    const text = "héllo ✓";
    const say = Buffer.from(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo.say", arguments: { text } } }) + "\n",
    );
    const cut = say.indexOf(Buffer.from("✓")) + 1; // inside the 3-byte character
    h.input.write(say.subarray(0, cut));
    h.input.write(Buffer.concat([say.subarray(cut), Buffer.from('{"jsonrpc":"2.0","id":2,"method":"ping"}\r\n{"jsonrpc":"2.0","id":3,"method":"pi')]));
    h.input.end('ng"}'); // last message without a trailing newline is still answered at end of input
    await h.served;
    const byId = new Map(h.parsed().map((m) => [m.id, m]));
    assert.equal(h.lines.length, 3);
    assert.deepEqual((byId.get(1)!.result as ToolResultShape).structuredContent.data, { text });
    assert.deepEqual(byId.get(2)!.result, {});
    assert.deepEqual(byId.get(3)!.result, {});
  });

  test("resolves only after in-flight requests finish, answering them out of order", async () => {
    const h = stdioHarness();
    const call = (id: number, delay: number) =>
      JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo.say", arguments: { text: `t${id}`, delay_ms: delay } } });
    h.input.end(`${call(1, 60)}\n${call(2, 0)}\n`);
    await h.served;
    assert.deepEqual(h.parsed().map((m) => m.id), [2, 1]);
  });

  test("notifications get no reply; garbage and batches get JSON-RPC errors", async () => {
    const h = stdioHarness();
    h.input.end(
      [
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        "not json",
        '[{"jsonrpc":"2.0","id":1,"method":"ping"}]',
        "",
        '{"jsonrpc":"2.0","id":9,"method":"ping"}',
      ].join("\n") + "\n",
    );
    await h.served;
    const replies = h.parsed();
    assert.equal(replies.length, 3);
    assert.deepEqual(replies.find((r) => r.id === 9)!.result, {});
    const codes = replies.filter((r) => r.id === null).map((r) => (r.error as { code: number }).code).sort((a, b) => a - b);
    assert.deepEqual(codes, [-32700, -32600]);
  });

  test("a destroyed input (shutdown) also resolves, after in-flight replies", async () => {
    const h = stdioHarness();
    h.input.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo.say","arguments":{"text":"x","delay_ms":30}}}\n');
    await new Promise((resolve) => setImmediate(resolve));
    h.input.destroy();
    await h.served;
    assert.deepEqual(h.parsed().map((m) => m.id), [1]);
  });

  test("an over-long line is dropped with one parse error and the stream recovers", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let out = "";
    output.setEncoding("utf8").on("data", (c: string) => (out += c));
    const served = serveStdio(createMcpServerCore(createEchoHost()), { input, output, maxLineLength: 100 });
    input.write('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + "x".repeat(150));
    input.write("x".repeat(150) + '"}}\n{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    input.end();
    await served;
    const replies = out.trim().split("\n").map((l) => JSON.parse(l) as { id: unknown; error?: { code: number } });
    assert.deepEqual(replies.map((r) => [r.id, r.error?.code]), [[null, -32700], [2, undefined]]);
  });
});

/** Counts host calls so rejected HTTP requests can be shown to have touched nothing. */
function countingHost(): { host: ToolHost; calls: () => number } {
  const inner = createEchoHost();
  let calls = 0;
  const host: ToolHost = {
    serverInfo: inner.serverInfo,
    instructions: inner.instructions,
    listTools: () => (calls++, inner.listTools()),
    callTool: (name, args) => (calls++, inner.callTool(name, args)),
    listResourceTemplates: () => (calls++, inner.listResourceTemplates()),
    readResource: (uri) => (calls++, inner.readResource(uri)),
  };
  return { host, calls: () => calls };
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reusedSocket: boolean;
}

function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent; chunks?: Buffer[] } = {},
): Promise<RawReply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "POST",
        path: options.path ?? target.pathname,
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body, reusedSocket: req.reusedSocket }));
      },
    );
    // A server may answer and hang up before a large upload finishes; that is the behaviour under test.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

const CALL_BODY = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo.add", arguments: { a: 1, b: 2 } } });

describe("Streamable HTTP transport", () => {
  let server: RunningHttpServer;
  let counter: ReturnType<typeof countingHost>;
  let hostHeader: string;
  const authed = () => ({ Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json", Host: hostHeader });

  before(async () => {
    counter = countingHost();
    server = await startHttpServer(createMcpServerCore(counter.host), { port: 0, authToken: TOKEN });
    hostHeader = new URL(server.url).host;
  });
  after(() => server.close());

  test("serves on 127.0.0.1 under /mcp by default", () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  test("SDK 1.x client with a bearer header: full surface and 50 concurrent calls", async () => {
    const client = newClient1();
    await client.connect(new Http1(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
    try {
      await exerciseClient(client as unknown as McpClientLike, notFound1);
    } finally {
      await client.close();
    }
  });

  test("SDK 2.x client with a bearer header: full surface and 50 concurrent calls", async () => {
    const client = newClient2();
    await client.connect(new Http2(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), LATEST_PROTOCOL_VERSION);
      await exerciseClient(client as unknown as McpClientLike, notFound2);
    } finally {
      await client.close();
    }
  });

  test("no token and wrong tokens get 401 with WWW-Authenticate and never reach the host", async () => {
    const before = counter.calls();
    const noToken = await fetch(server.url, { method: "POST", headers: { "Content-Type": "application/json" }, body: CALL_BODY });
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get("www-authenticate") ?? "", /^Bearer/);
    const body = (await noToken.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
    assert.equal(body.jsonrpc, "2.0");
    assert.equal(body.id, null);
    assert.equal(body.error.message, "Unauthorized");
    for (const wrong of [`${TOKEN}x`, TOKEN.slice(0, -1) + "X", "short", `Basic ${TOKEN}`]) {
      const authorization = wrong.startsWith("Basic") ? wrong : `Bearer ${wrong}`;
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: authorization },
        body: CALL_BODY,
      });
      assert.equal(res.status, 401, authorization);
      await res.body?.cancel();
    }
    assert.equal(counter.calls(), before);
  });

  test("foreign Origin and foreign Host get 403 and never reach the host", async () => {
    const before = counter.calls();
    const origin = await raw(server.url, { headers: { ...authed(), Origin: "http://evil.example.com" }, body: CALL_BODY });
    assert.equal(origin.status, 403);
    assert.match(origin.body, /Origin/);
    const host = await raw(server.url, { headers: { ...authed(), Host: "evil.example.com" }, body: CALL_BODY });
    assert.equal(host.status, 403);
    const localOrigin = await raw(server.url, { headers: { ...authed(), Origin: `http://localhost:${new URL(server.url).port}` }, body: CALL_BODY });
    assert.equal(localOrigin.status, 200);
    assert.equal(counter.calls(), before + 1);
  });

  test("GET and DELETE get 405 with Allow: POST; a wrong path gets 404", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await raw(server.url, { method, headers: authed() });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, "POST");
    }
    const wrongPath = await raw(server.url, { path: "/other", headers: authed(), body: CALL_BODY });
    assert.equal(wrongPath.status, 404);
  });

  test("oversized bodies get 413, whether declared up front or streamed", async () => {
    const before = counter.calls();
    const big = Buffer.alloc(1024 * 1024 + 10, 0x20);
    const declared = await raw(server.url, { headers: { ...authed(), "Content-Length": String(big.length) }, body: big });
    assert.equal(declared.status, 413);
    const streamed = await raw(server.url, { headers: authed(), chunks: [big.subarray(0, 600_000), big.subarray(600_000)] });
    assert.equal(streamed.status, 413);
    assert.equal(counter.calls(), before);
  });

  test("wrong Content-Type gets 415; an unsupported MCP-Protocol-Version gets 400", async () => {
    const text = await raw(server.url, { headers: { ...authed(), "Content-Type": "text/plain" }, body: CALL_BODY });
    assert.equal(text.status, 415);
    const version = await raw(server.url, { headers: { ...authed(), "MCP-Protocol-Version": "1999-01-01" }, body: CALL_BODY });
    assert.equal(version.status, 400);
    const supported = await raw(server.url, { headers: { ...authed(), "MCP-Protocol-Version": "2025-06-18" }, body: CALL_BODY });
    assert.equal(supported.status, 200);
  });

  test("a notification gets 202 with no body; unparseable JSON gets 400 with -32700 and no stack", async () => {
    const note = await raw(server.url, { headers: authed(), body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
    assert.equal(note.status, 202);
    assert.equal(note.body, "");
    const garbage = await raw(server.url, { headers: authed(), body: "{not json" });
    assert.equal(garbage.status, 400);
    assert.deepEqual(JSON.parse(garbage.body), { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
  });

  test("keeps the connection alive between requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await raw(server.url, { headers: authed(), body: CALL_BODY, agent });
      const second = await raw(server.url, { headers: authed(), body: CALL_BODY, agent });
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.equal(second.reusedSocket, true);
      assert.equal(JSON.parse(second.body).result.structuredContent.data.sum, 3);
    } finally {
      agent.destroy();
    }
  });

  test("a host that throws anyway yields a generic -32603, never its message or stack", async () => {
    const throwing: ToolHost = { ...createEchoHost(), callTool: () => Promise.reject(new Error("SECRET driver text at /etc/x")) };
    const s = await startHttpServer(createMcpServerCore(throwing), { port: 0, allowUnauthenticated: true });
    try {
      const res = await raw(s.url, { headers: { "Content-Type": "application/json", Host: new URL(s.url).host }, body: CALL_BODY });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { jsonrpc: "2.0", id: 7, error: { code: -32603, message: "Internal error" } });
      assert.doesNotMatch(res.body, /SECRET|at \//);
    } finally {
      await s.close();
    }
  });

  test("extra routes answer beside the MCP path, before the bearer gate; the MCP path stays gated", async () => {
    const s = await startHttpServer(createMcpServerCore(createEchoHost()), {
      port: 0,
      authToken: "extra-routes-token-0123456789",
      extraRoutes: [{ path: "/livez", handle: (_req, res) => void res.writeHead(200, { "Content-Type": "text/plain" }).end("ok") }],
    });
    try {
      const live = await raw(s.url, { method: "GET", path: "/livez?verbose=1" });
      assert.equal(live.status, 200);
      assert.equal(live.body, "ok");
      const mcp = await raw(s.url, { headers: { "Content-Type": "application/json" }, body: CALL_BODY });
      assert.equal(mcp.status, 401, "the MCP path still needs the token");
      assert.equal((await raw(s.url, { method: "GET", path: "/livez/more" })).status, 401, "only the exact path");
    } finally {
      await s.close();
    }
  });

  test("refuses to start without a token unless unauthenticated access is explicit", async () => {
    await assert.rejects(startHttpServer(createMcpServerCore(createEchoHost()), { port: 0 }), HttpServerConfigError);
  });
});

describe("tokensEqual", () => {
  test("compares by value whatever the lengths", () => {
    assert.equal(tokensEqual("abc", "abc"), true);
    assert.equal(tokensEqual("abc", "abd"), false);
    assert.equal(tokensEqual("abc", "abcd"), false);
    assert.equal(tokensEqual("", ""), true);
  });
});
