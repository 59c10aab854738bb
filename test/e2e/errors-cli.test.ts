// `synapsor-runner errors list|show`: the internal errors a server recorded, read by an operator
// with the real CLI from a real ledger file.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/open.ts";
import { runCli } from "../support/cli.ts";
import { editStore } from "../support/ledger-file.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";

const PASSWORD = "Pw-errors-NEVER-LEAK-9f0e";

describe("errors list and show", () => {
  let dir: string;
  let store: string;

  before(async () => {
    dir = tempDir("synapsor-errors-");
    store = join(dir, ".synapsor", "support-billing.db");
    const ledger = await openLedger({ path: store });
    try {
      const base = { tenantId: "tenant_acme", principal: "agent", source: "app_db", table: "public.invoices" };
      await ledger.reads.recordFailure({ ...base, capability: "billing.inspect_invoice", code: "CONFIGURATION_ERROR", internal: `password authentication failed for user "reader" (postgres://reader:${PASSWORD}@db.internal/app)` });
      await ledger.reads.recordFailure({ ...base, capability: "support.list_open_tickets", code: "TEMPORARILY_UNAVAILABLE", internal: "connect ETIMEDOUT 10.0.0.5:5432" });
      await ledger.reads.recordFailure({ ...base, capability: "billing.inspect_invoice", code: "INTERNAL", internal: "Bound parameter 2 is undefined\n\u001b]0;owned\u0007second line \u202e" });
    } finally {
      await ledger.close();
    }
    // The oldest one, a day back, for --since.
    editStore(store, "UPDATE internal_errors SET created_at = ? WHERE code = 'TEMPORARILY_UNAVAILABLE'", new Date(Date.now() - 86_400_000 * 2).toISOString());
    writeFileSync(join(dir, "synapsor.runner.json"), JSON.stringify(exampleConfigFor("postgres"), null, 2));
  });

  const errors = (args: string[]) => runCli(["errors", ...args]);

  test("list --json: newest first, with code, tool, time and the redacted detail", async () => {
    const r = await errors(["list", "--store", store, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout);
    assert.deepEqual(listed.map((e: any) => e.code), ["INTERNAL", "CONFIGURATION_ERROR", "TEMPORARILY_UNAVAILABLE"]);
    assert.equal(listed[1].capability, "billing.inspect_invoice");
    assert.equal(listed[1].table, "public.invoices");
    assert.match(listed[1].createdAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(listed[1].detail, /password authentication failed/);
    assert.equal(r.stdout.includes(PASSWORD), false);
  });

  test("filters: --code, --tool, --since (an age or a time), --limit", async () => {
    const ids = async (args: string[]) => {
      const r = await errors(["list", "--store", store, "--json", ...args]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).map((e: any) => e.code);
    };
    assert.deepEqual(await ids(["--code", "TEMPORARILY_UNAVAILABLE"]), ["TEMPORARILY_UNAVAILABLE"]);
    assert.deepEqual(await ids(["--tool", "billing.inspect_invoice"]), ["INTERNAL", "CONFIGURATION_ERROR"]);
    assert.deepEqual(await ids(["--since", "1d"]), ["INTERNAL", "CONFIGURATION_ERROR"]);
    assert.deepEqual(await ids(["--since", "2999-01-01"]), []);
    assert.deepEqual(await ids(["--limit", "1"]), ["INTERNAL"]);
    const bad = await errors(["list", "--store", store, "--since", "yesterday"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--since must be an ISO 8601 date or time .* or an age like 30m/);
  });

  test("the text list and show escape what the detail carries; show prints the whole detail", async () => {
    const list = await errors(["list", "--store", store]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.split("\n").filter(Boolean).length, 3);
    assert.equal(/[\u001b\u0007\u202e]/.test(list.stdout), false, list.stdout);
    const id = JSON.parse((await errors(["list", "--store", store, "--json", "--code", "INTERNAL"])).stdout)[0].id;
    const show = await errors(["show", String(id), "--store", store]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /code +INTERNAL/);
    assert.match(show.stdout, /tool +billing\.inspect_invoice/);
    assert.match(show.stdout, /Bound parameter 2 is undefined\n.*second line/);
    assert.equal(/[\u001b\u0007\u202e]/.test(show.stdout), false, show.stdout);
    const json = await errors(["show", String(id), "--store", store, "--json"]);
    assert.equal(JSON.parse(json.stdout).id, id);
  });

  test("--config finds the config's store next to the config, from any working directory", async () => {
    const r = await runCli(["errors", "list", "--config", join(dir, "synapsor.runner.json"), "--json"], { cwd: tempDir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).length, 3);
  });

  test("clear errors: no store named, an unknown id, a missing store file", async () => {
    const none = await errors(["list"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /pass --store FILE .* or --config/);
    const unknown = await errors(["show", "999", "--store", store]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No internal error 999/);
    const notNumber = await errors(["show", "abc", "--store", store]);
    assert.equal(notNumber.code, 1);
    const missing = await errors(["list", "--store", join(dir, "nope.db")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No store at/);
  });
});
