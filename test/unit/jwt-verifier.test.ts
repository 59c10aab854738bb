// The http_jwt verifier in process with keys from key_env (the key-set path is exercised end to end
// in test/e2e/http-jwt.test.ts): which keys load, which tokens pass, and what each refusal says.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT, exportJWK, type JWTPayload } from "jose";
import { createJwtVerifier, JwtConfigError } from "../../runtime/auth/jwt-verifier.ts";
import { resourceMetadataFor } from "../../runtime/auth/resource-metadata.ts";
import { createServer } from "node:http";
import { freePort } from "../support/ports.ts";
import type { HttpJwtSettings } from "../../runtime/auth/settings.ts";

const SECRET = "a-shared-secret-of-at-least-32-bytes!!";
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

function settings(overrides: Partial<HttpJwtSettings> = {}): HttpJwtSettings {
  return {
    issuer: "https://id.example/",
    audience: "https://mcp.example/mcp",
    keyEnv: "JWT_KEY",
    algorithms: ["HS256"],
    claims: { tenant: "org", principal: "sub" },
    requiredScopes: ["read"],
    clockSkewS: 0,
    ...overrides,
  };
}

function hs256(claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer("https://id.example/")
    .setAudience("https://mcp.example/mcp")
    .setExpirationTime("1m")
    .sign(new TextEncoder().encode(SECRET));
}

