// The ledger's keyed MACs as an operator meets them: a compiled server and the review CLI share
// the key through the variable the contract names; someone who edits the SQLite file (any
// column of a proposal or a decision, the plain hash recomputed) cannot get a write through
// apply, and the target Postgres row stays as it was; stale plans expire after a config edit;
// the key file is owner-only, rotates, and a lost key is reported in plain words.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { applyProposal } from "../../operator/apply/apply-proposal.ts";
import { compileCapabilities } from "../../operator/apply/compiled-capability.ts";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { envKeyRing } from "../../runtime/ledger/keys/key-env.ts";
import { keyFilePath } from "../../runtime/ledger/keys/key-file.ts";
import { keyIdOf } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing } from "../../runtime/ledger/keys/open-key-ring.ts";
import { applyMigrations, MIGRATIONS } from "../../runtime/ledger/migrations.ts";
import { openLedger } from "../../runtime/ledger/open.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal } from "../../runtime/ledger/records.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli, runProcess } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";
import { editStore, rehashProposal, storeRow } from "../support/ledger-file.ts";

const KEY = "e2e-ledger-key-0123456789abcdefghijklmnopqrstuvwxyz";
const OTHER_KEY = "e2e-other-ledger-key-zyxwvutsrqponmlkjihgfedcba9876";

const root = mkdtempSync(join(tmpdir(), "ledger-integrity-"));
after(() => rmSync(root, { recursive: true, force: true }));

function decisionOf(path: string, proposalId: string): Record<string, any> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return { ...(db.prepare("SELECT * FROM decisions WHERE proposal_id = ?").get(proposalId) as Record<string, unknown>) };
  } finally {
    db.close();
  }
}

