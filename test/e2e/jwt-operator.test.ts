// The operator side of trusted_context.http_jwt on real Postgres: `doctor` checks the key variable
// (set, parses, a key set that can be fetched now and holds a key for the configured algorithms)
// without printing the key or the URL; `mcp serve-streamable-http` and `up --serve` serve with
// http_jwt and no static token (refusing one beside it), and the SDK client's call held in flight
// by a table lock still answers when the CLI is sent SIGTERM (exit 0).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT, exportJWK } from "jose";
import type { Contract } from "../../compiler/config/contract.ts";
import { checkHttpJwtKey } from "../../operator/doctor/jwt.ts";
import { CLI, runCli } from "../support/cli.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { envelopeOf, exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { freePort } from "../support/ports.ts";
import { lockTable } from "../support/table-lock.ts";

const ISSUER = "https://id.test.example/";
const URL_PASSWORD = "jwks-pass-NEVER-LEAK-3e9d";
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

/** A loopback key-set server whose answer the test sets per path. */
async function keySetServer(routes: Record<string, { status: number; body: string } | "hang">) {
  const server: Server = createServer((req, res) => {
    const route = routes[new URL(req.url ?? "/", "http://x").pathname];
    if (route === "hang") return; // never answers
    res.writeHead(route?.status ?? 404, { "Content-Type": "application/json" });
    res.end(route?.body ?? "{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

function jwtContract(audience: string, jwt: Record<string, unknown>): Record<string, any> {
  const config = exampleConfigFor("postgres");
  config.trusted_context.http_jwt = { issuer: ISSUER, audience, algorithms: ["RS256"], claims: { tenant: "tenant_id", principal: "sub" }, ...jwt };
  return config;
}

describe("doctor checks the http_jwt key variable", () => {
  let keys: Awaited<ReturnType<typeof keySetServer>>;
  let rsaJwk: Record<string, unknown>;

  before(async () => {
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: "r1", alg: "RS256", use: "sig" };
    const ecJwk = { ...(await exportJWK(ec.publicKey)), kid: "e1", alg: "ES256", use: "sig" };
    keys = await keySetServer({
      "/rsa": { status: 200, body: JSON.stringify({ keys: [ecJwk, rsaJwk] }) },
      "/ec-only": { status: 200, body: JSON.stringify({ keys: [ecJwk] }) },
      "/not-a-set": { status: 200, body: JSON.stringify({ hello: "world" }) },
      "/hang": "hang",
    });
  });
  after(async () => {
    keys.server.closeAllConnections();
    await new Promise((resolve) => keys.server.close(resolve));
  });

  const check = async (jwt: Record<string, unknown>, env: NodeJS.ProcessEnv, timeoutMs?: number) => {
    const checks = await checkHttpJwtKey(jwtContract("http://127.0.0.1:8766/mcp", jwt) as Contract, env, timeoutMs);
    assert.equal(checks.length, 1);
    return checks[0]!;
  };

  test("each way the key-set variable can be wrong fails with its category and a fix, never the URL", async () => {
    const jwks = { jwks_url_env: "IDP_JWKS" };
    const cases: Array<[string, string | undefined, RegExp, string]> = [
      ["unset", undefined, /IDP_JWKS \(the JWKS URL of trusted_context\.http_jwt\) is not set/, "environment"],
      ["not a URL", "jwks please", /does not hold a URL/, "environment"],
      ["http off loopback", "http://id.example.com/jwks", /must hold an https URL/, "environment"],
      ["an HTTP error", `${keys.base}/missing`, /could not be fetched: the server answered HTTP 404/, "connection"],
      ["not a key set", `${keys.base}/not-a-set`, /not a JSON Web Key Set/, "environment"],
      ["no key for the algorithms", `${keys.base}/ec-only`, /holds no signing key usable with RS256/, "environment"],
      ["refused", `http://127.0.0.1:${await freePort()}/jwks`, /the connection was refused/, "connection"],
      ["no answer in time", `${keys.base}/hang`, /no answer within 0\.3 s/, "connection"],
    ];
    for (const [name, value, message, category] of cases) {
      const result = await check(jwks, value === undefined ? {} : { IDP_JWKS: value }, 300);
      assert.equal(result.status, "fail", `${name}: ${result.message}`);
      assert.equal(result.category, category, name);
      assert.match(result.message, message, name);
      assert.match(result.fix ?? "", /IDP_JWKS/, `${name}: the fix names the variable`);
      if (value !== undefined) assert.equal(result.message.includes(value) || (result.fix ?? "").includes(value), false, `${name}: the value is not printed`);
    }
    const ok = await check(jwks, { IDP_JWKS: `${keys.base}/rsa` });
    assert.deepEqual([ok.status, ok.message], ["ok", "The key set named by IDP_JWKS was fetched and holds 1 key usable with RS256."]);
  });

  test("a single key in key_env: a public key of the wrong type, a short secret, a key that fits", async () => {
    const pem = (key: typeof rsa.publicKey) => key.export({ type: "spki", format: "pem" }) as string;
    const wrongType = await check({ key_env: "IDP_KEY", algorithms: ["ES384"] }, { IDP_KEY: pem(rsa.publicKey) });
    assert.equal(wrongType.status, "fail");
    assert.match(wrongType.message, /IDP_KEY holds a RSA public key, which verifies none of the configured algorithms \(ES384\)/);
    const shortSecret = await check({ key_env: "IDP_KEY", algorithms: ["HS256"] }, { IDP_KEY: "short-secret" });
    assert.equal(shortSecret.status, "fail");
    assert.match(shortSecret.message, /shorter than 32 bytes/);
    assert.equal(shortSecret.message.includes("short-secret"), false);
    const garbage = await check({ key_env: "IDP_KEY" }, { IDP_KEY: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----" });
    assert.match(garbage.message, /holds neither a PEM public key nor a public JWK/);
    const jwk = await check({ key_env: "IDP_KEY", algorithms: ["ES256"] }, { IDP_KEY: JSON.stringify(await exportJWK(ec.publicKey)) });
    assert.deepEqual([jwk.status, jwk.message], ["ok", "IDP_KEY holds a EC (prime256v1) public key usable with ES256."]);
  });

  test("doctor --json on Postgres: the check is in the report, and a URL's password never is", async () => {
    const db = await createDatabase("postgres", "drjwt");
    try {
      await seedExample(db);
      const dir = tempDir("synapsor-doctor-jwt-");
      const configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, JSON.stringify(jwtContract("https://mcp.example.com/mcp", { jwks_url_env: "IDP_JWKS" }), null, 2));
      const env = { ...process.env, SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "doctor" };
      const withCredentials = `http://reader:${URL_PASSWORD}@127.0.0.1:${new URL(keys.base).port}/missing?token=${URL_PASSWORD}`;
      const failing = await runCli(["doctor", "--config", configPath, "--store", join(dir, "l.db"), "--json"], { env: { ...env, IDP_JWKS: withCredentials } });
      assert.equal(failing.code, 1, failing.stderr);
      const report = JSON.parse(failing.stdout);
      const jwtCheck = report.checks.find((c: { name: string }) => c.name === "trusted_context.http_jwt.key");
      assert.deepEqual([jwtCheck.status, jwtCheck.category], ["fail", "connection"]);
      assert.equal(`${failing.stdout}${failing.stderr}`.includes(URL_PASSWORD), false, "the URL's credentials are never printed");

      const passing = await runCli(["doctor", "--config", configPath, "--store", join(dir, "l.db"), "--json"], { env: { ...env, IDP_JWKS: `${keys.base}/rsa` } });
      const ok = JSON.parse(passing.stdout).checks.find((c: { name: string }) => c.name === "trusted_context.http_jwt.key");
      assert.equal(ok.status, "ok", passing.stdout);
      assert.equal(passing.stdout.includes(keys.base), false);
    } finally {
      await db.drop();
    }
  });
});

describe("mcp serve-streamable-http and up --serve with http_jwt (postgres)", () => {
  let db: TestDatabase;
  let keys: Awaited<ReturnType<typeof keySetServer>>;
  let dir: string;
  let configPath: string;
  let env: Record<string, string>;
  let audience: string;
  let port: number;

  before(async () => {
    db = await createDatabase("postgres", "cljwt");
    await seedExample(db);
    const jwk = { ...(await exportJWK(rsa.publicKey)), kid: "r1", alg: "RS256", use: "sig" };
    keys = await keySetServer({ "/jwks": { status: 200, body: JSON.stringify({ keys: [jwk] }) } });
    port = await freePort();
    audience = `http://127.0.0.1:${port}/mcp`;
    const config = jwtContract(audience, { jwks_url_env: "IDP_JWKS" });
    // Long enough that a held call is finished by the lock's release, never by its timeout.
    for (const source of Object.values<any>(config.sources)) source.statement_timeout_ms = 25_000;
    dir = tempDir("synapsor-cli-jwt-");
    configPath = join(dir, "synapsor.runner.json");
    copyFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), join(dir, "synapsor.schema.json"));
    writeFileSync(configPath, JSON.stringify({ ...config, build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "env-agent", IDP_JWKS: `${keys.base}/jwks` };
  });
  after(async () => {
    await new Promise((resolve) => keys?.server.close(resolve));
    await db?.drop();
  });

  const mint = () =>
    new SignJWT({ tenant_id: "tenant_globex", sub: "gus@globex" })
      .setProtectedHeader({ alg: "RS256", kid: "r1" })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setExpirationTime("5m")
      .sign(rsa.privateKey);

  async function start(args: string[]) {
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 60_000);
      child.stderr!.on("data", () => {
        if (stderr.includes("server_started")) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    return { child, exited, stderr: () => stderr };
  }

  test("serve-streamable-http serves each request as its token's tenant; SIGTERM during a held call: it answers, exit 0", async () => {
    const running = await start(["mcp", "serve-streamable-http", "--config", configPath, "--store", join(dir, "serve.db"), "--port", String(port), "--drain-timeout-ms", "20000"]);
    const token = await mint();
    const client = new Client({ name: "synapsor-e2e-cli-jwt", version: "1.0.0" });
    const lock = await lockTable(db.url);
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(audience), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      const call = client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-4001" } });
      await lock.waitForBlockedRead();
      running.child.kill("SIGTERM"); // to the CLI only, as a supervisor would
      await lock.release();
      const envelope = envelopeOf(await call);
      assert.equal(envelope.ok, true, JSON.stringify(envelope));
      assert.deepEqual([envelope._meta.tenant_id, envelope._meta.principal, envelope._meta.provenance], ["tenant_globex", "gus@globex", "http_jwt"]);
      assert.equal(await running.exited, 0, running.stderr());
      assert.match(running.stderr(), /"event":"drain_started"/);
    } finally {
      await lock.release();
      await client.close().catch(() => undefined);
      if (running.child.exitCode === null) running.child.kill("SIGKILL");
    }
  });

  test("a static token beside http_jwt is refused before building; up checks the key variable and refuses to serve without it", async () => {
    const refused = await runCli(["mcp", "serve-streamable-http", "--config", configPath, "--auth-token-env", "SOME_TOKEN"], { env: { ...process.env, ...env, SOME_TOKEN: "0123456789abcdef0123" } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /trusted_context\.http_jwt.*drop --auth-token-env/);

    const { IDP_JWKS: _unset, ...withoutKeySet } = env;
    const up = await runCli(["up", "--config", configPath, "--store", join(dir, "up.db"), "--serve"], { env: { ...process.env, ...withoutKeySet, IDP_JWKS: "" } });
    assert.equal(up.code, 1, up.stderr);
    assert.match(up.stderr, /trusted_context\.http_jwt\.key/);
    assert.match(up.stderr, /IDP_JWKS \(the JWKS URL of trusted_context\.http_jwt\) is not set/);
    assert.match(up.stderr, /not serving: a check failed/);
    assert.doesNotMatch(up.stderr, /serve\.auth_token/, "no static token is asked for");
  });
});