describe("key_env", () => {
  test("an HS256 secret verifies; the context is the token's tenant and principal", async () => {
    const verifier = createJwtVerifier(settings(), { JWT_KEY: SECRET });
    const outcome = await verifier.verify(`Bearer ${await hs256({ org: "t1", sub: "ann", scope: "read write" })}`);
    assert.deepEqual(outcome, { ok: true, context: { tenantId: "t1", principal: "ann", provenance: "http_jwt" } });
  });

  test("scopes are read from `scp` lists too, and a missing one is 403 insufficient_scope", async () => {
    const verifier = createJwtVerifier(settings(), { JWT_KEY: SECRET });
    assert.equal((await verifier.verify(`Bearer ${await hs256({ org: "t1", sub: "ann", scp: ["read"] })}`)).ok, true);
    const outcome = await verifier.verify(`Bearer ${await hs256({ org: "t1", sub: "ann", scope: "reader" })}`);
    assert.deepEqual(outcome, { ok: false, status: 403, error: "insufficient_scope", description: "The access token lacks the scope read." });
  });

  test("a tenant with control characters, padding or 300 characters is no tenant (403)", async () => {
    const verifier = createJwtVerifier(settings(), { JWT_KEY: SECRET });
    for (const org of ["t1\u001b[31m", " t1", "t".repeat(300), "t\u202e1"]) {
      const outcome = await verifier.verify(`Bearer ${await hs256({ org, sub: "ann", scope: "read" })}`);
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.status, 403, JSON.stringify(org));
    }
  });

  test("claims.roles: a list or a space-separated string gives the roles (bounded); without the claim, none; malformed is 403", async () => {
    const verifier = createJwtVerifier(settings({ claims: { tenant: "org", principal: "sub", roles: "roles" } }), { JWT_KEY: SECRET });
    const rolesOf = async (roles: unknown) => {
      const outcome = await verifier.verify(`Bearer ${await hs256({ org: "t1", sub: "ann", scope: "read", ...(roles === undefined ? {} : { roles }) })}`);
      return outcome.ok ? outcome.context.roles : `refused ${outcome.status}`;
    };
    assert.deepEqual(await rolesOf(undefined), []);
    assert.deepEqual(await rolesOf(" reader  auditor reader "), ["reader", "auditor"]);
    assert.deepEqual(await rolesOf(["reader", "auditor", "reader"]), ["reader", "auditor"]);
    assert.deepEqual(await rolesOf(Array.from({ length: 32 }, (_, i) => `r${i}`)), Array.from({ length: 32 }, (_, i) => `r${i}`));
    assert.deepEqual(await rolesOf(["r".repeat(128)]), ["r".repeat(128)]);
    for (const bad of [null, 1, {}, [["nested"]], ["ok", null], ["r".repeat(129)], Array.from({ length: 33 }, (_, i) => `r${i}`), "reader\tadmin", ["re\u200bader"], ["\u2066admin"]]) {
      assert.equal(await rolesOf(bad), "refused 403", JSON.stringify(bad));
    }
    // Without claims.roles in the contract, a token's roles are not read at all.
    const plain = createJwtVerifier(settings(), { JWT_KEY: SECRET });
    const outcome = await plain.verify(`Bearer ${await hs256({ org: "t1", sub: "ann", scope: "read", roles: ["admin"] })}`);
    assert.deepEqual(outcome, { ok: true, context: { tenantId: "t1", principal: "ann", provenance: "http_jwt" } });
  });

  test("a token without exp is refused", async () => {
    const verifier = createJwtVerifier(settings(), { JWT_KEY: SECRET });
    const token = await new SignJWT({ org: "t1", sub: "ann", scope: "read" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://id.example/")
      .setAudience("https://mcp.example/mcp")
      .sign(new TextEncoder().encode(SECRET));
    assert.deepEqual(await verifier.verify(`Bearer ${token}`), {
      ok: false,
      status: 401,
      error: "invalid_token",
      description: "The access token is invalid, expired, or not issued for this resource.",
    });
  });

  test("a remembered token still ends at its exp", async () => {
    let clock = Date.now();
    const verifier = createJwtVerifier(settings(), { JWT_KEY: SECRET }, () => clock);
    const token = await new SignJWT({ org: "t1", sub: "ann", scope: "read" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("https://id.example/")
      .setAudience("https://mcp.example/mcp")
      .setExpirationTime(Math.floor(clock / 1000) + 30)
      .sign(new TextEncoder().encode(SECRET));
    assert.equal((await verifier.verify(`Bearer ${token}`)).ok, true);
    clock += 20_000;
    assert.equal((await verifier.verify(`Bearer ${token}`)).ok, true, "remembered, still valid");
    clock += 15_000;
    const late = await verifier.verify(`Bearer ${token}`);
    assert.deepEqual(late.ok ? "accepted" : [late.status, late.error], [401, "invalid_token"]);
  });

  test("a PEM public key and a public JWK both verify ES256", async () => {
    const token = await new SignJWT({ org: "t2", sub: "bo", scope: "read" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("https://id.example/")
      .setAudience("https://mcp.example/mcp")
      .setExpirationTime("1m")
      .sign(ec.privateKey);
    const pem = ec.publicKey.export({ type: "spki", format: "pem" }) as string;
    const jwk = JSON.stringify(await exportJWK(ec.publicKey));
    for (const key of [pem, jwk]) {
      const verifier = createJwtVerifier(settings({ algorithms: ["ES256"] }), { JWT_KEY: key });
      const outcome = await verifier.verify(`Bearer ${token}`);
      assert.equal(outcome.ok && outcome.context.tenantId, "t2");
    }
  });

  test("start-up errors name the variable, never its value", () => {
    const cases: Array<[HttpJwtSettings, NodeJS.ProcessEnv, RegExp]> = [
      [settings(), {}, /JWT_KEY \(the token verification key of trusted_context\.http_jwt\) is not set/],
      [settings(), { JWT_KEY: "short-secret" }, /shorter than 32 bytes/],
      [settings({ algorithms: ["RS256"] }), { JWT_KEY: "not a key at all" }, /neither a PEM public key nor a public JWK/],
      [settings({ keyEnv: undefined, jwksUrlEnv: "JWKS", algorithms: ["RS256"] }), { JWKS: "http://idp.example/jwks" }, /https URL/],
      [settings({ keyEnv: undefined, jwksUrlEnv: "JWKS", algorithms: ["RS256"] }), { JWKS: "::" }, /does not hold a URL/],
    ];
    for (const [s, env, message] of cases) {
      assert.throws(() => createJwtVerifier(s, env), (err: unknown) => {
        assert.ok(err instanceof JwtConfigError);
        assert.match(err.message, message);
        for (const value of Object.values(env)) assert.equal(err.message.includes(value!), false);
        return true;
      });
    }
  });
});

describe("a key set that cannot be fetched", () => {
  test("a closed port or a 500 answer is 503 (retry later), not a verdict on the token", async () => {
    const token = await new SignJWT({ org: "t1", sub: "ann", scope: "read" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer("https://id.example/")
      .setAudience("https://mcp.example/mcp")
      .setExpirationTime("1m")
      .sign(ec.privateKey);
    const failing = createServer((_req, res) => {
      res.writeHead(500);
      res.end("down");
    });
    await new Promise<void>((resolve) => failing.listen(0, "127.0.0.1", resolve));
    try {
      const urls = [`http://127.0.0.1:${await freePort()}/jwks`, `http://127.0.0.1:${(failing.address() as { port: number }).port}/jwks`];
      for (const url of urls) {
        const verifier = createJwtVerifier(settings({ keyEnv: undefined, jwksUrlEnv: "JWKS", algorithms: ["ES256"] }), { JWKS: url });
        const outcome = await verifier.verify(`Bearer ${token}`);
        assert.deepEqual(outcome.ok ? "accepted" : [outcome.status, outcome.error], [503, undefined], url);
      }
    } finally {
      await new Promise((resolve) => failing.close(resolve));
    }
  });
});

describe("resource metadata", () => {
  test("the well-known URL is path-aware and the document names the audience and issuer", () => {
    const metadata = resourceMetadataFor(settings(), "/mcp");
    assert.equal(metadata.localPath, "/.well-known/oauth-protected-resource/mcp");
    assert.equal(metadata.url, "https://mcp.example/.well-known/oauth-protected-resource/mcp");
    assert.deepEqual(metadata.document, {
      resource: "https://mcp.example/mcp",
      authorization_servers: ["https://id.example/"],
      bearer_methods_supported: ["header"],
      scopes_supported: ["read"],
    });
  });
});
