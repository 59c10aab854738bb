// `synapsor-runner smoke call` as a newcomer runs it: the real CLI, the compiled server it builds
// (the same cache entry `mcp serve` uses), a real Postgres and a real MariaDB.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, renameSync, symlinkSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "../support/cli.ts";
import { createMysqlDatabase, createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { runSmokeCall } from "../../operator/smoke/run-smoke-call.ts";

const SECRET_PASSWORD = "Pw-smoke-NEVER-LEAK-4c1d";
const WRONG_PASSWORD = "Wrong-smoke-Pw-NEVER-LEAK-77e1";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`smoke call on ${engine}`, () => {
    let db: TestDatabase;
    let dir: string;
    let configPath: string;
    let store: string;
    let env: NodeJS.ProcessEnv;
    const reader = `smk_${Date.now().toString(36).slice(-6)}`;

    before(async () => {
      db = engine === "postgres" ? await createPostgresDatabase("srsmoke") : await createMysqlDatabase("srsmoke");
      await seedExample(db);
      const url = new URL(db.url);
      if (engine === "postgres") url.password = SECRET_PASSWORD; // trusted locally and ignored; must never be printed
      env = {
        PATH: process.env.PATH ?? "",
        SUPPORT_DB_READ_URL: url.toString(),
        SUPPORT_DB_WRITE_URL: url.toString(),
        SYNAPSOR_TENANT_ID: "tenant_acme",
        SYNAPSOR_PRINCIPAL: "agent-smoke",
      };
      dir = tempDir("synapsor-smoke-");
      configPath = join(dir, "synapsor.runner.json");
      store = join(dir, "smoke.db");
      // A snapshot of the live schema, as `init` leaves one: a call with a wrong login still builds.
      const snapshot = await runCli(["inspect", "--from-env", "SUPPORT_DB_READ_URL", "--json", "--output", join(dir, "synapsor.schema.json")], { env });
      assert.equal(snapshot.code, 0, snapshot.stderr);
      writeFileSync(configPath, JSON.stringify({ ...exampleConfigFor(engine), build: { schema_snapshot: "synapsor.schema.json" } }, null, 2) + "\n");
      if (engine === "mysql") await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'right-password'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%'`);
    });

    after(async () => {
      if (engine === "mysql") await db?.exec(`DROP USER IF EXISTS '${reader}'@'%'`).catch(() => undefined);
      await db?.drop();
    });

    const smoke = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
      runCli(["smoke", "call", "--config", configPath, "--store", store, ...args], { env: { ...env, ...extraEnv } });

    test("a read by its canonical name: --json prints only the envelope, exit 0", async () => {
      const r = await smoke(["--tool", "billing.inspect_invoice", "--args", '{"invoice_id":"INV-3001"}', "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const envelope = JSON.parse(r.stdout);
      assert.equal(envelope.ok, true);
      assert.equal(envelope.action, "billing.inspect_invoice");
      assert.equal(envelope.data.id, "INV-3001");
      assert.equal(envelope._meta.tenant_id, "tenant_acme");
      assert.match(envelope.evidence.bundle_id, /^ev_/);
      assert.equal((r.stdout + r.stderr).includes(SECRET_PASSWORD), false);
    });

    test("the readable summary names the tool, the outcome, the rows and the commands to look further", async () => {
      const r = await smoke(["--tool", "support.list_open_tickets", "--args", '{"customer_id":"C-101"}']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /smoke call support\.list_open_tickets \[read\]: ok/);
      assert.match(r.stdout, /rows: 2/);
      assert.match(r.stdout, /evidence: ev_/);
      assert.ok(r.stdout.includes(`synapsor-runner events tail --store ${store}`), r.stdout);
      assert.ok(r.stdout.includes(`synapsor-runner mcp serve --config ${configPath} --store ${store}`), r.stdout);
    });

    test("a proposal by its OpenAI-style alias lands in the ledger the review commands read", async () => {
      const r = await smoke([
        "--tool", "billing__propose_late_fee_waiver",
        "--args", '{"invoice_id":"INV-3001","new_late_fee_cents":0,"reason":"Customer disputed the fee in ticket T-1001."}',
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /smoke call billing__propose_late_fee_waiver \(billing\.propose_late_fee_waiver\) \[proposal\]: ok/);
      const id = /proposal: (\S+) \(review_required\)/.exec(r.stdout)?.[1];
      assert.ok(id, r.stdout);
      assert.ok(r.stdout.includes(`synapsor-runner proposals show ${id} --store ${store}`), r.stdout);
      assert.ok(r.stdout.includes(`synapsor-runner replay show ${id} --store ${store}`), r.stdout);
      const listed = await runCli(["proposals", "list", "--store", store, "--json"], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(JSON.parse(listed.stdout).some((p: any) => (p.proposal?.id ?? p.id) === id), listed.stdout);
    });

    test("a call that is not ok still prints only the envelope with --json, and exits 1", async () => {
      const r = await smoke(["--tool", "billing.inspect_invoice", "--args", '{"invoice_id":"INV-NOPE"}', "--json"]);
      assert.equal(r.code, 1, r.stderr);
      const envelope = JSON.parse(r.stdout);
      assert.equal(envelope.ok, false);
      assert.equal(envelope.error.code, "NOT_FOUND_IN_TENANT");
      const invalid = await smoke(["--tool", "billing.inspect_invoice", "--args", '{"invoice_id":42}', "--json"]);
      assert.equal(invalid.code, 1);
      assert.equal(JSON.parse(invalid.stdout).error.code, "INVALID_ARGUMENT");
    });

    test(".synapsor/smoke-input.json supplies the tool and arguments; a hostile one is refused", async () => {
      const inputDir = join(dir, ".synapsor");
      const inputPath = join(inputDir, "smoke-input.json");
      // The real .synapsor also holds the build cache: set aside, never deleted, so the calls after this test reuse the server.
      const keptDir = join(dir, ".synapsor-kept");
      const outside = join(dir, "outside");
      mkdirSync(inputDir, { recursive: true });
      try {
        writeFileSync(inputPath, JSON.stringify({ tool: "support.list_open_tickets", args: { customer_id: "C-101" } }));
        const used = await smoke(["--json"]);
        assert.equal(used.code, 0, used.stderr);
        const envelope = JSON.parse(used.stdout);
        assert.equal(envelope.action, "support.list_open_tickets");
        assert.equal(envelope.data.count, 2);

        const hostile: [string, string | object][] = [
          ["a tool name carrying escapes", { tool: "billing.inspect_invoice\u001b]0;pwned\u0007", args: {} }],
          ["args that are not an object", { tool: "billing.inspect_invoice", args: ["INV-3001"] }],
          ["an unexpected field", { args: {}, command: "rm -rf /" }],
          ["deep nesting", { args: JSON.parse("{\"a\":".repeat(40) + "1" + "}".repeat(40)) }],
          ["not JSON", "{ tool: billing"],
        ];
        for (const [what, content] of hostile) {
          writeFileSync(inputPath, typeof content === "string" ? content : JSON.stringify(content));
          const r = await smoke(["--json"]);
          assert.equal(r.code, 1, `${what}: ${r.stderr}`);
          assert.equal(r.stdout, "", what);
          assert.match(r.stderr, /smoke-input\.json/, what);
          assert.equal(r.stderr.includes("\u001b"), false, what);
        }
        rmSync(inputPath);
        writeFileSync(join(dir, "elsewhere.json"), JSON.stringify({ args: { invoice_id: "INV-3001" } }));
        symlinkSync(join(dir, "elsewhere.json"), inputPath);
        const linked = await smoke(["--json"]);
        assert.equal(linked.code, 1);
        assert.match(linked.stderr, /not a regular file/);
        rmSync(inputPath);

        // A planted file may not make a bare smoke call record a proposal: that needs --tool.
        writeFileSync(inputPath, JSON.stringify({ tool: "billing.propose_late_fee_waiver", args: { invoice_id: "INV-3001", reason: "planted" } }));
        const planted = await smoke(["--json"]);
        assert.equal(planted.code, 1, planted.stdout);
        assert.equal(planted.stdout, "");
        assert.match(planted.stderr, /not a read tool.*--tool billing\.propose_late_fee_waiver/s);
        rmSync(inputPath);

        // A linked .synapsor directory is not followed either.
        renameSync(inputDir, keptDir);
        mkdirSync(outside, { recursive: true });
        // The call builds (or reuses) its server before it reads the input; the build cache goes along
        // to the link's target so this refusal costs no rebuild. What is refused is the input file.
        if (existsSync(join(keptDir, "cache"))) renameSync(join(keptDir, "cache"), join(outside, "cache"));
        writeFileSync(join(outside, "smoke-input.json"), JSON.stringify({ args: { invoice_id: "INV-3001" } }));
        symlinkSync(outside, inputDir);
        const linkedDir = await smoke(["--json"]);
        assert.equal(linkedDir.code, 1);
        assert.match(linkedDir.stderr, /not a directory/);
      } finally {
        if (lstatSync(inputDir, { throwIfNoEntry: false })?.isSymbolicLink()) rmSync(inputDir);
        if (existsSync(join(outside, "cache"))) renameSync(join(outside, "cache"), join(keptDir, "cache"));
        if (existsSync(keptDir)) renameSync(keptDir, inputDir);
        rmSync(inputPath, { force: true });
        mkdirSync(inputDir, { recursive: true });
      }
    });

    test("an unknown tool, bad --args and a missing trusted context are refused before any call", async () => {
      const unknown = await smoke(["--tool", "billing.nope", "--json"]);
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stdout, "");
      assert.match(unknown.stderr, /no tool named 'billing\.nope'.*billing\.inspect_invoice/);
      const badArgs = await smoke(["--args", "[1]"]);
      assert.equal(badArgs.code, 1);
      assert.match(badArgs.stderr, /--args must be a JSON object/);
      const noContext = await smoke(["--json"], { SYNAPSOR_TENANT_ID: "" });
      assert.equal(noContext.code, 1);
      assert.equal(noContext.stdout, "");
      assert.match(noContext.stderr, /SYNAPSOR_TENANT_ID/);
    });

    test("a refused login: CONFIGURATION_ERROR, not retryable; one redacted log line as a hint; recorded for errors list", async () => {
      const url = new URL(db.url);
      // Local Postgres trusts every password, so there the login fails on an unknown role.
      url.username = engine === "mysql" ? reader : `no_such_role_${reader}`;
      url.password = WRONG_PASSWORD;
      const loginStore = join(dir, "login.db");
      const r = await runCli(
        ["smoke", "call", "--config", configPath, "--store", loginStore, "--tool", "billing.inspect_invoice", "--args", '{"invoice_id":"INV-3001"}', "--json"],
        { env: { ...env, SUPPORT_DB_READ_URL: url.toString() } },
      );
      assert.equal(r.code, 1, r.stderr);
      const envelope = JSON.parse(r.stdout);
      assert.deepEqual([envelope.ok, envelope.error.code, envelope.error.retryable], [false, "CONFIGURATION_ERROR", false]);
      const hints = r.stderr.split("\n").filter((l) => l.includes("source_unavailable"));
      assert.equal(hints.length, 1, r.stderr);
      assert.match(hints[0]!, /SUPPORT_DB_READ_URL: the database refused the login/);
      assert.equal((r.stdout + r.stderr).includes(WRONG_PASSWORD), false);

      const recorded = await runCli(["errors", "list", "--store", loginStore, "--code", "CONFIGURATION_ERROR", "--json"], { env });
      assert.equal(recorded.code, 0, recorded.stderr);
      const errors = JSON.parse(recorded.stdout);
      assert.equal(errors.length, 1);
      assert.equal(errors[0].capability, "billing.inspect_invoice");
      assert.equal(recorded.stdout.includes(WRONG_PASSWORD), false);
    });

    test("runSmokeCall: the caller's tenant and principal apply to this call only", async () => {
      const saved = { ...process.env };
      // The test process has none of the variables; the caller passes them for this call.
      const outcome = await runSmokeCall({
        configPath,
        storePath: store,
        tool: "billing.inspect_invoice",
        args: { invoice_id: "INV-3001" },
        env: { ...(env as Record<string, string>), SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "wizard-user" },
      });
      assert.deepEqual({ ...process.env }, saved);
      assert.equal(outcome.called, true);
      if (!outcome.called) return;
      assert.equal(outcome.envelope.ok, true);
      assert.equal((outcome.envelope._meta as any).principal, "wizard-user");
      assert.equal(outcome.toolName, "billing.inspect_invoice");
      assert.equal(outcome.storePath, store);
    });
  });
}
