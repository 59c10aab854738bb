// The review side against a Postgres ledger, as an operator runs it: the example server built with
// storage.postgres_url_env and started without --store makes a proposal; `proposals list/show`,
// `proposals approve`, `apply` (the SQL executor on the example), `receipts`, `replay show` and
// `evidence show` all take --store-url-env VAR and agree with each other; the console (`ui
// --store-url-env`) serves a proposal and approves it over HTTP. Refusals: both store flags, the
// variable unset, a database without a ledger (never created by review), the wrong key.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import pg from "pg";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";
import { CLI, runCli } from "../support/cli.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { envelopeOf } from "../support/compiled-server.ts";
import { cookieFrom, csrfOf, hashOf, rawRequest, startConsoleProcess } from "../support/console.ts";

const KEY = "review-postgres-ledger-key-0123456789abcdef";
const URL_ENV = "SYNAPSOR_LEDGER_URL";
const PG = ["--store-url-env", URL_ENV];

describe("the review CLI and console on a Postgres ledger", () => {
  let ledgerDb: TestDatabase;
  let empty: TestDatabase;
  let project: WritebackProject;

  before(async () => {
    [ledgerDb, empty] = await Promise.all([createPostgresDatabase("rvpgledger"), createPostgresDatabase("rvpgempty")]);
    project = await setUpWriteback("postgres", "rvpgsrc", (config) => {
      config.storage = { postgres_url_env: URL_ENV };
    }, { env: { [URL_ENV]: ledgerDb.url, SYNAPSOR_LEDGER_KEY: KEY }, sqliteStore: false });
  });
  after(async () => {
    await project?.close();
    await Promise.allSettled([ledgerDb?.drop(), empty?.drop()]);
  });

  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...project.env, ...env } });
  const json = (run: { code: number; stdout: string; stderr: string }) => {
    assert.equal(run.code, 0, run.stderr + run.stdout);
    return JSON.parse(run.stdout);
  };

  test("propose through the server, then list, show, approve, apply, receipts, replay and evidence with --store-url-env agree", async () => {
    const proposed = await project.propose("INV-3001");
    assert.equal(proposed.ok, true, proposed.summary);
    const id: string = proposed.proposal.id;
    const bundle: string = proposed.evidence.bundle_id;

    const listed = json(await cli(["proposals", "list", ...PG, "--json"]));
    assert.deepEqual(listed.map((p: { id: string }) => p.id), [id]);
    const shown = json(await cli(["proposals", "show", id, ...PG, "--json"]));
    assert.equal(shown.proposal.state, "review_required");
    assert.equal(shown.verified, true, "sealed by the server, verified by the CLI with the same key from the env");
    assert.equal(shown.hashVerified, true);

    const approved = await cli(["proposals", "approve", id, ...PG, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(approved.code, 0, approved.stderr);
    assert.match(approved.stdout, new RegExp(`synapsor-runner apply --proposal ${id} --config <synapsor\\.runner\\.json> --store-url-env ${URL_ENV}\\n`),
      "the hint names the flag that was used");

    const applied = json(await cli(["apply", "--proposal", id, "--config", project.built.configPath, ...PG, "--json"]));
    assert.equal(applied.status, "applied");
    assert.equal(applied.rows_affected, 1);
    assert.equal((await project.inspect("INV-3001")).late_fee_cents, 0, "the SQL executor wrote the row");
    const receiptRows = await project.receiptRows(id);
    assert.equal(receiptRows.length, 1);
    const text = await cli(["apply", "--proposal", id, "--config", project.built.configPath, ...PG]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`already_applied: .*\\n[\\s\\S]*  replay: synapsor-runner replay show ${id} --store-url-env ${URL_ENV}\\n`));

    const receipts = json(await cli(["receipts", "list", ...PG, "--proposal", id, "--json"]));
    assert.ok(receipts.length >= 1);
    assert.ok(receipts.every((r: { proposalId: string }) => r.proposalId === id));
    const receipt = json(await cli(["receipts", "show", applied.receipt_id, ...PG, "--json"]));
    assert.equal(receipt.id, applied.receipt_id);
    assert.equal(receipt.receipt.status, "applied");

    const replay = json(await cli(["replay", "show", id, ...PG, "--json"]));
    assert.equal(replay.state, "applied");
    assert.equal(replay.verified, true);
    assert.ok(JSON.stringify(replay).includes(applied.receipt_id), "the replay carries the receipt apply recorded");
    assert.ok(JSON.stringify(replay).includes(bundle), "and the evidence the proposal was made on");

    const evidence = json(await cli(["evidence", "show", bundle, ...PG, "--json"]));
    assert.equal(evidence.id, bundle);
    assert.ok(JSON.stringify(evidence).includes(id), "the bundle lists the proposal made on it");

    // A missing record's hint names the flag the user used.
    const missing = await cli(["proposals", "show", "wrp_missing", ...PG]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`List them with: synapsor-runner proposals list --store-url-env ${URL_ENV}\\n`));

    // Nothing fell back to a SQLite file anywhere.
    assert.deepEqual(readdirSync(project.built.runDir), ["server.mjs"]);
    assert.equal(existsSync(join(project.built.dir, "ledger.db")), false);
  });

  test("build says where the ledger is: the Postgres database in the variable, not a SQLite file", () => {
    assert.match(project.built.buildOutput.stdout, new RegExp(`\\(its ledger: the Postgres database in ${URL_ENV}; review it with --store-url-env ${URL_ENV}\\)\n`));
    assert.equal(project.built.buildOutput.stdout.includes(".db"), false);
  });

  test("mcp serve of the contract without --store serves on the Postgres ledger (no SQLite file is made)", async () => {
    const before = json(await cli(["query-audit", "list", ...PG, "--json", "--limit", "500"])).length;
    const transport = new StdioClientTransport({
      command: process.execPath, args: [CLI, "mcp", "serve", "--config", project.built.configPath],
      env: { PATH: process.env.PATH ?? "", ...(project.env as Record<string, string>) }, stderr: "pipe",
    });
    const client = new Client({ name: "synapsor-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      const read = envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-3002" } }));
      assert.equal(read.ok, true, JSON.stringify(read.error));
    } finally {
      await client.close();
    }
    const after = json(await cli(["query-audit", "list", ...PG, "--json", "--limit", "500"])).length;
    assert.equal(after, before + 1, "the call's audit row is in the Postgres ledger");
    assert.equal(existsSync(join(project.built.dir, ".synapsor", "local.db")), false);
  });

  test("smoke call of the contract records in the Postgres ledger and prints review commands with --store-url-env", async () => {
    const run = await cli(["smoke", "call", "--config", project.built.configPath, "--tool", "billing.inspect_invoice", "--args", JSON.stringify({ invoice_id: "INV-3002" })]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, new RegExp(`  ledger: the Postgres ledger in ${URL_ENV}\n`));
    assert.match(run.stdout, new RegExp(`synapsor-runner events tail --store-url-env ${URL_ENV}\n`));
    assert.match(run.stdout, /Serve it to a client: synapsor-runner mcp serve --config \S+\n/, "no SQLite --store for a Postgres contract");
    assert.equal(existsSync(join(project.built.dir, ".synapsor", "local.db")), false);
  });

  test("smoke call --store-url-env VAR records in the ledger VAR names, over the contract's; both store flags are refused", async () => {
    const env = { OTHER_LEDGER_URL: ledgerDb.url };
    const before = json(await cli(["query-audit", "list", "--store-url-env", "OTHER_LEDGER_URL", "--json", "--limit", "500"], env)).length;
    const args = ["smoke", "call", "--config", project.built.configPath, "--tool", "billing.inspect_invoice", "--args", JSON.stringify({ invoice_id: "INV-3002" })];
    // The contract's variable is unset: only --store-url-env can point the server at the ledger.
    const run = await cli([...args, "--store-url-env", "OTHER_LEDGER_URL"], { ...env, [URL_ENV]: "" });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /  ledger: the Postgres ledger in OTHER_LEDGER_URL\n/);
    const after = json(await cli(["query-audit", "list", "--store-url-env", "OTHER_LEDGER_URL", "--json", "--limit", "500"], env)).length;
    assert.equal(after, before + 1, "the smoke call's audit row is in the ledger --store-url-env names");
    const both = await cli([...args, "--store", "x.db", "--store-url-env", "OTHER_LEDGER_URL"], env);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /either --store FILE \(a SQLite ledger\) or --store-url-env VAR \(a Postgres ledger\), not both/);
  });

  test("the contract's storage.postgres_url_env is the store when only --config is given", async () => {
    const listed = json(await cli(["proposals", "list", "--config", project.built.configPath, "--json"]));
    assert.ok(listed.length >= 1);
    assert.equal(existsSync(join(project.built.dir, "ledger.db")), false, "no SQLite ledger beside the contract");
  });

  test("the console with --store-url-env serves the proposal and approves it over HTTP; the CLI sees the decision", async () => {
    const proposed = await project.propose("INV-3003", 0);
    assert.equal(proposed.ok, true, proposed.summary);
    const id: string = proposed.proposal.id;
    const ui = await startConsoleProcess(["--config", project.built.configPath, ...PG, "--port", "0"], { ...project.env });
    try {
      assert.match(ui.stdout(), new RegExp(`\\(store the Postgres ledger in ${URL_ENV}\\)`));
      assert.equal(ui.stdout().includes(ledgerDb.url), false, "the URL is never printed");
      const host = `127.0.0.1:${ui.port}`;
      const signIn = await rawRequest(ui.port, "GET", `/?token=${ui.token}`, { Host: host });
      assert.equal(signIn.status, 303);
      const cookie = cookieFrom(signIn);
      const inbox = await rawRequest(ui.port, "GET", "/", { Host: host, Cookie: cookie });
      assert.equal(inbox.status, 200);
      assert.ok(inbox.body.includes(id), "the inbox lists the proposal from the Postgres ledger");
      const page = await rawRequest(ui.port, "GET", `/proposals/${id}`, { Host: host, Cookie: cookie });
      assert.equal(page.status, 200, page.body);
      const ok = await rawRequest(ui.port, "POST", `/proposals/${id}/approve`, {
        Host: host, Cookie: cookie, Origin: `http://${host}`, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded",
      }, new URLSearchParams({ csrf: csrfOf(page.body), hash: hashOf(page.body), role: "billing_lead" }).toString());
      assert.equal(ok.status, 303, ok.body);
      const after = await rawRequest(ui.port, "GET", `/proposals/${id}`, { Host: host, Cookie: cookie });
      assert.ok(after.body.includes(`synapsor-runner apply --proposal ${id} --config ${project.built.configPath} --store-url-env ${URL_ENV}`),
        "the apply command on the page names the Postgres ledger by its variable");
    } finally {
      assert.equal(await ui.stop(), 0, ui.stderr());
    }
    const shown = json(await cli(["proposals", "show", id, ...PG, "--json"]));
    assert.equal(shown.proposal.state, "approved");
    assert.equal(shown.decisions[0].actor, userInfo().username);
    assert.equal(shown.verified, true);
  });

  test("both store flags, or a variable that is unset or empty: refused naming the flags or the variable", async () => {
    const both = await cli(["proposals", "list", "--store", "x.db", ...PG]);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /either --store FILE \(a SQLite ledger\) or --store-url-env VAR \(a Postgres ledger\), not both/);
    const neither = await cli(["receipts", "list"]);
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /pass --store FILE .* or --store-url-env VAR/);
    for (const value of [undefined, ""]) {
      const env = { ...project.env };
      if (value === undefined) delete env[URL_ENV];
      else env[URL_ENV] = value;
      for (const args of [["proposals", "list", ...PG], ["receipts", "list", ...PG], ["replay", "show", "wrp_x", ...PG]]) {
        const run = await runCli(args, { env });
        assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(`The environment variable ${URL_ENV} is not set; it must hold the URL of the Postgres ledger`));
      }
    }
    const pasted = await cli(["proposals", "list", "--store-url-env", ledgerDb.url]);
    assert.equal(pasted.code, 1);
    assert.equal(pasted.stderr.includes(ledgerDb.url), false, "a URL pasted in place of the name is not repeated");
  });

  test("a database without a ledger: exit 2 saying so, and review creates nothing there", async () => {
    const run = await cli(["proposals", "list", ...PG], { [URL_ENV]: empty.url });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`the database in ${URL_ENV} has no ledger yet \\(no schema synapsor_ledger\\)`));
    assert.equal(run.stderr.includes(empty.url), false);
    const ui = await runCli(["ui", "--config", project.built.configPath, ...PG, "--port", "0"], { env: { ...project.env, [URL_ENV]: empty.url } });
    assert.equal(ui.code, 2, ui.stderr);
    const client = new pg.Client({ connectionString: empty.url });
    await client.connect();
    try {
      const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = 'synapsor_ledger'");
      assert.equal(rows[0].n, 0, "no schema was created");
    } finally {
      await client.end();
    }
  });

  test("doctor checks the Postgres ledger the contract names: reachable and writable, not made yet, or its variable unset", async () => {
    const storeChecks = async (env: NodeJS.ProcessEnv, extra: string[] = []) => {
      const run = await runCli(["doctor", "--config", project.built.configPath, "--json", ...extra], { env });
      const report = JSON.parse(run.stdout);
      assert.equal(run.stdout.includes(ledgerDb.url) || run.stdout.includes(empty.url), false, "no URL in the report");
      return report.checks.filter((c: { category: string }) => c.category === "store");
    };
    const [ok] = await storeChecks(project.env);
    assert.equal(ok.status, "ok", ok.message);
    assert.match(ok.message, new RegExp(`The Postgres ledger in ${URL_ENV} answers and is writable; the key comes from SYNAPSOR_LEDGER_KEY`));
    const [fresh] = await storeChecks({ ...project.env, [URL_ENV]: empty.url });
    assert.equal(fresh.status, "ok");
    assert.match(fresh.message, /holds no ledger yet; the first server to start creates it/);
    const unset = { ...project.env };
    delete unset[URL_ENV];
    const [missing] = await storeChecks(unset);
    assert.equal(missing.status, "fail");
    assert.match(missing.message, new RegExp(`The environment variable ${URL_ENV} \\(the URL of the Postgres ledger\\) is not set`));
    const [viaFlag] = await storeChecks({ ...unset, OTHER_LEDGER_URL: ledgerDb.url }, ["--store-url-env", "OTHER_LEDGER_URL"]);
    assert.equal(viaFlag.status, "ok", viaFlag.message);
    assert.match(viaFlag.message, /The Postgres ledger in OTHER_LEDGER_URL answers/);
  });

  test("no key variable, or the wrong key: exit 2 naming the variable, or every record reported unverified", async () => {
    const env = { ...project.env };
    delete env.SYNAPSOR_LEDGER_KEY;
    const noKey = await runCli(["proposals", "list", ...PG], { env });
    assert.equal(noKey.code, 2, noKey.stderr);
    assert.match(noKey.stderr, /SYNAPSOR_LEDGER_KEY is not set/);
    const named = await runCli(["proposals", "list", ...PG, "--ledger-key-env", "OTHER_LEDGER_KEY"], { env: project.env });
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /OTHER_LEDGER_KEY is not set/);

    const wrong = { SYNAPSOR_LEDGER_KEY: "a-different-key-for-this-ledger-9876543210" };
    const listed = json(await cli(["proposals", "list", ...PG, "--json"], wrong));
    assert.ok(listed.length >= 1);
    const approved = listed.find((p: { state: string }) => p.state === "approved");
    assert.ok(approved, "the console's approval (previous test) awaits apply");
    const shown = json(await cli(["proposals", "show", approved.id, ...PG, "--json"], wrong));
    assert.equal(shown.verified, false, "records sealed with another key do not verify");
    const fee = (await project.inspect("INV-3003")).late_fee_cents;
    const apply = await cli(["apply", "--proposal", approved.id, "--config", project.built.configPath, ...PG, "--json"], wrong);
    assert.equal(apply.code, 1, apply.stderr);
    assert.notEqual(JSON.parse(apply.stdout).ok, true, "nothing is applied on an unverified record");
    assert.equal((await project.inspect("INV-3003")).late_fee_cents, fee, "the row is untouched");

    // Applied with the right key, then asked again with the wrong one: "already applied" would be a
    // claim read from records that do not verify, so it is refused, not reported as done.
    const done = await cli(["apply", "--proposal", approved.id, "--config", project.built.configPath, ...PG, "--json"]);
    assert.equal(done.code, 0, done.stderr);
    const again = await cli(["apply", "--proposal", approved.id, "--config", project.built.configPath, ...PG, "--json"], wrong);
    assert.equal(again.code, 1, again.stdout);
    const refused = JSON.parse(again.stdout);
    assert.notEqual(refused.ok, true);
    assert.notEqual(refused.receipt?.status, "already_applied");
    assert.match(refused.error.message, /sealed with key .* which this process does not have/);
  });
});
