// `synapsor-runner audit` through the real CLI: the shipped dangerous fixture (its findings, the
// JSON shape, the exit code at every --fail-on), this project's own compiled server live over
// stdio (--command) and Streamable HTTP (--url, a bearer token from a variable), and a hostile
// server built with the SDK's McpServer whose names and descriptions carry terminal escapes,
// bidi overrides and Markdown/HTML injection, rendered in all three formats.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT, runCli, type RunResult } from "../support/cli.ts";
import { buildServer, spawnHttpServer, tempDir, type HttpServerProcess } from "../support/compiled-server.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { exampleConfigWithTools, seedExample } from "../support/example.ts";
import { firstForbidden } from "../support/hostile-text.ts";
import { HOSTILE } from "../support/hostile-mcp-server.ts";
import { freePort } from "../support/ports.ts";

const FIXTURE = join(REPO_ROOT, "examples", "dangerous-mcp-tools.json");
const HOSTILE_SERVER = fileURLToPath(new URL("../support/hostile-mcp-server.ts", import.meta.url));
const TOKEN = "tok-audit-9f31-NEVER-PRINT-77aa";

/** A path or program as one word of a --command line. */
const word = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function json(result: RunResult): any {
  assert.equal(result.stderr, "", result.stderr);
  return JSON.parse(result.stdout);
}

/** Every line free of raw control, bidi and invisible characters (the line feeds between lines are the output's own). */
function assertScreenSafe(text: string, where: string): void {
  for (const line of text.split("\n")) {
    const bad = firstForbidden(line);
    assert.equal(bad, undefined, `${where}: raw U+${bad?.codePointAt(0)?.toString(16)} in ${JSON.stringify(line.slice(0, 120))}`);
  }
}

