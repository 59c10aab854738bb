// Store lifecycle with real compiled servers on real Postgres (SPEC §5): the lease a serving
// process writes and removes, a second server refused unless --allow-concurrent-store, the
// destructive store commands refusing a live lease without --force, erase leaving no byte of a
// tenant's row values in the SQLite file and its WAL, verify finding an edited event, stats as
// JSON. One build for the whole file; the store commands run through the real CLI.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, tempDir, type StdioSession } from "../support/compiled-server.ts";
import { runCli, runProcess } from "../support/cli.ts";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { EXAMPLE_DIR, seedExample } from "../support/example.ts";
import { editStore } from "../support/ledger-file.ts";
import { leasePath, readLease } from "../../runtime/ledger/lease.ts";
import { checkLease } from "../../operator/doctor/store.ts";

const ACME_TICKET = "Invoice PDF is missing line items"; // tenant_acme, customer C-101
const GLOBEX_TICKET = "Charged twice for INV-4001"; // tenant_globex, customer C-201
const ACME_REASON = "erase-me: acme waiver reason 7f3k";

describe("store lifecycle under real servers", () => {
  let built: Awaited<ReturnType<typeof buildServer>>;
  let db: TestDatabase;
  const envFor = (tenant: string) => ({ SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: tenant, SYNAPSOR_PRINCIPAL: `agent-${tenant}` });

  before(async () => {
    db = await createPostgresDatabase("srlc");
    await seedExample(db);
    const config = exampleConfigFor("postgres");
    config.build = { schema_snapshot: join(EXAMPLE_DIR, "synapsor.schema.json") };
    built = await buildServer(config, process.env);
  });
  after(() => db?.drop());

  const serve = (store: string, tenant: string, extra: string[] = []) => connectStdio(built.serverPath, built.runDir, envFor(tenant), ["--store", store, ...extra]);
  const call = async (s: StdioSession, name: string, args: Record<string, unknown>) => envelopeOf(await s.client.callTool({ name, arguments: args }));
  const store = (...args: string[]) => runCli(["store", ...args]);

  async function waitFor(what: string, done: () => boolean): Promise<void> {
    for (let i = 0; i < 300 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(done(), what);
  }
  const pidIsGone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  test("a server writes the lease; prune and reset refuse it, prune goes on with --force; doctor shows it; SIGTERM removes it", async () => {
    const path = join(tempDir("lease-"), "ledger.db");
    const s = await serve(path, "tenant_acme");
    try {
      assert.equal((await call(s, "billing.inspect_invoice", { invoice_id: "INV-3001" })).ok, true);
      const lease = readLease(path);
      assert.equal(lease.state, "live");
      assert.equal(lease.holders.length, 1);
      const holder = lease.holders[0]!;
      assert.deepEqual([holder.transport, holder.mode, holder.status], ["stdio", "review", "live"]);
      assert.equal(statSync(leasePath(path)).mode & 0o777, 0o600);
      const text = readFileSync(leasePath(path), "utf8");
      assert.ok(!text.includes(db.url) && !text.includes("postgres://"), "no URL in the lease");

      const doctor = checkLease(path);
      assert.equal(doctor.status, "warn");
      assert.match(doctor.message, new RegExp(`pid ${holder.pid}, started ${holder.started_at.replace(/[.]/g, "\\.")}.*live`));

      const refused = await store("prune", "--store", path, "--older-than", "1h", "--yes");
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`store prune refused: .*stdio server \\(pid ${holder.pid}.*--force`));
      const forced = await store("prune", "--store", path, "--older-than", "1h", "--yes", "--force");
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stderr, /--force: going on although the store is leased/);

      const resetRefused = await store("reset", "--store", path, "--yes");
      assert.equal(resetRefused.code, 1);
      assert.match(resetRefused.stderr, /store reset refused: .*in use by a stdio server/);
      assert.ok(existsSync(path));

      assert.equal(existsSync(leasePath(path)), true);
      process.kill(holder.pid, "SIGTERM");
      await waitFor("the server exits on SIGTERM", () => pidIsGone(holder.pid));
      assert.equal(existsSync(leasePath(path)), false, "SIGTERM removed the lease");
    } finally {
      await s.close();
    }
  });

  test("two servers, one store: refused, then both with --allow-concurrent-store; each removes itself at exit; erase, verify and stats on what they wrote", async () => {
    const path = join(tempDir("two-servers-"), "ledger.db");
    const acme = await serve(path, "tenant_acme");
    try {
      assert.equal((await call(acme, "support.list_open_tickets", { customer_id: "C-101" })).ok, true);
      const proposed = await call(acme, "billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: ACME_REASON });
      assert.equal(proposed.ok, true, JSON.stringify(proposed));

      const second = await runProcess(process.execPath, [built.serverPath, "serve", "--transport", "stdio", "--store", path], {
        env: { PATH: process.env.PATH ?? "", ...envFor("tenant_globex") }, cwd: built.runDir, input: "",
      });
      assert.equal(second.code, 2, second.stderr);
      assert.match(second.stderr, /already used by a stdio server \(pid \d+.*Stop the other server, or give this one its own --store.*--allow-concurrent-store/s);
      assert.ok(!second.stderr.includes(db.url));

      const globex = await serve(path, "tenant_globex", ["--allow-concurrent-store"]);
      try {
        assert.equal(readLease(path).holders.length, 2);
        assert.equal((await call(globex, "support.list_open_tickets", { customer_id: "C-201" })).ok, true);
      } finally {
        await globex.close();
      }
      await waitFor("the second server leaves the lease", () => readLease(path).holders.length === 1);
    } finally {
      await acme.close();
    }
    await waitFor("the last server removes the lease file", () => !existsSync(leasePath(path)));

    const stats = await store("stats", "--store", path, "--json");
    assert.equal(stats.code, 0, stats.stderr);
    const s = JSON.parse(stats.stdout);
    assert.equal(typeof s, "object");
    assert.ok(s.file_bytes > 0 && s.schema_version >= 7, stats.stdout);
    assert.deepEqual([s.records.query_audit >= 3, s.records.proposals, s.proposal_states.review_required, s.lease.state], [true, 1, 1, "none"]);

    const preview = await store("erase", "--store", path, "--tenant", "tenant_acme", "--json");
    assert.equal(preview.code, 0, preview.stderr);
    assert.equal(JSON.parse(preview.stdout).dry_run, true);
    assert.ok(rawBytes(path).includes(ACME_TICKET), "the preview changed nothing");

    const erased = await store("erase", "--store", path, "--tenant", "tenant_acme", "--yes");
    assert.equal(erased.code, 0, erased.stderr);
    const bytes = rawBytes(path);
    for (const value of [ACME_TICKET, ACME_REASON, "Late fee on INV-3001", "Northwind"]) assert.ok(!bytes.includes(value), `'${value}' left in the file`);
    assert.ok(bytes.includes(GLOBEX_TICKET), "the other tenant's values stay (and the scan can see them)");

    const verified = await store("verify", "--store", path, "--json");
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const report = JSON.parse(verified.stdout);
    assert.deepEqual([report.ok, report.proposals.erased, report.events.problems], [true, 1, []]);

    editStore(path, "UPDATE events SET detail = '{\"actor\":\"someone else\"}' WHERE id = 1");
    const edited = await store("verify", "--store", path);
    assert.equal(edited.code, 1, edited.stdout);
    assert.match(edited.stdout, /event 1 \(proposal_created\) does not match its hash: its content was edited/);
    assert.match(edited.stdout, /does NOT verify/);

    // Prune re-seals the chain after its deletes; over a broken one it refuses.
    const overBroken = await store("prune", "--store", path, "--older-than", "1h", "--yes");
    assert.equal(overBroken.code, 1);
    assert.match(overBroken.stderr, /event log .* does not verify .*store verify/);
  });

  test("a stale lease (its pid is gone) is replaced at start and logged; prune --dry-run lists counts and deletes nothing; storage.retention is the default age; reset --force under the server", async () => {
    const path = join(tempDir("stale-"), "ledger.db");
    const dead = await runProcess(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
    const stalePid = Number(dead.stdout);
    writeFileSync(leasePath(path), JSON.stringify({
      version: 1,
      holders: [{ pid: stalePid, hostname: hostname(), mode: "review", transport: "http", started_at: "2026-01-01T00:00:00.000Z", runner_version: "0", allow_concurrent: false }],
    }));
    const s = await serve(path, "tenant_acme");
    try {
      assert.equal((await call(s, "billing.inspect_invoice", { invoice_id: "INV-3002" })).ok, true);
      const lease = readLease(path);
      assert.deepEqual(lease.holders.map((h) => h.status), ["live"]);
      assert.notEqual(lease.holders[0]!.pid, stalePid);
      const logged = s.stderr().split("\n").filter((l) => l.includes("stale_lease_replaced")).map((l) => JSON.parse(l));
      assert.deepEqual(logged.map((l) => l.pid), [stalePid]);

      // A dry run needs no --force: it changes nothing.
      editStore(path, "UPDATE reads SET created_at = '2020-01-01T00:00:00.000Z'");
      const dryRun = await store("prune", "--store", path, "--older-than", "30d");
      assert.equal(dryRun.code, 0, dryRun.stderr);
      assert.match(dryRun.stdout, /Would delete from .* older than 30d/);
      assert.match(dryRun.stdout, /query_audit\s+1\b/);
      assert.match(dryRun.stdout, /Nothing was deleted\. Run again with --yes/);
      const stats = JSON.parse((await store("stats", "--store", path, "--json")).stdout);
      assert.equal(stats.records.query_audit, 1, "the dry run deleted nothing");
      assert.equal(stats.lease.state, "live");

      // Without --older-than, the contract's storage.retention is the age; a malformed one is a config error.
      const config = JSON.parse(readFileSync(built.configPath, "utf8"));
      const withRetention = join(tempDir("retention-"), "synapsor.runner.json");
      writeFileSync(withRetention, JSON.stringify({ ...config, storage: { ...config.storage, retention: "30d" } }));
      const byRetention = await store("prune", "--store", path, "--config", withRetention, "--json");
      assert.equal(byRetention.code, 0, byRetention.stderr);
      assert.deepEqual([JSON.parse(byRetention.stdout).older_than, JSON.parse(byRetention.stdout).deleted.query_audit], ["30d", 1]);
      writeFileSync(withRetention, JSON.stringify({ ...config, storage: { ...config.storage, retention: "30 days" } }));
      const badRetention = await store("prune", "--store", path, "--config", withRetention);
      assert.equal(badRetention.code, 1);
      assert.match(badRetention.stderr, /storage\/retention/);
      const neither = await store("prune", "--store", path);
      assert.match(neither.stderr, /pass --older-than \(e\.g\. 30d\), or --config with storage\.retention set/);

      // Reset under the running server: the server answers TEMPORARILY_UNAVAILABLE, without a path.
      const reset = await store("reset", "--store", path, "--yes", "--force", "--json");
      assert.equal(reset.code, 0, reset.stderr);
      assert.ok(JSON.parse(reset.stdout).removed.includes(path));
      const afterReset = await call(s, "billing.inspect_invoice", { invoice_id: "INV-3001" });
      assert.equal(afterReset.error?.code, "TEMPORARILY_UNAVAILABLE");
      assert.ok(!JSON.stringify(afterReset).includes(path));
    } finally {
      await s.close();
    }
  });
});

function rawBytes(path: string): string {
  return [path, `${path}-wal`].map((f) => (existsSync(f) ? readFileSync(f).toString("latin1") : "")).join("");
}
