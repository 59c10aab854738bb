import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../support/cli.ts";

test("version prints the package version", async () => {
  const r = await runCli(["version", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { version: string };
  assert.match(parsed.version, /^\d+\.\d+\.\d+/);
});

test("an unknown command fails with a clear message", async () => {
  const r = await runCli(["frobnicate"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test("an unsupported flag fails non-zero", async () => {
  const r = await runCli(["version", "--no-such-flag"]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown option/);
});
