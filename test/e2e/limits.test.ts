// The contract's limits on a compiled server, on Postgres and MariaDB, driven by the SDK Client:
// a principal's call limit over stdio, a tenant's call limit over HTTP with verified JWTs (two
// principals of one tenant interleaved, another tenant unaffected, the refusals counted in
// /metrics), and the open-proposal cap held across a race and freed by a reviewer's rejection.
// A refused call reads nothing and writes nothing to the ledger.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT, exportJWK, type JWTPayload } from "jose";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, spawnHttpServer } from "../support/compiled-server.ts";

const ISSUER = "https://id.test.example/";
const AUDIENCE = "https://mcp.test.example/mcp";
const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const signing = generateKeyPairSync("rsa", { modulusLength: 2048 });

// An hour's window: nothing refills while a test runs, so every count below is exact.
const LIMITS = {
  calls_per_principal: { max: 4, window_s: 3600 },
  calls_per_tenant: { max: 6, window_s: 3600 },
  open_proposals_per_tenant: 2,
};

function mint(claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(signing.privateKey);
}

function ledgerCount(store: string, table: string): number {
  const ledger = new DatabaseSync(store, { readOnly: true });
  try {
    return (ledger.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    ledger.close();
  }
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`limits on ${engine}`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let jwks: Server;
    let env: Record<string, string>;

    before(async () => {
      db = await createDatabase(engine, "srlim");
      await seedExample(db);
      const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
      jwks = createServer((_req, res) => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ keys: [publicJwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
      const config = exampleConfigFor(engine);
      config.trusted_context.http_jwt = {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks_url_env: "TEST_JWKS_URL",
        algorithms: ["RS256"],
        claims: { tenant: "tenant_id", principal: "sub" },
      };
      config.limits = LIMITS;
      env = {
        SUPPORT_DB_READ_URL: db.url,
        SYNAPSOR_TENANT_ID: "tenant_acme",
        SYNAPSOR_PRINCIPAL: "env-agent",
        TEST_JWKS_URL: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`,
        TEST_METRICS_TOKEN: METRICS_TOKEN,
      };
      built = await buildServer(config, { ...process.env, ...env, SUPPORT_DB_WRITE_URL: db.url }, "SUPPORT_DB_READ_URL");
    });

    after(async () => {
      await new Promise((resolve) => jwks?.close(resolve));
      await db?.drop();
    });

    test("the manifest shows the limits as the contract states them", () => {
      const manifest = JSON.parse(readFileSync(join(built.outDir, "manifest.json"), "utf8"));
      assert.deepEqual(manifest.limits, LIMITS);
    });

    test("over stdio: the principal's fifth call is RATE_LIMITED, retryable, with when to retry, and reads nothing", async () => {
      const store = join(built.runDir, "stdio-calls.db");
      const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
      try {
        const inspect = async () =>
          envelopeOf(await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } }));
        for (let i = 0; i < 4; i++) assert.equal((await inspect()).ok, true, `call ${i + 1}`);
        const reads = ledgerCount(store, "reads");
        const raw = await session.client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } });
        assert.equal(raw.isError, true);
        const refused = envelopeOf(raw);
        assert.equal(refused.ok, false);
        assert.equal(refused.error.code, "RATE_LIMITED");
        assert.equal(refused.error.retryable, true);
        assert.ok(Number.isInteger(refused.error.retry_after_s) && refused.error.retry_after_s > 0, JSON.stringify(refused.error));
        assert.match(refused.error.message, new RegExp(`from you .*retry after ${refused.error.retry_after_s} seconds`));
        assert.equal(refused.source_database_changed, false);
        assert.equal(refused._meta.principal, "env-agent");
        // Arguments are not even looked at: a malformed call is refused the same way.
        const malformed = envelopeOf(await session.client.callTool({ name: "support.list_open_tickets", arguments: { nope: 1 } }));
        assert.equal(malformed.error.code, "RATE_LIMITED");
        assert.equal(ledgerCount(store, "reads"), reads, "a refused call records no read");
        // One log line for the run of refusals, naming the limit.
        assert.equal(session.stderr().match(/"event":"rate_limited"/g)?.length, 1, session.stderr());
        assert.match(session.stderr(), /"limit":"calls_per_principal"/);
      } finally {
        await session.close();
      }
    });

    test("over HTTP with http_jwt: a tenant's two principals share its limit; another tenant is unaffected; /metrics counts RATE_LIMITED", async () => {
      const { SYNAPSOR_TENANT_ID: _t, SYNAPSOR_PRINCIPAL: _p, ...httpEnv } = env;
      const server = await spawnHttpServer(built.serverPath, built.runDir, httpEnv, [
        "--store", join(built.runDir, "http-calls.db"), "--metrics-token-env", "TEST_METRICS_TOKEN",
      ]);
      const token = { current: "" };
      const client = new Client({ name: "synapsor-e2e-limits", version: "1.0.0" });
      try {
        const [alice, bob, gus] = await Promise.all([
          mint({ tenant_id: "tenant_acme", sub: "alice@acme" }),
          mint({ tenant_id: "tenant_acme", sub: "bob@acme" }),
          mint({ tenant_id: "tenant_globex", sub: "gus@globex" }),
        ]);
        token.current = alice;
        await client.connect(
          new StreamableHTTPClientTransport(new URL(server.url), {
            fetch: (url, init) => {
              const headers = new Headers(init?.headers);
              headers.set("Authorization", `Bearer ${token.current}`);
              return fetch(url, { ...init, headers });
            },
          }),
        );
        const callAs = async (who: string, invoiceId: string) => {
          token.current = who;
          return envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: invoiceId } }));
        };
        // Six calls of acme, three each, interleaved: each principal stays under its own limit of 4.
        for (let i = 0; i < 3; i++) {
          assert.equal((await callAs(alice, "INV-3001")).ok, true);
          assert.equal((await callAs(bob, "INV-3001")).ok, true);
        }
        const aliceRefused = await callAs(alice, "INV-3001");
        assert.equal(aliceRefused.error?.code, "RATE_LIMITED", JSON.stringify(aliceRefused));
        assert.match(aliceRefused.error.message, /from your tenant/);
        assert.ok(aliceRefused.error.retry_after_s > 0);
        assert.deepEqual([aliceRefused._meta.tenant_id, aliceRefused._meta.principal], ["tenant_acme", "alice@acme"]);
        const globex = await callAs(gus, "INV-4001");
        assert.equal(globex.ok, true, "another tenant is not limited by acme's calls");
        assert.equal(globex.data.tenant_id, "tenant_globex");
        assert.equal((await callAs(bob, "INV-3001")).error?.code, "RATE_LIMITED");
        assert.equal((await callAs(gus, "INV-4001")).ok, true);

        const res = await fetch(new URL("/metrics", server.url), { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
        const text = await res.text();
        const line = text.split("\n").find((l) => l.startsWith('synapsor_tool_calls_total{capability="billing.inspect_invoice",outcome="RATE_LIMITED"}'));
        assert.equal(line?.split(" ").at(-1), "2", text);
        assert.doesNotMatch(text, /tenant_acme|alice@acme/);
      } finally {
        await client.close();
        await server.stop();
      }
    });

    test("the open-proposal cap: of two racing calls at cap-1 one passes; at the cap nothing is read; a rejection frees a slot", async () => {
      const store = join(built.runDir, "proposals.db");
      const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", store]);
      const propose = async (invoiceId: string) =>
        envelopeOf(
          await session.client.callTool({
            name: "billing.propose_late_fee_waiver",
            arguments: { invoice_id: invoiceId, new_late_fee_cents: 0, reason: "outage" },
          }),
        );
      try {
        const first = await propose("INV-3001");
        assert.equal(first.ok, true, JSON.stringify(first));
        const raced = await Promise.all([propose("INV-3003"), propose("INV-3001")]);
        assert.deepEqual(raced.map((e) => e.ok).sort(), [false, true], JSON.stringify(raced));
        const loser = raced.find((e) => !e.ok)!;
        assert.equal(loser.error.code, "RATE_LIMITED");
        assert.equal(loser.error.retryable, true);
        assert.match(loser.error.message, /already has 2 open proposals/);
        assert.equal(ledgerCount(store, "proposals"), 2);
        // Two proposals, each with the one read of its row: the refused call read nothing.
        assert.equal(ledgerCount(store, "reads"), 2);

        const rejected = await runCli(
          ["proposals", "reject", first.proposal.id, "--store", store, "--actor", "dana", "--reason", "not this one", "--yes"],
          { env },
        );
        assert.equal(rejected.code, 0, rejected.stderr);
        const again = await propose("INV-3001");
        assert.equal(again.ok, true, JSON.stringify(again));
        assert.equal(ledgerCount(store, "proposals"), 3);
      } finally {
        await session.close();
      }
    });
  });
}