describe("audit of the shipped dangerous fixture", () => {
  test("finds raw SQL, the credential, approvals, deletes, model-chosen tenants and unbounded lists; JSON is { findings, summary }", async () => {
    const report = json(await runCli(["audit", "--tools", FIXTURE, "--json"]));
    assert.deepEqual(Object.keys(report), ["findings", "summary"]);
    for (const f of report.findings) assert.deepEqual(Object.keys(f), ["tool", "severity", "rule", "why"]);
    assert.deepEqual(
      report.findings.map((f: any) => [f.tool, f.severity, f.rule]),
      [
        ["execute_sql", "critical", "raw-sql"],
        ["execute_sql", "critical", "credential-in-description"],
        ["delete_row", "critical", "credential-in-description"],
        ["update_invoice", "high", "model-controlled-tenant"],
        ["update_invoice", "high", "read-only-claim-on-writer"],
        ["delete_row", "high", "destructive-tool"],
        ["delete_row", "high", "model-controlled-tenant"],
        ["approve_refund", "high", "approval-tool"],
        ["execute_sql", "medium", "writer-without-destructive-hint"],
        ["execute_sql", "medium", "infrastructure-in-description"],
        ["list_tables", "medium", "unbounded-results"],
        ["search_customers", "medium", "unbounded-results"],
        ["update_invoice", "medium", "write-tool"],
        ["update_invoice", "medium", "writer-without-destructive-hint"],
        ["delete_row", "medium", "writer-without-destructive-hint"],
        ["delete_row", "medium", "infrastructure-in-description"],
        ["execute_sql", "low", "open-input-on-writer"],
        ["list_tables", "low", "missing-annotations"],
        ["describe_table", "low", "missing-annotations"],
        ["update_invoice", "low", "open-input-on-writer"],
        ["delete_row", "low", "open-input-on-writer"],
      ],
    );
    assert.deepEqual(report.summary, {
      tool_count: 7,
      tools_list_bytes: report.summary.tools_list_bytes,
      findings_by_severity: { critical: 3, high: 5, medium: 8, low: 5 },
      highest_severity: "critical",
      verdict: "risky",
    });
    assert.ok(report.summary.tools_list_bytes > 2000 && report.summary.tools_list_bytes < 3000, String(report.summary.tools_list_bytes));
    // The password is named as a finding, never repeated.
    assert.doesNotMatch(JSON.stringify(report), /hunter2/);
    assert.match(report.findings[0].why, /Raw SQL/);
  });

  test("the table shows every finding with its why, and --format json equals --json", async () => {
    const [table, asFormat, asFlag] = await Promise.all([
      runCli(["audit", "--tools", FIXTURE]),
      runCli(["audit", "--tools", FIXTURE, "--format", "json"]),
      runCli(["audit", "--tools", FIXTURE, "--json"]),
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^7 tools, \d+ bytes of tools\/list; findings: 3 critical, 5 high, 8 medium, 5 low\. Verdict: risky\.$/m);
    assert.match(table.stdout, /^SEVERITY +TOOL +RULE +WHY$/m);
    assert.match(table.stdout, /^CRITICAL +execute_sql +raw-sql +Raw SQL: its name says it runs SQL/m);
    assert.match(table.stdout, /^HIGH +delete_row +model-controlled-tenant +The model chooses the tenant or principal \("tenant_id"\)/m);
    assert.equal(table.stdout.trim().split("\n").length, 3 + 1 + 21);
    assert.equal(asFormat.stdout, asFlag.stdout);
  });

  test("exit 1 at or above --fail-on, 0 below it and without it", async () => {
    const lowOnly = join(tempDir("synapsor-audit-"), "low-only.json");
    writeFileSync(lowOnly, JSON.stringify([{ name: "describe_table", description: "Columns of one table.", inputSchema: { type: "object", properties: { table: { type: "string" } } } }]));
    // The boundaries; every threshold against every severity is test/unit/audit-rules.test.ts (failsAt).
    const cases: Array<[string, string | undefined, number]> = [
      [FIXTURE, undefined, 0],
      [FIXTURE, "critical", 1],
      [lowOnly, "low", 1],
      [lowOnly, "medium", 0],
    ];
    const results = await Promise.all(cases.map(([file, failOn]) => runCli(["audit", "--tools", file, "--json", ...(failOn ? ["--fail-on", failOn] : [])])));
    assert.deepEqual(
      results.map((r) => r.code),
      cases.map((c) => c[2]),
    );
    assert.equal(json(results[3]!).summary.verdict, "minor");
    const help = await runCli(["audit", "--help"]);
    assert.match(help.stdout.replace(/\s+/g, " "), /--fail-on <severity> exit 1 when any finding is at or above this severity \(default: none, so findings alone never fail the run\)/);
  });

  test("the Markdown report escapes what it quotes and keeps one row per finding", async () => {
    const md = await runCli(["audit", "--tools", FIXTURE, "--format", "markdown"]);
    assert.equal(md.code, 0, md.stderr);
    const rows = md.stdout.split("\n").filter((l) => /^\| (critical|high|medium|low) \|/.test(l));
    assert.equal(rows.length, 21);
    assert.match(md.stdout, /^\| critical \| execute_sql \| raw-sql \| Raw SQL: /m);
    // The tenant argument's quotes and underscore survive as text; no cell adds a column.
    assert.match(md.stdout, /\("tenant_id"\)/);
    for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
  });
});

describe("audit refuses what it cannot run, with the fix", () => {
  test("exactly one source, a readable tools/list, a URL without credentials", async () => {
    const dir = tempDir("synapsor-audit-bad-");
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{ tools: [");
    // The CLI's answers; every refusal of the flags themselves is test/unit/audit-rules.test.ts (auditSource).
    const cases: Array<[string[], RegExp]> = [
      [["audit"], /Nothing to audit\. Give exactly one of --tools FILE/],
      [["audit", "--tools", join(dir, "missing.json")], /Cannot read --tools .*missing\.json \(ENOENT\)/],
      [["audit", "--tools", notJson], /is not JSON .*Save the result of tools\/list/],
      [["audit", "--url", "http://me:pw@127.0.0.1:9/mcp"], /--url must not carry credentials/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    for (const [i, [args, message]] of cases.entries()) {
      assert.equal(results[i]!.code, 1, `${args.join(" ")}: ${results[i]!.stderr}`);
      assert.match(results[i]!.stderr, message, args.join(" "));
      assert.equal(results[i]!.stdout, "", args.join(" "));
    }
  });

  test("a server that is down, or never answers, exits 2 with a clear message", async () => {
    const port = await freePort();
    const [down, missing, silent] = await Promise.all([
      runCli(["audit", "--url", `http://127.0.0.1:${port}/mcp`]),
      runCli(["audit", "--command", "synapsor-no-such-program --stdio"]),
      runCli(["audit", "--command", `${word(process.execPath)} -e 'setTimeout(() => {}, 60000)'`, "--timeout", "1"]),
    ]);
    assert.equal(down.code, 2, down.stderr);
    assert.match(down.stderr, new RegExp(`Could not connect to the server at http://127\\.0\\.0\\.1:${port}/mcp: fetch failed \\(ECONNREFUSED\\)`));
    assert.match(down.stderr, /Nothing answers there: check the host, the port and that the server is up\./);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /No program "synapsor-no-such-program" on PATH: give its full path/);
    assert.equal(silent.code, 2, silent.stderr);
    assert.match(silent.stderr, /did not answer initialize and tools\/list within 1 s\. .* or raise --timeout/);
  });
});

describe("audit of a server that echoes the request back", () => {
  test("the bearer token is redacted from the server's error text", async () => {
    // Answers every request 500 with the Authorization header in the body, as a careless proxy might.
    const echo = createServer((req, res) => res.writeHead(500, { "content-type": "text/plain" }).end(`upstream failed for ${req.headers.authorization}`));
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const port = (echo.address() as AddressInfo).port;
      const result = await runCli(["audit", "--url", `http://127.0.0.1:${port}/mcp`, "--auth-token-env", "AUDIT_TOKEN"], { env: { ...process.env, AUDIT_TOKEN: TOKEN } });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /upstream failed for Bearer \[token redacted\]/);
      assert.doesNotMatch(result.stdout + result.stderr, new RegExp(TOKEN));
    } finally {
      echo.close();
    }
  });
});

describe("audit of this project's own compiled server, live", () => {
  let db: TestDatabase;
  let runDir: string;
  let serverPath: string;
  let http: HttpServerProcess;
  let env: Record<string, string>;

  before(async () => {
    db = await createDatabase("postgres", "sraudit");
    await seedExample(db);
    env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-audit" };
    const built = await buildServer(exampleConfigWithTools(3), { ...process.env, ...env });
    ({ runDir, serverPath } = built);
    http = await spawnHttpServer(serverPath, runDir, { ...env, AUDIT_HTTP_TOKEN: TOKEN }, ["--auth-token-env", "AUDIT_HTTP_TOKEN", "--store", join(runDir, "http.db")]);
  });

  after(async () => {
    await http?.stop();
    await db?.drop();
  });

  test("over stdio (--command) and Streamable HTTP (--url with a bearer token): clean, the same report both ways", async () => {
    const command = `${word(process.execPath)} ${word(serverPath)} serve --transport stdio --store ${word(join(runDir, "stdio.db"))}`;
    const [stdio, overHttp, table] = await Promise.all([
      runCli(["audit", "--command", command, "--json", "--fail-on", "low"], { env: { ...process.env, ...env } }),
      runCli(["audit", "--url", http.url, "--auth-token-env", "AUDIT_TOKEN", "--json", "--fail-on", "low"], { env: { ...process.env, AUDIT_TOKEN: TOKEN } }),
      runCli(["audit", "--url", http.url, "--auth-token-env", "AUDIT_TOKEN"], { env: { ...process.env, AUDIT_TOKEN: TOKEN } }),
    ]);
    for (const result of [stdio, overHttp]) {
      assert.equal(result.code, 0, result.stderr);
      const report = json(result);
      assert.deepEqual(report.findings, []);
      assert.equal(report.summary.tool_count, 3);
      assert.equal(report.summary.verdict, "clean");
      assert.equal(report.summary.highest_severity, null);
    }
    assert.equal(json(stdio).summary.tools_list_bytes, json(overHttp).summary.tools_list_bytes);
    assert.match(table.stdout, /^3 tools, \d+ bytes of tools\/list; findings: 0 critical, 0 high, 0 medium, 0 low\. Verdict: clean\.$/m);
    assert.match(table.stdout, /No findings/);
    for (const r of [stdio, overHttp, table]) assert.doesNotMatch(r.stdout + r.stderr, new RegExp(TOKEN));
  });

  test("a wrong token exits 2 and never prints either token", async () => {
    const wrong = "tok-wrong-3c3c-NEVER-PRINT";
    const result = await runCli(["audit", "--url", http.url, "--auth-token-env", "AUDIT_TOKEN"], { env: { ...process.env, AUDIT_TOKEN: wrong } });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Could not connect to the server at http:\/\/127\.0\.0\.1:\d+\/mcp: .*The server refused the credentials: check the token/s);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(`${wrong}|${TOKEN}`));
  });
});

