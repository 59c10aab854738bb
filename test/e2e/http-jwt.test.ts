// trusted_context.http_jwt end to end: a compiled server on Postgres verifies each HTTP request's
// bearer JWT against a key set served on loopback, and the token's tenant and principal scope that
// request's reads, its evidence and its proposals. Forged, expired, misdirected and under-scoped
// tokens are refused with the status the MCP authorization spec names, and leave the ledger as it
// was. stdio keeps the environment's tenant.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT, exportJWK, type JWTPayload } from "jose";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, spawnHttpServer, type HttpServerProcess } from "../support/compiled-server.ts";

const ISSUER = "https://id.test.example/";
const AUDIENCE = "https://mcp.test.example/mcp";
const METADATA_URL = "https://mcp.test.example/.well-known/oauth-protected-resource/mcp";
const SCOPE = "billing:read";

const signing = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });

function mint(claims: JWTPayload, options: { key?: KeyObject; kid?: string; alg?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT({ scope: SCOPE, ...claims })
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? "k1" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(options.key ?? signing.privateKey);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("HTTP requests carry a verified JWT (trusted_context.http_jwt)", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let jwks: Server;
  let jwksFetches = 0;
  let server: HttpServerProcess;
  let store: string;
  let env: Record<string, string>;
  let jwtConfig: Record<string, any>;

  before(async () => {
    db = await createDatabase("postgres", "srjwt");
    await seedExample(db);
    const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((_req, res) => {
      jwksFetches++;
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`;

    const config = exampleConfigFor("postgres");
    config.trusted_context.http_jwt = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks_url_env: "TEST_JWKS_URL",
      algorithms: ["RS256"],
      claims: { tenant: "tenant_id", principal: "sub", roles: "roles" },
      required_scopes: [SCOPE],
      clock_skew_s: 5,
    };
    jwtConfig = config;
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "env-agent", TEST_JWKS_URL: jwksUrl };
    built = await buildServer(config, { ...process.env, ...env, SUPPORT_DB_WRITE_URL: db.url }, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger.db");
    // The environment's tenant is left out: over HTTP with http_jwt it is not needed.
    const { SYNAPSOR_TENANT_ID: _t, SYNAPSOR_PRINCIPAL: _p, ...httpEnv } = env;
    server = await spawnHttpServer(built.serverPath, built.runDir, httpEnv, ["--store", store]);
  });

  after(async () => {
    await server?.stop();
    await new Promise((resolve) => jwks?.close(resolve));
    await db?.drop();
  });

  /** One SDK client whose Authorization header is whatever `token.current` holds at each request. */
  async function clientWithSwitchableToken(initial: string) {
    const token = { current: initial };
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      fetch: (url, init) => {
        const headers = new Headers(init?.headers);
        headers.set("Authorization", `Bearer ${token.current}`);
        return fetch(url, { ...init, headers });
      },
    });
    const client = new Client({ name: "synapsor-e2e-jwt", version: "1.0.0" });
    await client.connect(transport);
    return { client, token };
  }

  const inspect = async (client: Client, invoiceId: string) =>
    envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: invoiceId } }));

  const ledgerCounts = () => {
    const ledger = new DatabaseSync(store, { readOnly: true });
    try {
      const count = (table: string) => (ledger.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return { reads: count("reads"), proposals: count("proposals"), internal_errors: count("internal_errors") };
    } finally {
      ledger.close();
    }
  };

  /** A raw tools/call, so the status and headers of a refusal are visible. */
  const rawCall = (authorization: string | undefined) =>
    fetch(server.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json, text/event-stream",
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3001" } } }),
    });

  test("the build carries the settings as names; no key-set URL reaches the generated files", () => {
    const manifest = JSON.parse(readFileSync(join(built.outDir, "manifest.json"), "utf8"));
    assert.deepEqual(manifest.trusted_context.http_jwt, {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrlEnv: "TEST_JWKS_URL",
      algorithms: ["RS256"],
      claims: { tenant: "tenant_id", principal: "sub", roles: "roles" },
      requiredScopes: [SCOPE],
      clockSkewS: 5,
    });
    for (const file of readdirSync(built.outDir, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const text = readFileSync(join(file.parentPath, file.name), "utf8");
      assert.equal(text.includes(env.TEST_JWKS_URL!), false, `${file.name} holds the key-set URL`);
    }
  });

  test("two tenants' tokens interleaved on one client: each reads only its rows, and the ledger records each", async () => {
    const acme = await mint({ tenant_id: "tenant_acme", sub: "alice@acme" });
    const globex = await mint({ tenant_id: "tenant_globex", sub: "gus@globex" });
    const { client, token } = await clientWithSwitchableToken(acme);
    try {
      const before = ledgerCounts();
      const a1 = await inspect(client, "INV-3001");
      assert.equal(a1.ok, true, JSON.stringify(a1));
      // The contract maps a roles claim; this token carries none, so the caller has no roles.
      assert.deepEqual(a1._meta, { tenant_id: "tenant_acme", principal: "alice@acme", provenance: "http_jwt", roles: [], canonical_capability: "billing.inspect_invoice" });
      token.current = globex;
      const g1 = await inspect(client, "INV-3001");
      assert.equal(g1.ok, false, "an acme invoice is not found for globex");
      assert.equal(g1.error.code, "NOT_FOUND_IN_TENANT");
      const g2 = await inspect(client, "INV-4001");
      assert.equal(g2.ok, true);
      assert.deepEqual([g2._meta.tenant_id, g2._meta.principal, g2.data.tenant_id], ["tenant_globex", "gus@globex", "tenant_globex"]);
      token.current = acme;
      const a2 = await inspect(client, "INV-4001");
      assert.equal(a2.ok, false);
      assert.equal(a2._meta.tenant_id, "tenant_acme");

      const proposed = envelopeOf(
        await client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage" } }),
      );
      assert.equal(proposed.ok, true, JSON.stringify(proposed));

      const ledger = new DatabaseSync(store, { readOnly: true });
      try {
        const reads = ledger.prepare("SELECT tenant_id, principal, outcome FROM reads ORDER BY created_at").all().slice(before.reads);
        assert.deepEqual(
          reads.map((r) => `${r.tenant_id}/${r.principal}`),
          // The last is the proposal's own read of the row it proposes to change.
          ["tenant_acme/alice@acme", "tenant_globex/gus@globex", "tenant_globex/gus@globex", "tenant_acme/alice@acme", "tenant_acme/alice@acme"],
        );
        const proposal = ledger.prepare("SELECT tenant_id, principal FROM proposals WHERE id = ?").get(proposed.proposal.id);
        assert.deepEqual({ ...proposal }, { tenant_id: "tenant_acme", principal: "alice@acme" });
      } finally {
        ledger.close();
      }
    } finally {
      await client.close();
    }
  });

  test("bad tokens are refused with 401 or 403 and leave the ledger untouched", async () => {
    await (await rawCall(`Bearer ${await mint({ tenant_id: "tenant_acme", sub: "warm-up" })}`)).text();
    const before = ledgerCounts();
    const fetchesBefore = jwksFetches;
    const now = Math.floor(Date.now() / 1000);
    const valid = { tenant_id: "tenant_acme", sub: "mallory" };
    // HS256 over the public key's PEM bytes, signed by hand (jose will not use a public key as a secret).
    const pem = signing.publicKey.export({ type: "spki", format: "pem" });
    const signingInput = `${b64({ alg: "HS256", typ: "JWT", kid: "k1" })}.${b64({ ...valid, scope: SCOPE, iss: ISSUER, aud: AUDIENCE, exp: now + 300 })}`;
    const hsConfused = `${signingInput}.${createHmac("sha256", pem).update(signingInput).digest("base64url")}`;
    const cases: Array<{ name: string; authorization: string | undefined; status: number; challenge: RegExp }> = [
      { name: "no token", authorization: undefined, status: 401, challenge: /^Bearer resource_metadata="[^"]+"$/ },
      { name: "not a bearer token", authorization: "Basic dXNlcjpwYXNz", status: 401, challenge: /^Bearer resource_metadata=/ },
      { name: "garbage", authorization: "Bearer not.a.jwt", status: 401, challenge: /error="invalid_token"/ },
      { name: "expired", authorization: `Bearer ${await mint(valid, { expiresIn: now - 600 })}`, status: 401, challenge: /error="invalid_token"/ },
      {
        name: "wrong audience",
        authorization: `Bearer ${await new SignJWT({ ...valid, scope: SCOPE }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(ISSUER).setAudience("https://other.example/mcp").setExpirationTime("5m").sign(signing.privateKey)}`,
        status: 401,
        challenge: /error="invalid_token"/,
      },
      {
        name: "wrong issuer",
        authorization: `Bearer ${await new SignJWT({ ...valid, scope: SCOPE }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer("https://evil.example/").setAudience(AUDIENCE).setExpirationTime("5m").sign(signing.privateKey)}`,
        status: 401,
        challenge: /error="invalid_token"/,
      },
      {
        name: "alg none",
        authorization: `Bearer ${b64({ alg: "none", typ: "JWT" })}.${b64({ ...valid, scope: SCOPE, iss: ISSUER, aud: AUDIENCE, exp: now + 300 })}.`,
        status: 401,
        challenge: /error="invalid_token"/,
      },
      // The classic confusion: the RSA public key's PEM used as an HMAC secret.
      { name: "HS256 signed with the RSA public key", authorization: `Bearer ${hsConfused}`, status: 401, challenge: /error="invalid_token"/ },
      { name: "unknown kid", authorization: `Bearer ${await mint(valid, { key: stranger.privateKey, kid: "k-unknown" })}`, status: 401, challenge: /error="invalid_token"/ },
      { name: "a known kid with a stranger's signature", authorization: `Bearer ${await mint(valid, { key: stranger.privateKey })}`, status: 401, challenge: /error="invalid_token"/ },
      { name: "tenant claim missing", authorization: `Bearer ${await mint({ sub: "mallory" })}`, status: 403, challenge: /^$/ },
      { name: "tenant claim not a string", authorization: `Bearer ${await mint({ sub: "mallory", tenant_id: 42 })}`, status: 403, challenge: /^$/ },
      { name: "tenant claim empty", authorization: `Bearer ${await mint({ sub: "mallory", tenant_id: "" })}`, status: 403, challenge: /^$/ },
      { name: "principal claim missing", authorization: `Bearer ${await mint({ tenant_id: "tenant_acme" })}`, status: 403, challenge: /^$/ },
      {
        name: "missing the required scope",
        authorization: `Bearer ${await mint({ ...valid, scope: "billing:write" })}`,
        status: 403,
        challenge: /^Bearer resource_metadata="[^"]+", error="insufficient_scope", scope="billing:read"$/,
      },
    ];

    for (const c of cases) {
      const response = await rawCall(c.authorization);
      const body = await response.text();
      assert.equal(response.status, c.status, `${c.name}: ${body}`);
      assert.match(response.headers.get("www-authenticate") ?? "", c.challenge, c.name);
      if (c.status === 401) assert.ok(response.headers.get("www-authenticate")!.includes(`resource_metadata="${METADATA_URL}"`), c.name);
      assert.equal(body.includes("tenant_acme"), false, `${c.name}: the refusal echoes no claim value`);
    }
    assert.deepEqual(ledgerCounts(), before, "no refusal wrote to the ledger");
    assert.ok(jwksFetches - fetchesBefore <= 1, `an unknown kid refetches the key set at most once per cool-down (fetched ${jwksFetches - fetchesBefore} times)`);
    assert.equal(server.stderr().includes("mallory"), false, "refused tokens are not logged");
  });

  test("the protected resource metadata (RFC 9728) is served at the path-aware well-known location without a token", async () => {
    const url = new URL("/.well-known/oauth-protected-resource/mcp", server.url);
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      resource: AUDIENCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ["header"],
      scopes_supported: [SCOPE],
    });
    assert.equal((await fetch(url, { method: "POST" })).status, 405);
  });

  test("stdio keeps the environment's tenant and principal", async () => {
    const session = await connectStdio(built.serverPath, built.runDir, env, ["--store", join(built.runDir, "stdio.db")]);
    try {
      const read = await inspect(session.client, "INV-3001");
      assert.deepEqual([read.ok, read._meta.tenant_id, read._meta.principal, read._meta.provenance], [true, "tenant_acme", "env-agent", "environment"]);
    } finally {
      await session.close();
    }
  });

  test("start-up refuses an unset key-set variable and a static token beside http_jwt, naming the fix", async () => {
    const { TEST_JWKS_URL: _u, ...withoutUrl } = env;
    await assert.rejects(spawnHttpServer(built.serverPath, built.runDir, withoutUrl, ["--store", ":memory:"]), /TEST_JWKS_URL \(the JWKS URL of trusted_context\.http_jwt\) is not set/);
    await assert.rejects(
      spawnHttpServer(built.serverPath, built.runDir, { ...env, TOKEN: "0123456789abcdef0123" }, ["--store", ":memory:", "--auth-token-env", "TOKEN"]),
      /drop --auth-token-env/,
    );
  });
  test("the roles claim: a list or a space-separated string becomes the call's roles in _meta, the evidence and the proposal", async () => {
    const listed = await mint({ tenant_id: "tenant_acme", sub: "rita@acme", roles: ["billing-reviewer", "support", "support"] });
    const spaced = await mint({ tenant_id: "tenant_acme", sub: "rita@acme", roles: "support  auditor" });
    const { client, token } = await clientWithSwitchableToken(listed);
    try {
      const before = ledgerCounts();
      const first = await inspect(client, "INV-3001");
      assert.deepEqual(first._meta.roles, ["billing-reviewer", "support"], "duplicates dropped, order kept");
      // The same principal with other roles: another caller, not the cached one.
      token.current = spaced;
      const second = await inspect(client, "INV-3001");
      assert.deepEqual(second._meta.roles, ["support", "auditor"]);
      const proposed = envelopeOf(
        await client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "roles" } }),
      );
      assert.equal(proposed.ok, true, JSON.stringify(proposed));
      assert.deepEqual(proposed._meta.roles, ["support", "auditor"]);

      const ledger = new DatabaseSync(store, { readOnly: true });
      try {
        const reads = ledger.prepare("SELECT principal, roles FROM reads ORDER BY created_at").all().slice(before.reads);
        assert.deepEqual(reads.map((r) => JSON.parse(r.roles as string)), [["billing-reviewer", "support"], ["support", "auditor"], ["support", "auditor"]]);
        const proposal = ledger.prepare("SELECT roles FROM proposals WHERE id = ?").get(proposed.proposal.id);
        assert.deepEqual(JSON.parse(proposal!.roles as string), ["support", "auditor"]);
      } finally {
        ledger.close();
      }
      // The operator's view of the evidence says who read it with which roles.
      const shown = await runCli(["evidence", "show", first.evidence.bundle_id, "--store", store, "--json"]);
      assert.equal(shown.code, 0, shown.stderr);
      const bundle = JSON.parse(shown.stdout);
      assert.deepEqual([bundle.principal, bundle.roles], ["rita@acme", ["billing-reviewer", "support"]]);
    } finally {
      await client.close();
    }
  });

  test("a malformed roles claim is refused with 403 before anything runs, echoing no role", async () => {
    const before = ledgerCounts();
    const base = { tenant_id: "tenant_acme", sub: "mallory" };
    const cases: Array<[string, unknown]> = [
      ["a number", 7],
      ["an object", { admin: true }],
      ["a list holding a number", ["support", 1]],
      ["a role with a bidi override", ["support\u202eadmin"]],
      ["a role with a control character", ["sup\u0007port"]],
      ["a role with a newline in a string", "support\nadmin"],
      ["an empty role", ["support", ""]],
      ["a role with a space inside a list", ["billing admin"]],
      ["a role longer than 128 characters", ["r".repeat(129)]],
      ["more than 32 roles", Array.from({ length: 33 }, (_, i) => `role-${i}`)],
    ];
    for (const [name, roles] of cases) {
      const response = await rawCall(`Bearer ${await mint({ ...base, roles })}`);
      const body = await response.text();
      assert.equal(response.status, 403, `${name}: ${body}`);
      assert.match(body, /roles claim/, name);
      assert.equal(body.includes("admin") || body.includes("support"), false, `${name}: the refusal echoes no role`);
    }
    assert.deepEqual(ledgerCounts(), before, "no refusal wrote to the ledger");
  });

  test("/readyz says the key set was fetched (fixed words, no URL) once the server fetched it at start", async () => {
    let last;
    for (let i = 0; i < 50; i++) {
      last = await fetch(new URL("/readyz", server.url));
      if (last.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const text = await last!.text();
    assert.equal(last!.status, 200, text);
    assert.deepEqual(JSON.parse(text), { ready: true, checks: { source: "ok", ledger: "ok", statements: "ok", jwks: "ok" } });
  });
});

describe("/readyz waits for the key set to be fetched once (http_jwt with a key-set URL)", () => {
  let db: TestDatabase;
  let provider: Server;
  let available = false;
  let fetches = 0;
  let server: HttpServerProcess | undefined;

  before(async () => {
    db = await createDatabase("postgres", "srjwks");
    await seedExample(db);
    const publicJwk = { ...(await exportJWK(signing.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    // Down (500) until the test says otherwise: the identity provider is not reachable at start.
    provider = createServer((_req, res) => {
      fetches++;
      if (!available) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("down");
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
  });
  after(async () => {
    await server?.stop();
    await new Promise((resolve) => provider?.close(resolve));
    await db?.drop();
  });

  test("not ready (jwks fail, nothing else said) while the provider is down; ready once it answers; then no more fetches", async () => {
    const config = exampleConfigFor("postgres");
    config.trusted_context.http_jwt = {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks_url_env: "TEST_JWKS_URL",
      algorithms: ["RS256"],
      claims: { tenant: "tenant_id", principal: "sub" },
    };
    const jwksUrl = `http://127.0.0.1:${(provider.address() as { port: number }).port}/secret-path/jwks.json`;
    const env = { SUPPORT_DB_READ_URL: db.url, TEST_JWKS_URL: jwksUrl };
    const built = await buildServer(config, { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
    server = await spawnHttpServer(built.serverPath, built.runDir, env, ["--store", ":memory:"]);
    const readyz = async () => {
      const response = await fetch(new URL("/readyz", server!.url));
      return { status: response.status, text: await response.text() };
    };
    const until = async (status: number, match: (text: string) => boolean) => {
      let last;
      for (let i = 0; i < 100; i++) {
        last = await readyz();
        if (last.status === status && match(last.text)) return last;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`/readyz never answered ${status}; last ${last?.status} ${last?.text}`);
    };
    const down = await until(503, (text) => text.includes('"jwks":"fail"'));
    assert.deepEqual(JSON.parse(down.text), { ready: false, checks: { source: "ok", ledger: "ok", statements: "ok", jwks: "fail" } });
    for (const secret of ["secret-path", "127.0.0.1", "jwks.json", "500"]) assert.equal(down.text.includes(secret), false, `readyz revealed ${secret}`);
    assert.ok(fetches >= 1, "the key set was asked for at start, before any token arrived");

    available = true;
    const ready = await until(200, () => true);
    assert.deepEqual(JSON.parse(ready.text), { ready: true, checks: { source: "ok", ledger: "ok", statements: "ok", jwks: "ok" } });
    const after = fetches;
    // Readiness is cached for a second; two more rounds later the key set has not been fetched again.
    await new Promise((r) => setTimeout(r, 1100));
    await readyz();
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await readyz()).status, 200);
    assert.equal(fetches, after, "a fetched key set is not fetched again by readiness");
  });
});