function count(path: string, sql: string, ...params: string[]): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("a compiled server and the review CLI on one ledger, against Postgres", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;
  let env: NodeJS.ProcessEnv;
  let store: string;
  let writes: pg.Client;

  before(async () => {
    db = await createPostgresDatabase("srli");
    await seedExample(db);
    const migration = await runCli(["writeback", "migration", "--engine", "postgres"]);
    assert.equal(migration.code, 0, migration.stderr);
    await db.exec(migration.stdout);
    const config = exampleConfigFor("postgres");
    config.storage.ledger_key_env = "TEST_LEDGER_KEY";
    env = {
      ...process.env,
      SUPPORT_DB_READ_URL: db.url,
      // apply insists on a writer credential distinct from the read one; the name alone is enough here.
      SUPPORT_DB_WRITE_URL: `${db.url}${db.url.includes("?") ? "&" : "?"}application_name=synapsor_writer`,
      SYNAPSOR_TENANT_ID: "tenant_acme",
      SYNAPSOR_PRINCIPAL: "agent-7",
      TEST_LEDGER_KEY: KEY,
    };
    built = await buildServer(config, env, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
    writes = new pg.Client({ connectionString: db.url });
    await writes.connect();
  });

  after(async () => {
    await session?.close();
    await writes?.end();
    await db?.drop();
  });

  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extraEnv } });
  const propose = async (invoice: string) => {
    const envelope = envelopeOf(await session.client.callTool({
      name: "billing.propose_late_fee_waiver",
      arguments: { invoice_id: invoice, new_late_fee_cents: 0, reason: "outage on May 3 (T-1001)" },
    }));
    assert.equal(envelope.ok, true, envelope.summary);
    return envelope.proposal.id as string;
  };
  const invoices = async () => (await writes.query("SELECT id, late_fee_cents, status, waiver_reason, updated_at FROM invoices ORDER BY id")).rows;
  const jobsOf = (id: string) => count(store, "SELECT COUNT(*) AS n FROM writeback_jobs WHERE proposal_id = ?", id);
  /**
   * The capabilities compiled as apply compiles them (the live schema of the read URL in env).
   * Compiled once and shared by the column sweeps: the config and the schema never change in this
   * describe, and each apply below still re-checks its proposal against this plan.
   */
  let compiledOnce: Promise<Extract<Awaited<ReturnType<typeof compileCapabilities>>, { ok: true }>> | undefined;
  const compiled = () =>
    (compiledOnce ??= compileCapabilities({ configPath: built.configPath, env }).then((result) => {
      assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
      return result;
    }));
  /** A person's approval recorded the way the CLI records it (in-process, for the column sweeps). */
  const withLedger = async <T>(work: (ledger: Ledger) => Promise<T>) => {
    const ledger = await openLedger({ path: store, keys: envKeyRing("TEST_LEDGER_KEY", KEY) });
    try {
      return await work(ledger);
    } finally {
      await ledger.close();
    }
  };
  const approve = (id: string) => withLedger(async (ledger) => {
    const outcome = await ledger.proposals.decide({ proposalId: id, decision: "approved", actor: "dana", role: "billing_lead" });
    assert.ok(outcome.ok, outcome.ok ? "" : outcome.refusal.message);
  });
  const applyInProcess = async (id: string) => {
    const { contract, plan } = await compiled();
    return withLedger((ledger) => applyProposal({ contract, plan, ledger, proposalId: id, env }));
  };
  const applyCli = async (id: string) => {
    const r = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
    return { code: r.code, body: JSON.parse(r.stdout || "{}"), stderr: r.stderr };
  };

  test("the server seals with the key the contract names, and the CLI verifies with it; without it the records do not verify", async () => {
    const id = await propose("INV-3005");
    const withConfig = await cli(["proposals", "show", id, "--store", store, "--config", built.configPath, "--json"]);
    assert.equal(withConfig.code, 0, withConfig.stderr);
    const shown = JSON.parse(withConfig.stdout);
    assert.equal(shown.verified, true);
    assert.equal(shown.proposal.verification.keyId, keyIdOf(KEY));
    const byFlag = JSON.parse((await cli(["proposals", "show", id, "--store", store, "--ledger-key-env", "TEST_LEDGER_KEY", "--json"])).stdout);
    assert.equal(byFlag.verified, true);

    // Without --config the default applies: SYNAPSOR_LEDGER_KEY (unset here), else the key file next to the store.
    const plain = await cli(["proposals", "show", id, "--store", store]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /NOT VERIFIED/);
    assert.ok(plain.stdout.includes(keyIdOf(KEY)), "names the key id the record was sealed with");
    assert.ok(plain.stdout.includes(`the key file ${keyFilePath(store)}`), "says where keys were read from");
    assert.ok(!plain.stdout.includes(KEY) && !plain.stderr.includes(KEY), "never prints the key");

    const approved = await cli(["proposals", "approve", id, "--store", store, "--config", built.configPath, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(approved.code, 0, approved.stderr);
    const applied = await applyCli(id);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.body.status, "applied");
    assert.equal((await invoices()).find((r) => r.id === "INV-3005").late_fee_cents, 0);
  });

  test("the proposer can never approve their own proposal", async () => {
    const id = await propose("INV-3003");
    const r = await cli(["proposals", "approve", id, "--store", store, "--config", built.configPath, "--actor", "agent-7", "--role", "billing_lead", "--yes", "--json"]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, "SELF_APPROVAL");
  });

  test("a missing key variable stops the server before it serves, and the CLI says which variable to set", async () => {
    const { TEST_LEDGER_KEY: _unset, ...without } = env;
    const server = await runProcess(process.execPath, [built.serverPath, "serve", "--transport", "stdio", "--store", join(root, "nokey.db")], { env: without, input: "" });
    assert.equal(server.code, 2);
    assert.match(server.stderr, /environment variable TEST_LEDGER_KEY is not set; it must hold the ledger key/);
    const review = await runCli(["proposals", "list", "--store", store, "--config", built.configPath], { env: without });
    assert.equal(review.code, 2);
    assert.match(review.stderr, /TEST_LEDGER_KEY is not set/);
  });

  const PROPOSAL_EDITS: [string, (r: Record<string, any>) => string | null][] = [
    ["hash", () => "0".repeat(64)],
    ["state", () => "failed"],
    ["capability", () => "billing.inspect_invoice"],
    ["tenant_id", () => "tenant_globex"],
    ["principal", () => "agent-9"],
    ["source", () => "other_db"],
    ["target_table", () => "public.support_tickets"],
    ["object_id", () => "INV-4001"],
    ["target", (r) => JSON.stringify({ ...JSON.parse(r.target), primaryKey: { column: "id", value: "INV-4001" } })],
    ["before_row", (r) => JSON.stringify({ ...JSON.parse(r.before_row), late_fee_cents: 1 })],
    ["patch", (r) => JSON.stringify({ ...JSON.parse(r.patch), late_fee_cents: 999_999 })],
    ["after_row", (r) => JSON.stringify({ ...JSON.parse(r.after_row), status: "void" })],
    ["guards", (r) => JSON.stringify({ tenant: { column: "tenant_id", value: "tenant_globex" } })],
    ["args", (r) => JSON.stringify({ ...JSON.parse(r.args), reason: "edited" })],
    ["evidence_id", () => "ev_zzzzzzzzzzzzzzzzzzzz"],
    ["approval", () => JSON.stringify({ mode: "human" })],
    ["executor", (r) => JSON.stringify({ ...JSON.parse(r.executor), name: "other_writer" })],
    ["created_at", () => "2020-01-01T00:00:00.000Z"],
    ["updated_at", () => "2020-01-01T00:00:00.000Z"],
    ["plan_hash", () => "cd".repeat(32)],
    ["key_id", () => keyIdOf(OTHER_KEY)],
    ["mac", () => "f".repeat(64)],
    ["state_key_id", () => keyIdOf(OTHER_KEY)],
    ["state_mac", () => "e".repeat(64)],
    ["id", () => "wrp_edited00000000000000"],
    // This proposal came over stdio, so it has no roles; roles planted afterwards join its change set.
    ["roles", () => JSON.stringify(["billing_lead"])],
  ];
  const CHANGE_SET = new Set(["capability", "tenant_id", "principal", "source", "target", "before_row", "patch", "after_row", "guards", "args", "evidence_id", "approval", "executor", "roles"]);

  test("every column of an approved proposal edited in the file (hash recomputed): apply refuses with POLICY_VIOLATION and writes nothing", async () => {
    const columns = new DatabaseSync(store, { readOnly: true });
    const all = columns.prepare("SELECT name FROM pragma_table_info('proposals')").all().map((r) => r.name as string);
    columns.close();
    assert.deepEqual(PROPOSAL_EDITS.map(([c]) => c).sort(), [...all].sort(), "every column is tried");
    const rowsBefore = await invoices();
    for (const [column, value] of PROPOSAL_EDITS) {
      const id = await propose("INV-3001");
      await approve(id);
      editStore(store, `UPDATE proposals SET ${column} = ? WHERE id = ?`, value(storeRow(store, "proposals", id)), id);
      const target = column === "id" ? "wrp_edited00000000000000" : id;
      if (CHANGE_SET.has(column)) rehashProposal(store, target);
      const outcome = await applyInProcess(target);
      assert.ok(!outcome.ok, `${column}: apply went ahead`);
      assert.equal(outcome.refusal.code, "POLICY_VIOLATION", `${column}: ${outcome.refusal.message}`);
      assert.equal(jobsOf(target), 0, `${column}: a writeback job was recorded`);
      if (column === "id") editStore(store, "DELETE FROM proposals WHERE id = ?", target);
    }
    assert.deepEqual(await invoices(), rowsBefore, "no invoice changed");
  });

  const DECISION_EDITS: [string, () => string | null][] = [
    ["id", () => "apr_edited00000000000000"],
    ["proposal_id", () => "wrp_elsewhere0000000000"],
    ["tenant_id", () => "tenant_globex"],
    ["decision", () => "rejected"],
    ["actor", () => "mallory"],
    ["role", () => "intern"],
    ["reason", () => "edited"],
    ["proposal_hash", () => "0".repeat(64)],
    ["proposal_mac", () => "f".repeat(64)],
    ["before_hash", () => "0".repeat(64)],
    ["created_at", () => "2020-01-01T00:00:00.000Z"],
    ["key_id", () => keyIdOf(OTHER_KEY)],
    ["mac", () => "f".repeat(64)],
  ];

  test("every column of an approval edited in the file: apply refuses and writes nothing", async () => {
    const rowsBefore = await invoices();
    for (const [column, value] of DECISION_EDITS) {
      const id = await propose("INV-3001");
      await approve(id);
      editStore(store, `UPDATE decisions SET ${column} = ? WHERE proposal_id = ?`, value(), id);
      const outcome = await applyInProcess(id);
      assert.ok(!outcome.ok, `${column}: apply went ahead`);
      // With proposal_id moved away the proposal has no approval left at all; every other edit is a MAC failure.
      assert.equal(outcome.refusal.code, column === "proposal_id" ? "APPROVAL_REQUIRED" : "POLICY_VIOLATION", `${column}: ${outcome.refusal.message}`);
      assert.equal(jobsOf(id), 0, `${column}: a writeback job was recorded`);
    }
    assert.deepEqual(await invoices(), rowsBefore, "no invoice changed");
  });

  test("through the real CLI: an edited state, a redirected target, an edited approval and a copied approval are refused; list, show and replay mark them", async () => {
    const rowsBefore = await invoices();
    const state = await propose("INV-3001");
    editStore(store, "UPDATE proposals SET state = 'approved' WHERE id = ?", state);
    const redirected = await propose("INV-3001");
    await approve(redirected);
    // Another tenant's invoice, with the tenant guard and scope moved along and the hash recomputed.
    const r = storeRow(store, "proposals", redirected);
    editStore(store, "UPDATE proposals SET tenant_id = 'tenant_globex', object_id = 'INV-4001', target = ?, guards = ? WHERE id = ?",
      JSON.stringify({ ...JSON.parse(r.target), primaryKey: { column: "id", value: "INV-4001" } }),
      JSON.stringify({ ...JSON.parse(r.guards), tenant: { column: "tenant_id", value: "tenant_globex" } }), redirected);
    rehashProposal(store, redirected);
    const actor = await propose("INV-3001");
    await approve(actor);
    editStore(store, "UPDATE decisions SET actor = 'someone-else' WHERE proposal_id = ?", actor);
    const a = await propose("INV-3001");
    await approve(a);
    const b = await propose("INV-3003");
    await approve(b);
    const fromA = decisionOf(store, a);
    const bRow = storeRow(store, "proposals", b);
    editStore(store, "DELETE FROM decisions WHERE proposal_id = ?", b);
    editStore(store, `INSERT INTO decisions (id, proposal_id, tenant_id, decision, actor, role, reason, proposal_hash, proposal_mac, before_hash, created_at, key_id, mac)
      VALUES ('apr_copied0000000000000', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, b, fromA.tenant_id, fromA.decision, fromA.actor, fromA.role,
      fromA.reason, bRow.hash, bRow.mac, fromA.before_hash, fromA.created_at, fromA.key_id, fromA.mac);

    for (const id of [state, redirected, actor, b]) {
      const applied = await applyCli(id);
      assert.equal(applied.code, 1, `${id}: ${applied.stderr}`);
      assert.equal(applied.body.error.code, "POLICY_VIOLATION");
      assert.match(applied.body.error.message, /changed outside synapsor-runner, or was written with a key this process does not have/);
      assert.ok(applied.body.error.message.includes(keyIdOf(KEY)), "names the key id");
      assert.match(applied.body.error.message, /environment variable TEST_LEDGER_KEY/);
      assert.equal(jobsOf(id), 0);
    }
    assert.equal((await applyCli(a)).body.error?.code, undefined, "A's own approval is intact and applies");
    assert.deepEqual((await invoices()).filter((x) => x.id !== "INV-3001"), rowsBefore.filter((x) => x.id !== "INV-3001"), "nothing else changed");

    const list = await cli(["proposals", "list", "--store", store, "--config", built.configPath, "--limit", "500"]);
    assert.match(list.stdout, new RegExp(`${redirected} .*NOT VERIFIED`));
    assert.match(list.stdout, /do not verify against the ledger keys/);
    const listed = JSON.parse((await cli(["proposals", "list", "--store", store, "--config", built.configPath, "--json", "--limit", "500"])).stdout);
    assert.equal(listed.find((p: { id: string }) => p.id === redirected).verification.verified, false);
    const show = JSON.parse((await cli(["proposals", "show", actor, "--store", store, "--config", built.configPath, "--json"])).stdout);
    assert.equal(show.verified, false);
    assert.equal(show.decisions[0].verification.verified, false);
    const replay = await cli(["replay", "show", b, "--store", store, "--config", built.configPath]);
    assert.match(replay.stdout, /NOT VERIFIED/);
    assert.match(JSON.parse((await cli(["replay", "show", state, "--store", store, "--config", built.configPath, "--json"])).stdout).proposal.verification.message, /state \(approved\)/);
  });

  test("proposals expire --stale-plan retires what a config edit stranded, as events that replay shows", async () => {
    const stale = join(root, "stale.db");
    const second = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", stale]);
    const proposeHere = async (invoice: string) =>
      envelopeOf(await second.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: invoice, new_late_fee_cents: 0, reason: "r" } })).proposal.id as string;
    try {
      const waiting = await proposeHere("INV-3003");
      const ready = await proposeHere("INV-3003");
      const yes = await cli(["proposals", "approve", ready, "--store", stale, "--config", built.configPath, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.equal(yes.code, 0, yes.stderr);

      const expire = (config: string, ...extra: string[]) =>
        cli(["proposals", "expire", "--stale-plan", "--config", config, "--from-env", "SUPPORT_DB_READ_URL", "--store", stale, "--json", ...extra]);
      const unchanged = JSON.parse((await expire(built.configPath)).stdout);
      assert.deepEqual([unchanged.expired, unchanged.current], [[], 2], "the plan still matches: nothing expires");
      // Without --schema or --from-env it compiles as apply does: here, the live schema of the read URL.
      const defaulted = await cli(["proposals", "expire", "--stale-plan", "--config", built.configPath, "--store", stale, "--json", "--dry-run"]);
      assert.equal(defaulted.code, 0, defaulted.stderr);
      assert.deepEqual(JSON.parse(defaulted.stdout).current, 2);
      assert.match(defaulted.stderr, /live schema of source 'app_db' \(SUPPORT_DB_READ_URL\)/);

      const edited = exampleConfigFor("postgres");
      edited.storage.ledger_key_env = "TEST_LEDGER_KEY";
      edited.capabilities.find((c: { name: string }) => c.name === "billing.propose_late_fee_waiver").numeric_bounds.late_fee_cents.maximum = 9000;
      const editedPath = join(built.dir, "edited.runner.json");
      writeFileSync(editedPath, JSON.stringify(edited, null, 2));

      // A third proposal whose state was set in the file without the key: neither run may expire it.
      const tampered = await proposeHere("INV-3003");
      const file = new DatabaseSync(stale);
      file.prepare("UPDATE proposals SET state = 'approved' WHERE id = ?").run(tampered);
      file.close();

      const dry = JSON.parse((await expire(editedPath, "--dry-run")).stdout);
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.expired.map((e: { id: string }) => e.id).sort(), [waiting, ready].sort());
      assert.deepEqual(dry.skipped.map((e: { id: string }) => e.id), [tampered], "the dry run skips what the real run would refuse");
      assert.equal(count(stale, "SELECT COUNT(*) AS n FROM proposals WHERE state = 'expired'"), 0, "a dry run changes nothing");

      const run = await expire(editedPath);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(run.stdout);
      assert.deepEqual(report.expired.map((e: { id: string; reason: string }) => [e.id, e.reason]).sort(), [[ready, "plan_changed"], [waiting, "plan_changed"]].sort());
      assert.deepEqual(report.skipped.map((e: { id: string }) => e.id), [tampered]);
      for (const e of report.expired) assert.notEqual(e.recordedPlanHash, e.currentPlanHash);
      assert.equal(count(stale, "SELECT COUNT(*) AS n FROM proposals WHERE state = 'expired'"), 2);

      const replay = await cli(["replay", "show", ready, "--store", stale, "--config", editedPath]);
      assert.match(replay.stdout, /Current state: \*\*expired\*\*/);
      assert.match(replay.stdout, /proposal_expired/);
      assert.match(replay.stdout, /Expired at .*stale_plan/);
      const applied = await cli(["apply", "--proposal", ready, "--config", editedPath, "--store", stale, "--json"]);
      assert.equal(JSON.parse(applied.stdout).error.code, "APPROVAL_REQUIRED");
      const text = await cli(["proposals", "expire", "--stale-plan", "--config", editedPath, "--from-env", "SUPPORT_DB_READ_URL", "--store", stale]);
      assert.match(text.stdout, /No open proposal is stranded/);
      const noMode = await cli(["proposals", "expire", "--config", editedPath, "--store", stale]);
      assert.equal(noMode.code, 1);
      assert.match(noMode.stderr, /--stale-plan/);
    } finally {
      await second.close();
    }
  });
});

describe("the key file, through the CLI", () => {
  const plainEnv = (): NodeJS.ProcessEnv => {
    const { SYNAPSOR_LEDGER_KEY: _a, TEST_LEDGER_KEY: _b, ...rest } = process.env;
    return rest;
  };
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...plainEnv(), ...extra } });
  let n = 0;
  const newStore = () => join(root, `keyfile-${++n}`, "local.db");
  const proposal = (): NewProposal => ({
    capability: "billing.propose_late_fee_waiver",
    tenantId: "tenant_acme",
    principal: "agent-7",
    source: "app_db",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
    before: { id: "INV-3001", status: "overdue", late_fee_cents: 2500 },
    patch: { late_fee_cents: 0, status: "open" },
    after: { id: "INV-3001", status: "open", late_fee_cents: 0 },
    guards: { tenant: { column: "tenant_id", value: "tenant_acme" } },
    args: { invoice_id: "INV-3001" },
    evidenceId: "ev_4ox7tv3e22z723iicysc",
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "direct_sql", type: "sql_update" },
    planHash: "ab".repeat(32),
  });
  /** A proposal made the way the server makes one when no key variable is set: sealed with the key file. */
  const propose = async (path: string) => {
    const ledger = await openLedger({ path, keys: openKeyRing({ storePath: path, env: {} }) });
    try {
      return await ledger.proposals.create(proposal());
    } finally {
      await ledger.close();
    }
  };

  test("status shows ids and ages only; rotate adds a new active key and old proposals keep verifying", async () => {
    const path = newStore();
    const first = await propose(path);
    const status = await cli(["store", "key", "status", "--store", path, "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const before = JSON.parse(status.stdout);
    assert.equal(before.source, `the key file ${keyFilePath(path)}`);
    assert.equal(before.active, first.verification.keyId);
    assert.deepEqual(before.keys.map((k: { id: string; active: boolean; ageDays: number }) => [k.id, k.active, k.ageDays]), [[first.verification.keyId, true, 0]]);
    const secret = JSON.parse(readFileSync(keyFilePath(path), "utf8")).keys[0].secret;
    assert.ok(!status.stdout.includes(secret));

    const rotated = await cli(["store", "key", "rotate", "--store", path, "--json"]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const r = JSON.parse(rotated.stdout);
    assert.deepEqual(r.retired, [first.verification.keyId]);
    assert.ok(!rotated.stdout.includes(secret));
    const text = await cli(["store", "key", "status", "--store", path]);
    assert.match(text.stdout, new RegExp(`${r.active}\\s+active`));
    assert.match(text.stdout, new RegExp(`${first.verification.keyId}\\s+retired`));

    const old = JSON.parse((await cli(["proposals", "show", first.id, "--store", path, "--json"])).stdout);
    assert.equal(old.verified, true, "proposals sealed with the retired key still verify");
    const next = await propose(path);
    assert.equal(next.verification.keyId, r.active);
    const approve = await cli(["proposals", "approve", first.id, "--store", path, "--actor", "dana", "--role", "billing_lead", "--yes", "--json"]);
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal(JSON.parse(approve.stdout).decision.verification.keyId, r.active);

    const envKeys = await cli(["store", "key", "rotate", "--store", path], { SYNAPSOR_LEDGER_KEY: KEY });
    assert.equal(envKeys.code, 1);
    assert.match(envKeys.stderr, /come from the environment variable SYNAPSOR_LEDGER_KEY, not from a key file/);
  });

  test("a key file with mode 0644 is refused with the chmod that fixes it", async () => {
    const path = newStore();
    await propose(path);
    chmodSync(keyFilePath(path), 0o644);
    const r = await cli(["proposals", "list", "--store", path]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /can be read or written by other users \(mode 0644\)/);
    assert.ok(r.stderr.includes(`chmod 600 ${keyFilePath(path)}`));
  });

  test("a deleted key file: pending proposals are reported unverifiable and cannot be approved; the message names the key and the file", async () => {
    const path = newStore();
    const p = await propose(path);
    unlinkSync(keyFilePath(path));
    const shown = await cli(["proposals", "show", p.id, "--store", path]);
    assert.match(shown.stdout, /NOT VERIFIED/);
    const r = await cli(["proposals", "approve", p.id, "--store", path, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(`was sealed with key ${p.verification.keyId}, which this process does not have`));
    assert.ok(r.stderr.includes(keyFilePath(path)));
    assert.equal(existsSync(keyFilePath(path)), false, "the refusal did not create a new key");
  });

  test("an old store (migrations 1–4 only) opens; its proposals are listed as unverifiable and approval says to re-propose", async () => {
    const path = newStore();
    mkdirSync(join(path, ".."), { recursive: true });
    const db = new DatabaseSync(path);
    applyMigrations(db, MIGRATIONS.filter((m) => m.version <= 4));
    const p = proposal();
    db.prepare(`INSERT INTO proposals (id, hash, state, capability, tenant_id, principal, source, target_table, object_id, target,
      before_row, patch, after_row, guards, args, evidence_id, approval, executor, created_at, updated_at, plan_hash)
      VALUES ('wrp_2222222222oldstore1', ?, 'review_required', ?, ?, ?, ?, 'public.invoices', 'INV-3001', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      changeSetHash(p), p.capability, p.tenantId, p.principal, p.source, JSON.stringify(p.target), JSON.stringify(p.before), JSON.stringify(p.patch),
      JSON.stringify(p.after), JSON.stringify(p.guards), JSON.stringify(p.args), p.evidenceId, JSON.stringify(p.approval), JSON.stringify(p.executor),
      "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", p.planHash!);
    db.close();

    const list = await cli(["proposals", "list", "--store", path]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /wrp_2222222222oldstore1 .*NOT VERIFIED/);
    const approve = await cli(["proposals", "approve", "wrp_2222222222oldstore1", "--store", path, "--actor", "dana", "--role", "billing_lead", "--yes", "--json"]);
    assert.equal(approve.code, 1);
    const error = JSON.parse(approve.stdout).error;
    assert.equal(error.code, "UNVERIFIED");
    assert.match(error.message, /stored before review records were sealed with a keyed MAC.*Propose the change again/);
    const replay = await cli(["replay", "show", "wrp_2222222222oldstore1", "--store", path, "--json"]);
    assert.equal(JSON.parse(replay.stdout).verified, false);
  });
});