describe("audit of a hostile server (SDK McpServer over stdio)", () => {
  test("table, Markdown and JSON show every hostile name as inert text", async () => {
    const command = `${word(process.execPath)} ${word(HOSTILE_SERVER)}`;
    const [table, md, js] = await Promise.all([
      runCli(["audit", "--command", command]),
      runCli(["audit", "--command", command, "--format", "markdown"]),
      runCli(["audit", "--command", command, "--json"]),
    ]);
    for (const [name, r] of [["table", table], ["markdown", md], ["json", js]] as const) {
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assertScreenSafe(r.stdout, name);
      assertScreenSafe(r.stderr, `${name} stderr`);
    }
    // The terminal shows the escapes, so a reviewer sees something is there; long names are cut.
    assert.match(table.stdout, /list_\\u001b\[2J\\u001b\[31mrows/);
    assert.match(table.stdout, /approve_\\u202erefund\\u202c +approval-tool/);
    assert.match(table.stdout, /\("\\u202etenant_id\\u2066"\)/);
    assert.match(table.stdout, /search_a{26}… /);
    assert.doesNotMatch(table.stdout, /a{40}/);

    // Markdown: no tag, link, image, entity or extra cell comes alive.
    assert.doesNotMatch(md.stdout, /(?<!\\)<(img|script|b)\b/);
    assert.doesNotMatch(md.stdout, /(?<!\\)\[approved\]|(?<!\\)!\[img\]|(?<!\\)&#x202E;/);
    assert.match(md.stdout, /delete\\_\\<img src=x onerror=alert\(1\)\\>\\\|x/);
    for (const row of md.stdout.split("\n").filter((l) => /^\| (critical|high|medium|low) \|/.test(l))) {
      assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
    }

    // JSON: the same data, escaped only in notation: every name reads back exactly.
    const report = JSON.parse(js.stdout);
    const names = new Set(report.findings.map((f: any) => f.tool));
    for (const name of [HOSTILE.clearScreenName, HOSTILE.bidiName, HOSTILE.htmlName, HOSTILE.longName]) assert.ok(names.has(name), JSON.stringify(name));
    assert.ok(report.findings.some((f: any) => f.tool === HOSTILE.htmlName && f.rule === "model-controlled-tenant"));
    assert.equal(report.summary.tool_count, 4);
    assert.ok(report.findings.filter((f: any) => f.rule === "hidden-characters").length >= 3);
  });
});
