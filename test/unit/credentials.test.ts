// runtime/text/credentials.ts: one rule for "this text carries a credential", used to refuse a
// trusted context that holds one and to redact the ledger, the logs and error messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { looksLikeCredential, redactCredentials } from "../../runtime/text/credentials.ts";

describe("looksLikeCredential", () => {
  test("a URL whose authority names a user is a credential", () => {
    for (const value of ["postgres://app:hunter2@db.internal/app", "https://user@host/", "mysql://root:@127.0.0.1/x", "mysql://u:p@ss@h/db", "see POSTGRES://u:p@h"]) {
      assert.equal(looksLikeCredential(value), true, value);
    }
  });

  test("a password, secret or token parameter is a credential, with or without userinfo", () => {
    for (const value of [
      "postgres://db.internal/app?user=app&password=hunter2",
      "postgres://db.internal/app?sslmode=require;pwd=x",
      "password=hunter2",
      "https://api.example/v1?api_key=abc",
      "https://api.example/v1?API-KEY=abc",
      "x access_token=abc",
      "https://h/?secret=s",
      "https://h/?token=t",
      "https://h/?passwd=t",
    ]) {
      assert.equal(looksLikeCredential(value), true, value);
    }
  });

  test("an '@' outside the authority is not a credential: e-mails in paths and queries, plain ids", () => {
    for (const value of [
      "https://idp.example.com/users/alice@example.com",
      "https://idp.example.com/?login=alice@example.com",
      "https://idp.example.com/#alice@example.com",
      "agent@example.com",
      "tenant_acme",
      "urn:agent:42",
      "https://idp.example/users/7",
      "mytoken=1",
      "passwordless",
    ]) {
      assert.equal(looksLikeCredential(value), false, value);
    }
  });
});

describe("redactCredentials", () => {
  test("a password parameter at the very start of the text is redacted", () => {
    assert.equal(redactCredentials("password=hunter2 rejected"), "password=<redacted> rejected");
    assert.equal(redactCredentials("token=abc&x=1"), "token=<redacted>&x=1");
  });

  test("a JSON member named like a secret is redacted, whatever the spacing", () => {
    assert.equal(redactCredentials('{"password":"hunter2","user":"app"}'), '{"password":"<redacted>","user":"app"}');
    assert.equal(redactCredentials('{ "api_key" : "k\\"ey" }'), '{ "api_key" : "<redacted>" }');
    assert.equal(redactCredentials('{"Secret":"s"}'), '{"Secret":"<redacted>"}');
    assert.equal(redactCredentials('{"password_hint":"blue"}'), '{"password_hint":"blue"}');
  });

  test("userinfo and query parameters are still redacted", () => {
    assert.equal(
      redactCredentials("connect failed for postgres://u:hunter2@h:5432/db?sslmode=require&password=hunter2 (timeout)"),
      "connect failed for postgres://<redacted>@h:5432/db?sslmode=require&password=<redacted> (timeout)",
    );
    assert.equal(redactCredentials("postgres://db/app?user=app&access-token=t1"), "postgres://db/app?user=app&access-token=<redacted>");
  });
});
