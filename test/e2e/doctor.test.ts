// `synapsor-runner doctor` on real Postgres and MariaDB: each misconfiguration a newcomer meets is
// named by its category (wrong login, closed port, missing table, missing column, missing GRANT,
// one login for reading and writing, a read login that can write), an all-ok setup exits 0, an
// unloadable config is one failed `config` check, and no output carries a planted secret.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { runChecklist } from "../../operator/doctor/run.ts";
import { nodeAdapter } from "../../handler/node.ts";
import { CATEGORIES, type DoctorCheck, type DoctorReport } from "../../operator/doctor/check.ts";
import { CLI, runCli } from "../support/cli.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { envelopeOf } from "../support/compiled-server.ts";
import { freePort } from "../support/ports.ts";

type Engine = "postgres" | "mysql";

const READ_PASSWORD = "Rd-pass-NEVER-LEAK-4d1c";
const WRITE_PASSWORD = "Wr-pass-NEVER-LEAK-90ab";
const WRONG_PASSWORD = "Wrong-pass-NEVER-LEAK-77e2";
const HANDLER_TOKEN = "Hd-token-NEVER-LEAK-5f03";
const HTTP_TOKEN = "Http-token-NEVER-LEAK-a1b2";
const LEDGER_PASSWORD = "Ledger-pass-NEVER-LEAK-3c9e";
const SECRETS = [READ_PASSWORD, WRITE_PASSWORD, WRONG_PASSWORD, HANDLER_TOKEN, HTTP_TOKEN];

function configFor(engine: Engine, change: (capabilities: any[]) => void = () => undefined): Record<string, unknown> {
  const capabilities: any[] = [
    {
      name: "billing.inspect_invoice",
      kind: "read",
      source: "app",
      target: { table: "invoices", primary_key: "id", tenant_key: "org_id" },
      args: { invoice_id: { type: "string", required: true, max_length: 20 } },
      lookup: { id_from_arg: "invoice_id" },
      visible_columns: ["id", "status", "amount_cents"],
    },
    {
      name: "billing.propose_close",
      kind: "proposal",
      source: "app",
      target: { table: "invoices", primary_key: "id", tenant_key: "org_id" },
      args: { invoice_id: { type: "string", required: true, max_length: 20 } },
      lookup: { id_from_arg: "invoice_id" },
      visible_columns: ["id", "status"],
      patch: { status: { fixed: "closed" } },
      allowed_columns: ["status"],
      approval: { mode: "human" },
      executor: "direct_sql",
    },
  ];
  change(capabilities);
  return {
    version: 1,
    mode: "review",
    sources: { app: { engine, read_url_env: "DOC_READ_URL", write_url_env: "DOC_WRITE_URL" } },
    trusted_context: { provider: "environment", values: { tenant_id_env: "DOC_TENANT", principal_env: "DOC_PRINCIPAL" } },
    executors: {
      direct_sql: { type: "sql_update" },
      app_handler: { type: "http_handler", url_env: "DOC_HANDLER_URL", auth: { type: "bearer_env", token_env: "DOC_HANDLER_TOKEN" } },
    },
    capabilities,
  };
}

const failuresOf = (report: DoctorReport) => report.checks.filter((c) => c.status === "fail");
const categoriesOf = (report: DoctorReport) => [...new Set(failuresOf(report).map((c) => c.category))].sort();

