// The console's front-door rules as pure functions: which Host and Origin values it answers,
// which browser-declared sites it refuses, one-time links, and which values it withholds.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { allowedHosts, checkOrigin, ConsoleSessions, isLoopbackHost } from "../../operator/console/security.ts";
import { withheldValues } from "../../operator/console/withheld.ts";
import { staticKeyRing, ledgerKey } from "../../runtime/ledger/keys/key-ring.ts";
import type { Contract } from "../../compiler/config/contract.ts";

const request = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const HOSTS = allowedHosts("127.0.0.1", 4100);

describe("checkOrigin", () => {
  test("loopback consoles answer to each loopback name on their port, and nothing else", () => {
    assert.deepEqual([...HOSTS].sort(), ["127.0.0.1:4100", "[::1]:4100", "localhost:4100"]);
    assert.deepEqual([...allowedHosts("10.0.0.5", 80)], ["10.0.0.5:80"]);
    assert.equal(isLoopbackHost("127.1.2.3"), true);
    assert.equal(isLoopbackHost("0.0.0.0"), false);
    assert.equal(isLoopbackHost("127.0.0.1.evil.example"), false);
  });

  const cases: Array<[string, string, Record<string, string>, boolean | number]> = [
    ["page load from the terminal", "GET", { host: "127.0.0.1:4100", "sec-fetch-site": "none" }, true],
    ["same-origin navigation", "GET", { host: "localhost:4100", "sec-fetch-site": "same-origin" }, true],
    ["rebinding host", "GET", { host: "evil.example:4100" }, 421],
    ["no host", "GET", {}, 421],
    ["cross-site read", "GET", { host: "127.0.0.1:4100", "sec-fetch-site": "cross-site" }, 403],
    ["another local port", "GET", { host: "127.0.0.1:4100", "sec-fetch-site": "same-site" }, 403],
    ["foreign origin on a read", "GET", { host: "127.0.0.1:4100", origin: "http://evil.example" }, 403],
    ["form post", "POST", { host: "127.0.0.1:4100", origin: "http://127.0.0.1:4100", "sec-fetch-site": "same-origin" }, true],
    ["form post with Origin: null (no-referrer)", "POST", { host: "127.0.0.1:4100", origin: "null", "sec-fetch-site": "same-origin" }, true],
    ["Origin: null alone", "POST", { host: "127.0.0.1:4100", origin: "null" }, 403],
    ["post without origin", "POST", { host: "127.0.0.1:4100" }, 403],
    ["post from another port's page", "POST", { host: "127.0.0.1:4100", origin: "http://127.0.0.1:4200" }, 403],
    ["https origin of the same host", "POST", { host: "127.0.0.1:4100", origin: "https://127.0.0.1:4100" }, 403],
    ["typed post", "POST", { host: "127.0.0.1:4100", origin: "http://127.0.0.1:4100", "sec-fetch-site": "none" }, 403],
  ];
  for (const [name, method, headers, expected] of cases) {
    test(name, () => {
      const result = checkOrigin(request(method, headers), HOSTS);
      if (expected === true) assert.deepEqual(result, { ok: true });
      else assert.equal(result.ok ? 200 : result.status, expected);
    });
  }
});

describe("ConsoleSessions", () => {
  test("each link's token works once, and only for its own identity", () => {
    const people = [
      { name: "dana", label: "dana", roles: null, establishedBy: "self_declared", alsoKnownAs: [] } as const,
      { name: "lee", label: "lee", roles: null, establishedBy: "self_declared", alsoKnownAs: [] } as const,
    ];
    const sessions = new ConsoleSessions(people, 4100);
    const [dana, lee] = sessions.links;
    assert.match(dana!.token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(dana!.token, lee!.token);
    const first = sessions.redeem(lee!.token);
    assert.equal(first?.session.identity.name, "lee");
    assert.equal(sessions.redeem(lee!.token), undefined);
    assert.equal(sessions.redeem(""), undefined);
    assert.equal(sessions.redeem(dana!.token.slice(0, -1)), undefined);
    const cookie = `other=1; ${sessions.cookieName}=${first!.sessionId}`;
    assert.equal(sessions.fromRequest(request("GET", { cookie }))?.identity.name, "lee");
    assert.equal(sessions.fromRequest(request("GET", { cookie: `${sessions.cookieName}=${lee!.token}` })), undefined, "a link token is not a session");
  });
});

describe("withheldValues", () => {
  test("the contract's credential variables, secret-named variables, URLs with a password and the ledger keys", () => {
    const contract = {
      sources: { app: { engine: "postgres", read_url_env: "APP_READ", write_url_env: "APP_WRITE" } },
      executors: { hook: { type: "http_handler", url_env: "HOOK_URL", auth: { type: "bearer_env", token_env: "HOOK_BEARER" } } },
    } as unknown as Contract;
    const env = {
      APP_READ: "postgres://r@db/app", APP_WRITE: "postgres://w@db/app", HOOK_URL: "https://hooks.internal/x", HOOK_BEARER: "bearer-value-1",
      SOME_API_TOKEN: "tok-123456789", OTHER_URL: "mysql://u:p4ss@db/x", SYNAPSOR_TENANT_ID: "tenant_acme", SHORT_SECRET: "abc", HOME: "/root/home/dir",
    };
    const keys = staticKeyRing([ledgerKey("k".repeat(40))], "test", "memory");
    const withheld = withheldValues(contract, keys, env);
    for (const value of ["postgres://r@db/app", "postgres://w@db/app", "https://hooks.internal/x", "bearer-value-1", "tok-123456789", "mysql://u:p4ss@db/x", "k".repeat(40)]) {
      assert.ok(withheld.includes(value), value);
    }
    for (const value of ["tenant_acme", "abc", "/root/home/dir"]) assert.equal(withheld.includes(value), false, value);
  });
});
