// The 2026-07-28 (stateless) era against the compiled example server on Postgres, with raw
// requests as a 2026 client sends them: no initialize, the version in params._meta, and over HTTP
// the MCP-Protocol-Version / Mcp-Method / Mcp-Name headers. The 2025 era keeps working on the same
// server (an SDK client over HTTP, an initialize over the same stdio connection).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { connect } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as Client2, ResourceNotFoundError, StreamableHTTPClientTransport as Http2 } from "@modelcontextprotocol/client";
import { StdioClientTransport as Stdio2 } from "@modelcontextprotocol/client/stdio";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, envelopeOf, exampleConfigFor, spawnHttpServer, type HttpServerProcess } from "../support/compiled-server.ts";

const V = "2026-07-28";
const TOKEN = "stateless-era-token-for-tests";
const META = {
  "io.modelcontextprotocol/protocolVersion": V,
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "raw-2026-client", version: "1.0.0" },
};
const TTL_MS = 300_000;

interface RawReply {
  status: number;
  body: any;
  text: string;
}

const body2026 = (id: number | string, method: string, params: Record<string, unknown> = {}, meta: Record<string, unknown> = META) => ({
  jsonrpc: "2.0",
  id,
  method,
  params: { ...params, _meta: meta },
});

describe("the 2026-07-28 stateless era on a compiled server", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let server: HttpServerProcess;
  let env: Record<string, string>;
  let store: string;

  before(async () => {
    db = await createDatabase("postgres", "srera");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent:era" };
    built = await buildServer(exampleConfigFor("postgres"), { ...process.env, ...env, SUPPORT_DB_WRITE_URL: db.url }, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger-http.db");
    server = await spawnHttpServer(built.serverPath, built.runDir, { ...env, TEST_HTTP_TOKEN: TOKEN }, ["--auth-token-env", "TEST_HTTP_TOKEN", "--store", store]);
  });

  after(async () => {
    await server?.stop();
    await db?.drop();
  });

  /** One POST with exactly these headers (plus the token and content type) and this body. */
  async function post(body: unknown, headers: Record<string, string>, token: string | null = TOKEN): Promise<RawReply> {
    const response = await fetch(server.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : JSON.parse(text), text };
  }

  /** A well-formed 2026 request: headers repeat the version, the method and (where one applies) the name. */
  const post2026 = (id: number | string, method: string, params: Record<string, unknown> = {}, name?: string) => {
    const headers: Record<string, string> = { "MCP-Protocol-Version": V, "Mcp-Method": method };
    if (name !== undefined) headers["Mcp-Name"] = name;
    return post(body2026(id, method, params), headers);
  };

  const readCount = () => {
    const ledger = new DatabaseSync(store, { readOnly: true });
    try {
      return (ledger.prepare("SELECT count(*) AS n FROM reads").get() as { n: number }).n;
    } finally {
      ledger.close();
    }
  };

  describe("over HTTP", () => {
    test("server/discover answers without any initialize: versions, capabilities, identity in _meta, cache hint", async () => {
      const { status, body } = await post2026(1, "server/discover");
      assert.equal(status, 200);
      assert.equal(body.id, 1);
      assert.deepEqual(body.result.supportedVersions, [V]);
      assert.deepEqual(body.result.capabilities, { tools: { listChanged: false }, resources: { subscribe: false, listChanged: false } });
      assert.equal(body.result._meta["io.modelcontextprotocol/serverInfo"].name, "synapsor-runner");
      assert.equal(typeof body.result._meta["io.modelcontextprotocol/serverInfo"].version, "string");
      assert.deepEqual([body.result.resultType, body.result.ttlMs, body.result.cacheScope], ["complete", TTL_MS, "public"]);
      assert.equal(body.result.protocolVersion, undefined); // the 2025 initialize field has no place here
    });

    test("tools/list is the 2025 list plus a cache hint; templates likewise", async () => {
      const modern = await post2026(2, "tools/list");
      const legacy = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { "MCP-Protocol-Version": "2025-11-25" });
      assert.equal(modern.status, 200);
      assert.deepEqual(Object.keys(legacy.body.result), ["tools"]);
      const { tools, resultType, ttlMs, cacheScope, ...rest } = modern.body.result;
      assert.deepEqual(rest, {});
      assert.deepEqual(tools, legacy.body.result.tools);
      assert.deepEqual([resultType, ttlMs, cacheScope], ["complete", TTL_MS, "public"]);
      const templates = await post2026(4, "resources/templates/list");
      assert.deepEqual([templates.body.result.ttlMs, templates.body.result.cacheScope], [TTL_MS, "public"]);
      assert.ok(templates.body.result.resourceTemplates.length > 0);
    });

    test("tools/call returns the envelope, marked complete; the read is recorded like any other", async () => {
      const before = readCount();
      const { status, body } = await post2026(5, "tools/call", { name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }, "billing.inspect_invoice");
      assert.equal(status, 200);
      assert.equal(body.result.resultType, "complete");
      const envelope = envelopeOf(body.result);
      assert.equal(envelope.ok, true);
      assert.equal(envelope._meta.tenant_id, "tenant_acme");
      assert.equal(readCount(), before + 1);
    });

    test("an unknown tool is -32602 CAPABILITY_NOT_FOUND in band, as in the 2025 era", async () => {
      const { status, body } = await post2026(6, "tools/call", { name: "billing.nope", arguments: {} }, "billing.nope");
      assert.equal(status, 200);
      assert.equal(body.error.code, -32602);
      assert.equal(body.error.data.code, "CAPABILITY_NOT_FOUND");
    });

    test("resources/read of a resource that does not exist is -32602 with data.uri (SEP-2164)", async () => {
      const uri = "synapsor://proposals/prop_does_not_exist";
      const { status, body } = await post2026(7, "resources/read", { uri }, uri);
      assert.equal(status, 200);
      assert.equal(body.id, 7);
      assert.equal(body.error.code, -32602);
      assert.deepEqual(body.error.data, { uri });
    });

    test("Mcp-Method or Mcp-Name disagreeing with the body is refused 400 / -32020 and runs nothing", async () => {
      const before = readCount();
      const call = body2026(8, "tools/call", { name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } });
      const refusals: Array<Record<string, string>> = [
        { "MCP-Protocol-Version": V, "Mcp-Method": "tools/list", "Mcp-Name": "billing.inspect_invoice" },
        { "MCP-Protocol-Version": V, "Mcp-Method": "tools/call", "Mcp-Name": "support.list_open_tickets" },
        { "MCP-Protocol-Version": V, "Mcp-Method": "tools/call" },
        { "MCP-Protocol-Version": V, "Mcp-Method": "TOOLS/CALL", "Mcp-Name": "billing.inspect_invoice" },
      ];
      for (const headers of refusals) {
        const { status, body } = await post(call, headers);
        assert.equal(status, 400, JSON.stringify(headers));
        assert.equal(body.id, 8);
        assert.equal(body.error.code, -32020);
      }
      assert.equal(readCount(), before);
    });

    test("the version in _meta must equal the MCP-Protocol-Version header (-32020)", async () => {
      const { status, body } = await post(body2026(9, "tools/list", {}, { ...META, "io.modelcontextprotocol/protocolVersion": "2027-01-01" }), {
        "MCP-Protocol-Version": V,
        "Mcp-Method": "tools/list",
      });
      assert.equal(status, 400);
      assert.equal(body.error.code, -32020);
    });

    test("an unknown version is 400 / -32022 naming the supported versions and echoing the request", async () => {
      const version = "2031-02-03";
      const { status, body } = await post(body2026(10, "tools/list", {}, { ...META, "io.modelcontextprotocol/protocolVersion": version }), {
        "MCP-Protocol-Version": version,
        "Mcp-Method": "tools/list",
      });
      assert.equal(status, 400);
      assert.equal(body.id, 10);
      assert.equal(body.error.code, -32022);
      assert.deepEqual(body.error.data, { supported: [V], requested: version });
    });

    test("a 2026 request without the envelope, or an initialize under a 2026 header, is refused", async () => {
      const bare = await post({ jsonrpc: "2.0", id: 11, method: "tools/list", params: {} }, { "MCP-Protocol-Version": V, "Mcp-Method": "tools/list" });
      assert.deepEqual([bare.status, bare.body.error.code], [400, -32602]);
      const noCapabilities = await post(body2026(12, "tools/list", {}, { "io.modelcontextprotocol/protocolVersion": V }), {
        "MCP-Protocol-Version": V,
        "Mcp-Method": "tools/list",
      });
      assert.deepEqual([noCapabilities.status, noCapabilities.body.error.code], [400, -32602]);
      const init = await post(
        { jsonrpc: "2.0", id: 13, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } } },
        { "MCP-Protocol-Version": V, "Mcp-Method": "initialize" },
      );
      assert.deepEqual([init.status, init.body.error.code], [400, -32020]);
    });

    test("initialize, ping and unknown methods do not exist in the 2026 era: 404 / -32601", async () => {
      for (const method of ["initialize", "ping", "logging/setLevel", "prompts/list"]) {
        const { status, body } = await post2026(`m-${method}`, method);
        assert.deepEqual([status, body.id, body.error.code], [404, `m-${method}`, -32601], method);
      }
    });

    test("the bearer gate still comes first: a 2026 request without the token is 401", async () => {
      const { status } = await post(body2026(14, "server/discover"), { "MCP-Protocol-Version": V, "Mcp-Method": "server/discover" }, null);
      assert.equal(status, 401);
    });

    test("hostile header values are refused without echoing them raw", async () => {
      // Bytes 0x80-0xff pass the HTTP header checks and arrive as Latin-1: \x9b is a C1 control (CSI).
      // The same text in the body's _meta agrees with the header, so the answer is "unsupported".
      const hostile = `2099-\x9b31m\x85${"9".repeat(8000)}`;
      const rawPost = (headers: Record<string, string>, meta: Record<string, unknown>) =>
        post(body2026(15, "tools/list", {}, meta), { "Mcp-Method": "tools/list", ...headers });
      const unsupported = await rawPost({ "MCP-Protocol-Version": hostile }, { ...META, "io.modelcontextprotocol/protocolVersion": hostile });
      assert.equal(unsupported.status, 400);
      assert.equal(unsupported.body.error.code, -32022);
      assert.ok(unsupported.body.error.data.requested.length < 120, unsupported.body.error.data.requested);
      assert.match(unsupported.body.error.data.requested, /^2099-\\u009b31m\\u0085999/); // escaped, then cut short
      assert.ok(unsupported.text.length < 600, `${unsupported.text.length} bytes`);
      assert.doesNotMatch(unsupported.text, /[\u0080-\u009f\u001b]|9{100}/);

      // A huge header that disagrees with the body is a mismatch whose message repeats neither value.
      const mismatch = await rawPost({ "MCP-Protocol-Version": hostile }, META);
      assert.deepEqual([mismatch.status, mismatch.body.error.code], [400, -32020]);
      assert.ok(mismatch.text.length < 400, `${mismatch.text.length} bytes`);
      assert.doesNotMatch(mismatch.text, /[\u0080-\u009f]|2099/);

      // A hostile Mcp-Name: refused as a mismatch, never repeated.
      const name = await post(body2026(18, "tools/call", { name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }), {
        "MCP-Protocol-Version": V,
        "Mcp-Method": "tools/call",
        "Mcp-Name": `billing.inspect_invoice${"x".repeat(8000)}`,
      });
      assert.deepEqual([name.status, name.body.error.code], [400, -32020]);
      assert.doesNotMatch(name.text, /xxxx/);
    });

    test("a raw control character in a header never reaches the core: a bare 400", async () => {
      const { port } = new URL(server.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => {
          socket.write(
            `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n` +
              `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\x01\x1b[2J\r\nContent-Length: 2\r\n\r\n{}`,
          );
        });
        let text = "";
        socket.setEncoding("utf8").on("data", (d: string) => (text += d));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
      assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.doesNotMatch(answer, /\x1b|\x01|tools\/list/);
    });

    test("a 2025-era SDK client keeps working on the same server", async () => {
      const client = new Client({ name: "legacy-client", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      try {
        const { tools } = await client.listTools();
        assert.ok(tools.some((t) => t.name === "billing.inspect_invoice"));
        const e = envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
        assert.equal(e.ok, true);
        await assert.rejects(client.readResource({ uri: "synapsor://proposals/prop_missing" }), (err: { code?: number }) => err.code === -32002);
      } finally {
        await client.close();
      }
    });
  });

  describe("with the MCP SDK 2.x client negotiating the era itself", () => {
    /** The calls a 2026-era SDK client makes; the same answers as the 2025 era's. */
    async function exercise(client: Client2): Promise<void> {
      assert.equal(client.getProtocolEra(), "modern");
      assert.equal(client.getNegotiatedProtocolVersion(), V);
      assert.equal(client.getServerVersion()?.name, "synapsor-runner");
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["billing.inspect_invoice", "billing.propose_late_fee_waiver", "support.list_open_tickets"]);
      const e = envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
      assert.equal(e.ok, true);
      await assert.rejects(
        client.readResource({ uri: "synapsor://proposals/prop_missing" }),
        (err) => err instanceof ResourceNotFoundError && err.uri === "synapsor://proposals/prop_missing",
      );
    }

    test("over HTTP, auto mode probes with server/discover and speaks 2026-07-28", async () => {
      const client = new Client2({ name: "sdk2-modern", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
      await client.connect(new Http2(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      try {
        await exercise(client);
      } finally {
        await client.close();
      }
    });

    test("over stdio, pinned to 2026-07-28", async () => {
      const client = new Client2({ name: "sdk2-modern-stdio", version: "1.0.0" }, { versionNegotiation: { mode: { pin: V } } });
      await client.connect(
        new Stdio2({
          command: process.execPath,
          args: [built.serverPath, "serve", "--transport", "stdio", "--store", join(built.runDir, "ledger-sdk2.db")],
          cwd: built.runDir,
          env: { PATH: process.env.PATH ?? "", ...env },
          stderr: "ignore",
        }),
      );
      try {
        await exercise(client);
      } finally {
        await client.close();
      }
    });
  });

  describe("over stdio", () => {
    let child: ChildProcessWithoutNullStreams;
    const pending = new Map<number | string, (reply: any) => void>();

    before(() => {
      child = spawn(process.execPath, [built.serverPath, "serve", "--transport", "stdio", "--store", join(built.runDir, "ledger-stdio.db")], {
        cwd: built.runDir,
        env: { PATH: process.env.PATH ?? "", ...env },
      });
      let buffered = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        buffered += d;
        let newline;
        while ((newline = buffered.indexOf("\n")) !== -1) {
          const reply = JSON.parse(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          pending.get(reply.id)?.(reply);
        }
      });
    });

    after(async () => {
      child.stdin.end();
      if (child.exitCode === null) await new Promise((resolve) => child.once("exit", resolve));
    });

    const send = (message: { id: number | string; [key: string]: unknown }) =>
      new Promise<any>((resolve) => {
        pending.set(message.id, resolve);
        child.stdin.write(JSON.stringify(message) + "\n");
      });

    test("a stdio client that sends no initialize and puts the version in _meta is served", async () => {
      const discover = await send(body2026(1, "server/discover"));
      assert.deepEqual(discover.result.supportedVersions, [V]);
      assert.equal(discover.result._meta["io.modelcontextprotocol/serverInfo"].name, "synapsor-runner");

      const tools = await send(body2026(2, "tools/list"));
      assert.deepEqual([tools.result.ttlMs, tools.result.cacheScope], [TTL_MS, "public"]);

      const call = await send(body2026(3, "tools/call", { name: "support.list_open_tickets", arguments: { customer_id: "C-102" } }));
      assert.equal(call.result.resultType, "complete");
      assert.deepEqual(envelopeOf(call.result).data.rows.map((r: { id: string }) => r.id), ["T-1005"]);

      const missing = await send(body2026(4, "resources/read", { uri: "synapsor://evidence/ev_missing" }));
      assert.deepEqual([missing.error.code, missing.error.data.uri], [-32602, "synapsor://evidence/ev_missing"]);

      const unsupported = await send(body2026(5, "tools/list", {}, { ...META, "io.modelcontextprotocol/protocolVersion": "2030-01-01" }));
      assert.deepEqual(unsupported.error.data, { supported: [V], requested: "2030-01-01" });

      const ping = await send(body2026(6, "ping"));
      assert.equal(ping.error.code, -32601);
    });

    test("the same connection still takes a 2025-era initialize after a server/discover probe", async () => {
      const init = await send({
        jsonrpc: "2.0",
        id: "init",
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "fallback", version: "1" } },
      });
      assert.equal(init.result.protocolVersion, "2025-11-25");
      const tools = await send({ jsonrpc: "2.0", id: "legacy-list", method: "tools/list" });
      assert.deepEqual(Object.keys(tools.result), ["tools"]);
    });
  });
});