function assertWellFormed(report: DoctorReport): void {
  for (const c of report.checks) {
    assert.ok((CATEGORIES as readonly string[]).includes(c.category), `category ${c.category}`);
    assert.ok(["ok", "warn", "fail"].includes(c.status));
    if (c.status === "ok") assert.equal(c.fix, null);
    else assert.equal(typeof c.fix, "string");
  }
  assert.equal(report.ok, report.checks.every((c) => c.status !== "fail"));
  const text = JSON.stringify(report);
  for (const secret of SECRETS) assert.equal(text.includes(secret), false, `a planted secret leaked: ${secret}`);
  assert.doesNotMatch(text, /(postgres|mysql):\/\//, "no URL is printed");
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`${engine}: doctor names each failure`, () => {
    let db: TestDatabase;
    let dir: string;
    let urls: { reader: string; writer: string; noGrant: string; wrongLogin: string; closedPort: string };
    const users: string[] = [];

    const loginUrl = (user: string, password: string, port?: number) => {
      const url = new URL(db.url);
      url.username = user;
      url.password = password;
      if (port !== undefined) url.port = String(port);
      return url.toString();
    };

    before(async () => {
      db = await createDatabase(engine, "srdoc");
      dir = mkdtempSync(join(tmpdir(), "srdoc-"));
      await db.exec("CREATE TABLE invoices (id varchar(20) PRIMARY KEY, org_id varchar(20) NOT NULL, status varchar(20) NOT NULL, amount_cents integer NOT NULL)");
      await db.exec("CREATE TABLE notes (id varchar(20) PRIMARY KEY, body varchar(200))");
      await db.exec("INSERT INTO invoices VALUES ('INV-1', 'org-1', 'open', 100)");
      const tag = db.name.slice(-8);
      const [reader, writer, noGrant] = [`dr_${tag}`, `dw_${tag}`, `dn_${tag}`];
      users.push(reader, writer, noGrant);
      if (engine === "postgres") {
        // The local server trusts every login, so passwords are not checked: a wrong login is an unknown role.
        await db.exec(
          `CREATE ROLE ${reader} LOGIN PASSWORD '${READ_PASSWORD}'; GRANT SELECT ON invoices, notes TO ${reader};
           CREATE ROLE ${writer} LOGIN PASSWORD '${WRITE_PASSWORD}'; GRANT SELECT, UPDATE ON invoices TO ${writer};
           CREATE ROLE ${noGrant} LOGIN; GRANT SELECT ON notes TO ${noGrant};`,
        );
      } else {
        await db.exec(
          `CREATE USER '${reader}'@'%' IDENTIFIED BY '${READ_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%';
           CREATE USER '${writer}'@'%' IDENTIFIED BY '${WRITE_PASSWORD}'; GRANT SELECT, UPDATE ON \`${db.name}\`.* TO '${writer}'@'%';
           CREATE USER '${noGrant}'@'%' IDENTIFIED BY '${READ_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.notes TO '${noGrant}'@'%';`,
        );
      }
      urls = {
        reader: loginUrl(reader, READ_PASSWORD),
        writer: loginUrl(writer, WRITE_PASSWORD),
        noGrant: loginUrl(noGrant, READ_PASSWORD),
        wrongLogin: engine === "postgres" ? loginUrl(`nobody_${tag}`, WRONG_PASSWORD) : loginUrl(reader, WRONG_PASSWORD),
        closedPort: loginUrl(reader, READ_PASSWORD, await freePort()),
      };
    });

    after(async () => {
      for (const user of users) {
        const drop = engine === "postgres" ? `DROP OWNED BY ${user}; DROP ROLE IF EXISTS ${user}` : `DROP USER IF EXISTS '${user}'@'%'`;
        await db?.exec(drop).catch(() => undefined);
      }
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const envWith = (over: Record<string, string> = {}): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH ?? "",
      DOC_READ_URL: urls.reader,
      DOC_WRITE_URL: urls.writer,
      DOC_TENANT: "org-1",
      DOC_PRINCIPAL: "ops@example.test",
      DOC_HANDLER_URL: `http://hook:${HANDLER_TOKEN}@127.0.0.1:9/hook`,
      DOC_HANDLER_TOKEN: HANDLER_TOKEN,
      ...over,
    });

    async function doctor(over: Record<string, string> = {}, change?: (capabilities: any[]) => void): Promise<DoctorReport> {
      const configPath = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(configPath, JSON.stringify(configFor(engine, change), null, 2));
      const report = await runChecklist({ configPath, store: join(dir, "ledger.db"), env: envWith(over) });
      assertWellFormed(report);
      return report;
    }

    const onlyFailure = (report: DoctorReport, category: string): DoctorCheck => {
      assert.deepEqual(categoriesOf(report), [category], JSON.stringify(failuresOf(report), null, 2));
      return failuresOf(report)[0]!;
    };

    test("an all-ok setup passes every check", async () => {
      const report = await doctor();
      assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status !== "ok"), null, 2));
      const names = report.checks.map((c) => c.name);
      for (const name of ["config", "source.app.connect", "source.app.schema", "source.app.read_only", "source.app.statements", "tenant_rows", "mcp.boundary", "store"]) {
        assert.ok(names.some((n) => n.startsWith(name)), `${name} was checked: ${names.join(", ")}`);
      }
    });

    test("a wrong login is `authentication`", async () => {
      const failure = onlyFailure(await doctor({ DOC_READ_URL: urls.wrongLogin }), "authentication");
      assert.equal(failure.name, "source.app.connect");
      assert.match(failure.fix!, /DOC_READ_URL/);
    });

    test("a closed port is `connection`", async () => {
      const failure = onlyFailure(await doctor({ DOC_READ_URL: urls.closedPort }), "connection");
      assert.match(failure.message, /connection refused/);
    });

    test("a URL option the MySQL driver refuses is an `environment` failure, not a crash", { skip: engine !== "mysql" }, async () => {
      const failure = onlyFailure(await doctor({ DOC_READ_URL: `${urls.reader}?ssl=bogus` }), "environment");
      assert.equal(failure.name, "source.app.connect");
      assert.match(failure.fix!, /options after '\?' in DOC_READ_URL/);
      assert.doesNotMatch(failure.message, /bogus|Unknown SSL profile/);
    });

    test("a misspelt MySQL database name is reported with the name as the first thing to check", { skip: engine !== "mysql" }, async () => {
      const misspelt = new URL(urls.reader);
      misspelt.pathname = `/${db.name}x`;
      const failure = onlyFailure(await doctor({ DOC_READ_URL: misspelt.toString() }), "permission");
      assert.match(failure.fix!, /Check the database name at the end of the URL in DOC_READ_URL/);
    });

    test("a URL of the other engine is `environment`", async () => {
      const other = engine === "postgres" ? "mysql://someone@127.0.0.1:3306/shop" : "postgres://someone@127.0.0.1:5432/shop";
      const failure = onlyFailure(await doctor({ DOC_READ_URL: other }), "environment");
      assert.equal(failure.name, "source.app.connect");
    });

    test("a missing table is `object_not_found`", async () => {
      const failure = onlyFailure(
        await doctor({}, (caps) => caps.forEach((c) => (c.target.table = "invoicez"))),
        "object_not_found",
      );
      assert.match(failure.message, /invoicez/);
      assert.doesNotMatch(failure.message, /snapshot/, "doctor reads the live database");
    });

    test("a missing column is `object_not_found`", async () => {
      const failure = onlyFailure(await doctor({}, (caps) => caps[0].visible_columns.push("colour")), "object_not_found");
      assert.match(failure.message, /colour/);
      assert.match(failure.name, /billing\.inspect_invoice/);
    });

    test("a column of another type is `type_mismatch`", async () => {
      const failure = onlyFailure(await doctor({}, (caps) => (caps[0].args.invoice_id = { type: "integer", required: true })), "type_mismatch");
      assert.match(failure.message, /invoice_id/);
    });

    test("a read login without SELECT on the table is `permission`", async () => {
      const failure = onlyFailure(await doctor({ DOC_READ_URL: urls.noGrant }), "permission");
      assert.match(failure.fix!, /Grant SELECT/);
    });

    test("the same login for reading and writing is `credentials_shared`", async () => {
      // The write URL spells the same login differently (localhost instead of 127.0.0.1).
      const same = urls.writer.replace("127.0.0.1", "localhost");
      const report = await doctor({ DOC_READ_URL: urls.writer, DOC_WRITE_URL: same });
      assert.ok(failuresOf(report).some((c) => c.category === "credentials_shared"), JSON.stringify(failuresOf(report)));
    });

    test("a MariaDB read login that can write through a role it may use is `read_only_session`", { skip: engine !== "mysql" }, async () => {
      const tag = db.name.slice(-8);
      const [login, role] = [`dro_${tag}`, `drw_${tag}`];
      users.push(login);
      try {
        await db.exec(
          `CREATE USER '${login}'@'%' IDENTIFIED BY '${READ_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.* TO '${login}'@'%';
           CREATE ROLE ${role}; GRANT UPDATE ON \`${db.name}\`.* TO ${role}; GRANT ${role} TO '${login}'@'%'; SET DEFAULT ROLE ${role} FOR '${login}'@'%';`,
        );
        const failure = onlyFailure(await doctor({ DOC_READ_URL: loginUrl(login, READ_PASSWORD) }), "read_only_session");
        assert.match(failure.message, /can change/);
      } finally {
        await db.exec(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      }
    });

    test("a MySQL column the login holds no column-level SELECT on is `permission` with the GRANT", { skip: engine !== "mysql" }, async () => {
      const login = `dcol_${db.name.slice(-8)}`;
      users.push(login);
      await db.exec(
        `CREATE USER '${login}'@'%' IDENTIFIED BY '${READ_PASSWORD}';
         GRANT SELECT (id, org_id, status) ON \`${db.name}\`.invoices TO '${login}'@'%'; GRANT SELECT ON \`${db.name}\`.notes TO '${login}'@'%';`,
      );
      const failures = failuresOf(await doctor({ DOC_READ_URL: loginUrl(login, READ_PASSWORD) })).filter((c) => /amount_cents/.test(c.message));
      assert.ok(failures.length > 0, "the ungranted column is reported");
      for (const failure of failures) {
        assert.equal(failure.category, "permission", JSON.stringify(failure));
        assert.match(failure.fix!, /GRANT SELECT \(amount_cents\) ON invoices/);
      }
    });

    test("a read login that can change the table is `read_only_session`", async () => {
      const failure = onlyFailure(await doctor({ DOC_READ_URL: urls.writer, DOC_WRITE_URL: db.url }), "read_only_session");
      assert.match(failure.message, /invoices/);
    });

    test("a tenant without rows is a warning with its fix, not a failure", async () => {
      const report = await doctor({ DOC_TENANT: "org-nobody" });
      assert.equal(report.ok, true);
      const warning = report.checks.find((c) => c.name.startsWith("tenant_rows"));
      assert.equal(warning?.status, "warn");
      assert.match(warning!.fix!, /DOC_TENANT/);
    });

    test("missing trusted-context variables are `environment` failures", async () => {
      const report = await doctor({ DOC_TENANT: "", DOC_PRINCIPAL: "" });
      assert.deepEqual(categoriesOf(report), ["environment"]);
      assert.equal(failuresOf(report).length, 2);
    });

    test("a tool named like an approval is a `boundary` failure", async () => {
      const failure = onlyFailure(await doctor({}, (caps) => (caps[0].name = "billing.approve_invoice")), "boundary");
      assert.match(failure.message, /billing\.approve_invoice/);
    });

    test("--check-handlers: an http_handler gets one OPTIONS request without a job or credentials; a command's program is looked up, never run", async () => {
      // The real handler helper's node adapter behind a recorder: what reached it, and whether a job did.
      const seen: Array<{ method: string; authorization: string | undefined }> = [];
      let jobs = 0;
      const helper = nodeAdapter(async () => {
        jobs++;
        return { status: 500, headers: {}, body: "" };
      });
      const server = createServer((req, res) => {
        seen.push({ method: req.method ?? "", authorization: req.headers.authorization });
        helper(req, res);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      const marker = join(dir, "command-ran");
      try {
        const configPath = join(dir, "handlers.json");
        const config = configFor(engine) as any;
        config.executors.app_command = { type: "command_handler", command_env: "DOC_COMMAND" };
        writeFileSync(configPath, JSON.stringify(config));
        const env = envWith({ DOC_HANDLER_URL: `http://127.0.0.1:${port}/hook`, DOC_COMMAND: `touch ${marker}` });
        const report = await runChecklist({ configPath, store: join(dir, "ledger.db"), env, checkHandlers: true });
        assertWellFormed(report);
        assert.equal(report.ok, true, JSON.stringify(failuresOf(report)));
        assert.deepEqual(seen, [{ method: "OPTIONS", authorization: undefined }]);
        assert.equal(jobs, 0, "no writeback job reached the handler");
        assert.equal(existsSync(marker), false, "the command was not run");
        const missing = await runChecklist({ configPath, store: join(dir, "ledger.db"), env: { ...env, DOC_COMMAND: "/nonexistent/apply-handler --job -" }, checkHandlers: true });
        assert.deepEqual(categoriesOf(missing), ["handler"]);
        assert.equal(failuresOf(missing)[0]!.name, "handler.app_command");
      } finally {
        server.close();
      }
    });

    test("--check-handlers: a server that answers 404 is reachable but warned about its path", async () => {
      const server = createServer((_req, res) => res.writeHead(404).end());
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const configPath = join(dir, "handler-404.json");
        writeFileSync(configPath, JSON.stringify(configFor(engine)));
        const env = envWith({ DOC_HANDLER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wrong-path` });
        const report = await runChecklist({ configPath, store: join(dir, "ledger.db"), env, checkHandlers: true });
        assertWellFormed(report);
        assert.equal(report.ok, true);
        const probe = report.checks.find((c) => c.name === "handler.app_handler");
        assert.deepEqual([probe?.status, probe?.category], ["warn", "handler"]);
        assert.match(probe!.fix!, /path in DOC_HANDLER_URL/);
      } finally {
        server.close();
      }
    });

    test("--check-writeback: the writer's rollback-only probes, in the doctor's categories", async () => {
      const configPath = join(dir, "writeback.json");
      writeFileSync(configPath, JSON.stringify(configFor(engine)));
      const report = await runChecklist({ configPath, store: join(dir, "ledger.db"), env: envWith(), checkWriteback: true });
      assertWellFormed(report);
      const probes = report.checks.filter((c) => c.name.startsWith("writeback."));
      assert.ok(probes.some((c) => c.name === "writeback.app.connect" && c.status === "ok"), JSON.stringify(probes));
      // The writer may UPDATE the invoice but no receipts table exists yet.
      const receipts = probes.find((c) => c.name === "writeback.app.receipts_table");
      assert.equal(receipts?.status, "fail");
      assert.ok(["object_not_found", "permission"].includes(receipts!.category));
      assert.match(receipts!.fix!, /writeback migration/);
    });

    test("CLI: --first-run explains the problem once and prints the next command", async () => {
      const configPath = join(dir, "first-run.json");
      writeFileSync(configPath, JSON.stringify(configFor(engine)));
      const run = await runCli(["doctor", "--config", configPath, "--store", join(dir, "ledger.db"), "--first-run"], { env: envWith({ DOC_READ_URL: urls.noGrant }) });
      assert.equal(run.code, 1);
      assert.match(run.stdout, /What it means: the login works but lacks a privilege/);
      assert.match(run.stdout, /What to do: Grant SELECT on .*invoices.* to the login in DOC_READ_URL/);
      assert.match(run.stdout, /Next: fix the problems above, then run\n  synapsor-runner doctor --config .* --first-run/);
      for (const secret of SECRETS) assert.equal(run.stdout.includes(secret), false);
    });

    test("CLI: --json prints { ok, checks } and exits 0; --report --redact --output holds no secret", async () => {
      const configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, JSON.stringify(configFor(engine), null, 2));
      const reportPath = join(dir, "doctor-report.md");
      const env = envWith();
      const run = await runCli(["doctor", "--config", configPath, "--store", join(dir, "ledger.db"), "--json", "--check-handlers", "--report", "--redact", "--output", reportPath], { env });
      const parsed = JSON.parse(run.stdout) as DoctorReport;
      assertWellFormed(parsed);
      // The handler probe fails (nothing listens on port 9): a `handler` failure, exit 1.
      assert.deepEqual(categoriesOf(parsed), ["handler"]);
      assert.equal(run.code, 1);
      const markdown = readFileSync(reportPath, "utf8");
      assert.match(markdown, /\| fail \| handler\.app_handler \| handler \|/);
      for (const text of [markdown, run.stdout, run.stderr]) {
        for (const secret of SECRETS) assert.equal(text.includes(secret), false, `a planted secret leaked: ${secret}`);
        assert.doesNotMatch(text, /(postgres|mysql|http):\/\//);
      }
      const plain = await runCli(["doctor", "--config", configPath, "--store", join(dir, "ledger.db"), "--json"], { env });
      assert.equal(plain.code, 0, plain.stdout + plain.stderr);
      assert.equal(JSON.parse(plain.stdout).ok, true);
    });
  });
}

describe("doctor: a config that cannot be loaded", () => {
  test("is one failed `config` check, still JSON, exit 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "srdoc-bad-"));
    try {
      const configPath = join(dir, "synapsor.runner.json");
      writeFileSync(configPath, '{ "version": 1, "mode": "review", "sources": ');
      const run = await runCli(["doctor", "--config", configPath, "--json"], { env: { PATH: process.env.PATH ?? "" } });
      assert.equal(run.code, 1);
      const parsed = JSON.parse(run.stdout) as DoctorReport;
      assert.equal(parsed.ok, false);
      assert.equal(parsed.checks.length, 1);
      assert.deepEqual([parsed.checks[0]!.name, parsed.checks[0]!.status, parsed.checks[0]!.category], ["config", "fail", "config"]);
      assert.equal(typeof parsed.checks[0]!.fix, "string");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const engine of ["postgres", "mysql"] as const) describe(`up --serve (${engine})`, () => {
  let db: TestDatabase;
  let dir: string;
  let reader: string;
  let readUrl: string;
  before(async () => {
    db = await createDatabase(engine, "srup");
    dir = mkdtempSync(join(tmpdir(), "srup-"));
    reader = `ur_${db.name.slice(-8)}`;
    await db.exec("CREATE TABLE invoices (id varchar(20) PRIMARY KEY, org_id varchar(20) NOT NULL, status varchar(20) NOT NULL, amount_cents integer NOT NULL)");
    await db.exec("INSERT INTO invoices VALUES ('INV-1', 'org-1', 'open', 100)");
    await db.exec(
      engine === "postgres"
        ? `CREATE ROLE ${reader} LOGIN; GRANT SELECT ON invoices TO ${reader}`
        : `CREATE USER '${reader}'@'%' IDENTIFIED BY '${READ_PASSWORD}'; GRANT SELECT ON \`${db.name}\`.invoices TO '${reader}'@'%'`,
    );
    const url = new URL(db.url);
    url.username = reader;
    url.password = READ_PASSWORD;
    readUrl = url.toString();
  });
  after(async () => {
    const drop = engine === "postgres" ? `DROP OWNED BY ${reader}; DROP ROLE IF EXISTS ${reader}` : `DROP USER IF EXISTS '${reader}'@'%'`;
    await db?.exec(drop).catch(() => undefined);
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const baseEnv = () => ({ PATH: process.env.PATH ?? "", DOC_READ_URL: readUrl, DOC_TENANT: "org-1", DOC_PRINCIPAL: "ops@example.test", DOC_HTTP_TOKEN: HTTP_TOKEN });

  function writeConfig(): string {
    const config = configFor(engine) as any;
    // Read-only: no writer, so the reader alone must pass every check.
    config.mode = "read_only";
    config.capabilities = config.capabilities.filter((c: any) => c.kind === "read");
    delete config.executors;
    delete config.sources.app.write_url_env;
    const path = join(dir, "synapsor.runner.json");
    writeFileSync(path, JSON.stringify(config, null, 2));
    return path;
  }

  test("refuses to serve when a check fails (exit 1, nothing served)", async () => {
    const configPath = writeConfig();
    const port = await freePort();
    const run = await runCli(
      ["up", "--serve", "--config", configPath, "--store", join(dir, "up.db"), "--auth-token-env", "DOC_HTTP_TOKEN", "--port", String(port)],
      { env: { ...baseEnv(), DOC_TENANT: "" } },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /✗ fail trusted_context\.tenant/);
    assert.match(run.stderr, /not serving/);
    assert.doesNotMatch(run.stderr, /server_started/);
    for (const secret of SECRETS) assert.equal(run.stderr.includes(secret) || run.stdout.includes(secret), false);
  });

  test("an unset bearer-token variable is a failed check before Ready, not a refusal after it", async () => {
    const configPath = writeConfig();
    const run = await runCli(
      ["up", "--serve", "--config", configPath, "--store", join(dir, "up.db"), "--auth-token-env", "DOC_HTTP_TOKEN", "--port", String(await freePort())],
      { env: { ...baseEnv(), DOC_HTTP_TOKEN: "" } },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /✗ fail serve\.auth_token/);
    assert.doesNotMatch(run.stderr, /Ready/);
    assert.match(run.stderr, /not serving/);
  });

  /** Starts `up --serve …` on a free port; resolves once the compiled server listens. */
  async function startUp(args: string[], env: Record<string, string>) {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, "up", "--serve", ...args, "--port", String(port)], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const stop = async () => {
      child.kill("SIGTERM");
      await exited;
    };
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 120_000);
        child.stderr!.on("data", () => {
          if (stderr.includes("server_started")) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
    } catch (err) {
      await stop();
      throw err;
    }
    return { url: `http://127.0.0.1:${port}/mcp`, stderr: () => stderr, stop };
  }

  /** One read over Streamable HTTP with the bearer token: its envelope. */
  async function callInspect(url: string): Promise<any> {
    const client = new Client({ name: "synapsor-up", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${HTTP_TOKEN}` } } }));
    try {
      return envelopeOf(await client.callTool({ name: "billing.inspect_invoice", arguments: { invoice_id: "INV-1" } }));
    } finally {
      await client.close();
    }
  }

  test("serves Streamable HTTP when every check passes; an SDK client calls a tool", async () => {
    const configPath = writeConfig();
    const up = await startUp(["--config", configPath, "--store", join(dir, "up.db"), "--from-env", "DOC_READ_URL", "--auth-token-env", "DOC_HTTP_TOKEN"], baseEnv());
    try {
      assert.match(up.stderr(), /Ready \(/);
      const e = await callInspect(up.url);
      assert.equal(e.ok, true, JSON.stringify(e));
    } finally {
      await up.stop();
    }
    for (const secret of SECRETS) assert.equal(up.stderr().includes(secret), false, `a planted secret leaked: ${secret}`);
  });

  test("up --store-url-env VAR checks that Postgres ledger, refuses it unset or beside --store, and serves on it over HTTP", { skip: engine !== "postgres" }, async () => {
    const configPath = writeConfig();
    const ledgerDb = await createDatabase("postgres", "srupledger");
    const ledgerUrl = new URL(ledgerDb.url);
    ledgerUrl.password = LEDGER_PASSWORD; // local Postgres trusts and ignores it; it must still never be printed
    const env = { ...baseEnv(), UP_LEDGER_URL: ledgerUrl.toString(), SYNAPSOR_LEDGER_KEY: "up-postgres-ledger-key-0123456789abcdef" };
    try {
      const { UP_LEDGER_URL: _unset, ...withoutUrl } = env;
      const unset = await runCli(["up", "--serve", "--config", configPath, "--store-url-env", "UP_LEDGER_URL", "--auth-token-env", "DOC_HTTP_TOKEN"], { env: withoutUrl });
      assert.equal(unset.code, 1, unset.stderr);
      assert.match(unset.stderr, /✗ fail store\b.*UP_LEDGER_URL \(the URL of the Postgres ledger\) is not set/);
      assert.match(unset.stderr, /not serving/);
      const both = await runCli(["up", "--config", configPath, "--store", join(dir, "up.db"), "--store-url-env", "UP_LEDGER_URL"], { env });
      assert.equal(both.code, 1, both.stderr);
      assert.match(both.stderr, /not both/);

      const up = await startUp(["--config", configPath, "--store-url-env", "UP_LEDGER_URL", "--from-env", "DOC_READ_URL", "--auth-token-env", "DOC_HTTP_TOKEN"], env);
      let bundle: string;
      try {
        assert.match(up.stderr(), /✓ ok +store\b.*The database in UP_LEDGER_URL answers and holds no ledger yet/);
        assert.match(up.stderr(), /"store":"postgres \(UP_LEDGER_URL\)"/);
        const e = await callInspect(up.url);
        assert.equal(e.ok, true, JSON.stringify(e));
        bundle = e.evidence.bundle_id;
      } finally {
        await up.stop();
      }
      const listed = await runCli(["evidence", "list", "--store-url-env", "UP_LEDGER_URL", "--json"], { env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout).map((item: { id: string }) => item.id), [bundle], "the read's evidence is in the ledger up served on");
      for (const output of [unset.stderr, both.stderr, up.stderr(), listed.stderr]) {
        for (const secret of [...SECRETS, LEDGER_PASSWORD, ledgerDb.name]) assert.equal(output.includes(secret), false, `leaked: ${secret}`);
      }
    } finally {
      await ledgerDb.drop();
    }
  });
});
