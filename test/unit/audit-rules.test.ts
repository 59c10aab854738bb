// The audit's rules one by one (what each flags and, as much, what it leaves alone), the report's
// order and verdict, --fail-on, the flag checks, the command-line split, the tools/list parse,
// and the rendering of hostile names in the table and Markdown.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { commandWords } from "../../operator/audit/command-words.ts";
import { SEVERITIES, type AuditedTool, type Severity } from "../../operator/audit/finding.ts";
import { clipped, formatAuditMarkdown, formatAuditTable } from "../../operator/audit/format.ts";
import { audit, AUDIT_RULES, failsAt } from "../../operator/audit/registry.ts";
import { auditSource } from "../../operator/audit/source.ts";
import { parseToolsListText, toolsListBytes } from "../../operator/audit/tools-list.ts";
import { firstForbidden, hostile } from "../support/hostile-text.ts";
import { REPO_ROOT } from "../support/cli.ts";

const OPEN = { type: "object", properties: {} };
const READ_ONLY = { readOnlyHint: true, openWorldHint: false };

function tool(name: string, extra: Partial<AuditedTool> = {}): AuditedTool {
  return { name, description: "A tool.", inputSchema: { ...OPEN, additionalProperties: false }, annotations: READ_ONLY, ...extra };
}

function args(properties: Record<string, object>, more: object = {}): object {
  return { type: "object", properties, additionalProperties: false, ...more };
}

/** The rule ids flagged for one tool alone. */
function rulesFor(t: AuditedTool): string[] {
  return audit({ tools: [t], bytes: toolsListBytes([t]) }).findings.map((f) => f.rule).sort();
}

describe("audit rules", () => {
  test("raw-sql: SQL in the name, a sql argument, or a query argument of a tool that speaks of a database", () => {
    for (const name of ["execute_sql", "run_query", "runSql", "db.execute-query", "sql", "raw_query"]) {
      assert.ok(rulesFor(tool(name)).includes("raw-sql"), name);
    }
    assert.ok(rulesFor(tool("query", { inputSchema: args({ sql: { type: "string" } }) })).includes("raw-sql"));
    assert.ok(rulesFor(tool("read", { description: "Run a read-only SQL query.", inputSchema: args({ query: { type: "string" } }) })).includes("raw-sql"));
    // A search box named query is not SQL; nor is a sql argument held to a fixed list.
    assert.ok(!rulesFor(tool("search_docs", { description: "Search the handbook.", inputSchema: args({ query: { type: "string" } }) })).includes("raw-sql"));
    assert.ok(!rulesFor(tool("explain", { inputSchema: args({ sql_kind: { type: "string", enum: ["a", "b"] } }) })).includes("raw-sql"));
  });

  test("approval, destructive and write tools by the gravest verb of the name; a proposal is none of them", () => {
    assert.deepEqual(rulesFor(tool("approve_refund", { annotations: { destructiveHint: true } })), ["approval-tool"]);
    assert.deepEqual(rulesFor(tool("payments.executePayment", { annotations: { destructiveHint: true } })), ["approval-tool"]);
    assert.deepEqual(rulesFor(tool("delete_row", { annotations: { destructiveHint: true } })), ["destructive-tool"]);
    assert.deepEqual(rulesFor(tool("update_then_delete", { annotations: { destructiveHint: true } })), ["destructive-tool"]);
    assert.deepEqual(rulesFor(tool("crm.updateContact", { annotations: { destructiveHint: false } })), ["write-tool"]);
    assert.deepEqual(rulesFor(tool("billing.propose_late_fee_waiver", { annotations: { destructiveHint: false, openWorldHint: false } })), []);
    // Words, not substrings: "deleted" and "dataset" are not verbs.
    assert.deepEqual(rulesFor(tool("list_deleted_items", { outputSchema: { type: "array", maxItems: 50 } })), []);
    assert.deepEqual(rulesFor(tool("get_dataset")), []);
  });

  test("model-controlled-tenant: tenant, org, account, user and principal arguments in any spelling; customer ids are data", () => {
    for (const name of ["tenant_id", "tenantId", "Tenant-ID", "org_id", "organization", "workspace_slug", "account_id", "user_id", "principal", "run_as", "on_behalf_of"]) {
      assert.ok(rulesFor(tool("get_invoice", { inputSchema: args({ [name]: { type: "string" } }) })).includes("model-controlled-tenant"), name);
    }
    for (const name of ["customer_id", "invoice_id", "username_filter", "tenantless"]) {
      assert.ok(!rulesFor(tool("get_invoice", { inputSchema: args({ [name]: { type: "string" } }) })).includes("model-controlled-tenant"), name);
    }
    const many = audit({ tools: [tool("x", { inputSchema: args({ tenant_id: {}, org_id: {}, user_id: {}, principal: {}, actor: {} }) })], bytes: 0 });
    assert.match(many.findings[0]!.why, /\("tenant_id", "org_id", "user_id" and 2 more\)/);
  });

  test("unbounded-results: a list or search tool needs a limit with a maximum or an outputSchema maxItems", () => {
    assert.ok(rulesFor(tool("list_tables")).includes("unbounded-results"));
    assert.match(audit({ tools: [tool("search", { inputSchema: args({ limit: { type: "integer" } }) })], bytes: 0 }).findings[0]!.why, /limit argument "limit" has no maximum/);
    assert.deepEqual(rulesFor(tool("search", { inputSchema: args({ max_results: { type: "integer", maximum: 100 } }) })), []);
    assert.deepEqual(rulesFor(tool("support.list_open_tickets", { outputSchema: { type: "object", properties: { data: { properties: { rows: { type: "array", maxItems: 20 } } } } } })), []);
    assert.deepEqual(rulesFor(tool("billing.inspect_invoice")), []);
  });

  test("annotations: none on a reader is low; a writer without destructiveHint is medium; a read-only claim on a writer is high", () => {
    assert.deepEqual(rulesFor(tool("describe_table", { annotations: undefined })), ["missing-annotations"]);
    assert.deepEqual(rulesFor(tool("describe_table", { annotations: {} })), ["missing-annotations"]);
    assert.deepEqual(rulesFor(tool("create_user", { annotations: undefined })), ["write-tool", "writer-without-destructive-hint"]);
    assert.deepEqual(rulesFor(tool("create_user", { annotations: { readOnlyHint: true, destructiveHint: false } })), ["read-only-claim-on-writer", "write-tool"]);
  });

  test("schemas: no object inputSchema is medium; a writer open to undeclared arguments is low", () => {
    assert.deepEqual(rulesFor(tool("describe_table", { inputSchema: undefined })), ["missing-input-schema"]);
    assert.deepEqual(rulesFor(tool("describe_table", { inputSchema: { type: "string" } })), ["missing-input-schema"]);
    assert.deepEqual(rulesFor(tool("set_status", { inputSchema: OPEN, annotations: { destructiveHint: false } })), ["open-input-on-writer", "write-tool"]);
    assert.deepEqual(rulesFor(tool("describe_table", { inputSchema: OPEN })), []);
  });

  test("credentials in any descriptive text are critical; where the data lives is medium; ordinary prose is neither", () => {
    const described = (description: string, schema: object = args({})) => rulesFor(tool("describe_table", { description, inputSchema: schema }));
    for (const secret of [
      "Connects as postgres://admin:hunter2@db.example.com/prod.",
      "Use password=hunter2 when asked.",
      "api_key=EXAMPLE-KEY-0000",
      'The token: "abc123xyz"',
      "AKIAABCDEFGHIJKLMNOP",
      "-----BEGIN RSA PRIVATE KEY-----",
      "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345",
    ]) {
      assert.ok(described(secret).includes("credential-in-description"), secret);
    }
    assert.ok(rulesFor(tool("describe_table", { inputSchema: args({ dsn: { type: "string", default: "mysql://root:pw@10.0.0.5/app" } }) })).includes("credential-in-description"));
    for (const place of ["Reads postgres://db.example.com/app.", "Runs on 10.1.2.3.", "Host db.internal holds it.", "Served from api.example.com:8443.", "host=db1 dbname=app", "http://localhost:5432"]) {
      assert.deepEqual(described(place), ["infrastructure-in-description"], place);
    }
    for (const prose of [
      "Look up one invoice by id, e.g. INV-3001; times are ISO 8601.",
      "The bearer token the client sends is checked by the server.",
      "Set the user's password: the new password is hashed.",
      "See https://docs.example.com/tools for details. Version 1.2.3.",
    ]) {
      assert.deepEqual(described(prose), [], prose);
    }
  });

  test("the list: oversized by count or bytes, duplicate names, names outside MCP's guidance, hidden characters", () => {
    const many = Array.from({ length: 41 }, (_, i) => tool(`t${i}`));
    assert.deepEqual(audit({ tools: many, bytes: toolsListBytes(many) }).findings.map((f) => [f.tool, f.rule]), [["(tools/list)", "oversized-tool-list"]]);
    assert.match(audit({ tools: [tool("a")], bytes: 70_000 }).findings[0]!.why, /70000 bytes \(more than 65536\)/);
    assert.deepEqual(audit({ tools: [tool("a"), tool("a")], bytes: 0 }).findings.map((f) => f.rule), ["duplicate-tool-name"]);
    assert.deepEqual(rulesFor(tool("has space")), ["invalid-tool-name"]);
    assert.deepEqual(rulesFor(tool("a".repeat(129))), ["invalid-tool-name"]);
    assert.deepEqual(rulesFor(tool("ok", { description: "Reads.\u202e" })), ["hidden-characters"]);
    assert.deepEqual(rulesFor(tool("ok", { inputSchema: args({ "id\u200b": { type: "string" } }) })), ["hidden-characters"]);
    assert.deepEqual(rulesFor(tool("ok", { description: "Line one.\nLine two.\tTabbed." })), []);
  });

  // A description is the audited server's text. With a pattern that retried a run at each of its
  // characters, 300 KB of `a.a.a…` took minutes (measured: 200 KB, 115 s); linear, well under a
  // second. The timeout is a generous backstop for that regression, not a measurement.
  test("hostile description shapes are read in linear time", { timeout: 60_000 }, () => {
    const shapes: Array<[string, string[]]> = [["a.", []], ["a-", []], ["eyJ-", []], ["xoxb-", ["credential-in-description"]], ["a:", []], ["a://", []], ["1.1.", ["infrastructure-in-description"]]];
    for (const [unit, rules] of shapes) {
      const text = unit.repeat(Math.floor(300_000 / unit.length));
      const report = audit({ tools: [{ name: "x", description: text, inputSchema: args({ [text]: { description: text } }), annotations: READ_ONLY }], bytes: 0 });
      assert.deepEqual(report.findings.map((f) => f.rule), rules, unit);
    }
  });

  test("rule ids are unique kebab-case, and docs/audit.md lists each with its severity", () => {
    const ids = AUDIT_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z]+(-[a-z]+)*$/);
    const doc = readFileSync(join(REPO_ROOT, "docs", "audit.md"), "utf8");
    for (const rule of AUDIT_RULES) assert.match(doc, new RegExp(`^\\| \`${rule.id}\` \\| ${rule.severity} \\|`, "m"), rule.id);
  });
});

describe("audit report", () => {
  test("gravest first, then in list order; counts, highest severity and verdict", () => {
    const tools = [tool("describe_table", { annotations: undefined }), tool("execute_sql", { annotations: { destructiveHint: true }, inputSchema: args({ sql: {} }) })];
    const report = audit({ tools, bytes: 123 });
    assert.deepEqual(report.findings.map((f) => [f.tool, f.severity, f.rule]), [
      ["execute_sql", "critical", "raw-sql"],
      ["describe_table", "low", "missing-annotations"],
    ]);
    assert.deepEqual(report.summary, {
      tool_count: 2,
      tools_list_bytes: 123,
      findings_by_severity: { critical: 1, high: 0, medium: 0, low: 1 },
      highest_severity: "critical",
      verdict: "risky",
    });
    assert.equal(audit({ tools: [], bytes: 2 }).summary.verdict, "clean");
    assert.equal(audit({ tools: [tool("list_x")], bytes: 2 }).summary.verdict, "review");
  });

  test("--fail-on trips at or above its severity, never without it", () => {
    for (const found of SEVERITIES) {
      const report = { findings: [{ tool: "t", severity: found, rule: "r", why: "w" }], summary: audit({ tools: [], bytes: 0 }).summary };
      assert.equal(failsAt(report, undefined), false);
      for (const threshold of SEVERITIES) {
        assert.equal(failsAt(report, threshold as Severity), SEVERITIES.indexOf(found) >= SEVERITIES.indexOf(threshold), `${found} vs --fail-on ${threshold}`);
      }
    }
  });
});

describe("audit inputs", () => {
  test("a tools/list result, a bare array or a JSON-RPC response; anything else is refused with the expected shape", () => {
    const one = [{ name: "a" }];
    for (const text of [JSON.stringify({ tools: one }), JSON.stringify(one), JSON.stringify({ jsonrpc: "2.0", id: 1, result: { tools: one } })]) {
      const parsed = parseToolsListText(text, "f.json");
      assert.ok(parsed.ok);
      assert.deepEqual(parsed.list.tools.map((t) => t.name), ["a"]);
      assert.equal(parsed.list.bytes, Buffer.byteLength('{"tools":[{"name":"a"}]}'));
    }
    const refused = (text: string) => {
      const parsed = parseToolsListText(text, "f.json");
      assert.ok(!parsed.ok);
      assert.equal(parsed.code, "AUDIT_INPUT_INVALID");
      return parsed.message;
    };
    assert.match(refused("{"), /f\.json is not JSON/);
    assert.match(refused('{"result": 1}'), /holds no list of tools\. Expected a tools\/list result/);
    assert.match(refused('{"tools": [{"name": "a"}, {"name": 3}]}'), /tools\[1\] is not a tool/);
  });

  test("exactly one source; --auth-token-env names a set variable; no credentials in --url; the command splits like a shell", () => {
    const refused = (flags: object, env: NodeJS.ProcessEnv = {}) => {
      const source = auditSource(flags, env);
      assert.ok(!source.ok, JSON.stringify(flags));
      return source.message;
    };
    assert.match(refused({}), /Nothing to audit/);
    assert.match(refused({ tools: "a", url: "http://x/mcp" }), /not --tools and --url/);
    assert.match(refused({ tools: "a", authTokenEnv: "T" }), /only goes with --url/);
    assert.match(refused({ url: "nonsense" }), /is not a URL/);
    assert.match(refused({ url: "ftp://x/mcp" }), /http:\/\/ or https:\/\//);
    assert.match(refused({ url: "https://u:p@x/mcp" }), /must not carry credentials/);
    assert.match(refused({ url: "https://x/mcp", authTokenEnv: "secret-value-123" }), /--auth-token-env/);
    assert.match(refused({ url: "https://x/mcp", authTokenEnv: "TOKEN" }), /TOKEN \(named by --auth-token-env\) is not set/);
    assert.match(refused({ command: "node a.js > out" }), /without a shell/);
    const http = auditSource({ url: "https://x.example/mcp?q=1", authTokenEnv: "TOKEN" }, { TOKEN: "t0k" });
    assert.ok(http.ok && http.kind === "live" && http.target.kind === "http");
    assert.equal(http.target.token, "t0k");
    assert.equal(http.shown, "https://x.example/mcp");
    const stdio = auditSource({ command: `node "my server.mjs" serve --store './a b.db'` }, {});
    assert.ok(stdio.ok && stdio.kind === "live" && stdio.target.kind === "stdio");
    assert.deepEqual([stdio.target.command, ...stdio.target.args], ["node", "my server.mjs", "serve", "--store", "./a b.db"]);
  });

  test("command words: quotes, escapes and refusals", () => {
    const split = (line: string) => {
      const r = commandWords(line);
      assert.ok(r.ok, line);
      return r.words;
    };
    assert.deepEqual(split("  node   server.mjs\tserve "), ["node", "server.mjs", "serve"]);
    assert.deepEqual(split(`a'b c'd "e \\"f\\" \\n" g\\ h ''`), ["ab cd", 'e "f" \\n', "g h", ""]);
    assert.deepEqual(split(`'$HOME|x'`), ["$HOME|x"]);
    for (const [line, message] of [
      ["", /is empty/],
      ["node 'x", /unterminated single quote/],
      ['node "x', /unterminated double quote/],
      ["node x\\", /lone backslash/],
      ["node $HOME/x", /"\$"/],
      ["a && b", /"&"/],
      ["a `b`", /"`"/],
    ] as const) {
      const r = commandWords(line);
      assert.ok(!r.ok, line);
      assert.equal(r.code, "AUDIT_COMMAND_INVALID");
      assert.match(r.message, message, line);
    }
  });
});

describe("audit rendering", () => {
  test("any tool name and argument name leaves the table and the Markdown without a raw control, bidi or invisible character", () => {
    fc.assert(
      fc.property(hostile, hostile, (name, argName) => {
        const t = tool(`delete_${name}`, { inputSchema: args({ [`tenant_id${argName}`]: { type: "string" } }), description: name });
        const report = audit({ tools: [t], bytes: 10 });
        for (const out of [formatAuditTable(report, name), formatAuditMarkdown(report, name)]) {
          for (const line of out.split("\n")) assert.equal(firstForbidden(line), undefined, JSON.stringify(line));
        }
        for (const f of report.findings) assert.equal(firstForbidden(f.why), undefined, f.why);
        // One Markdown row per finding, four cells each.
        const rows = formatAuditMarkdown(report, name).split("\n").filter((l) => /^\| (critical|high|medium|low) \|/.test(l));
        assert.equal(rows.length, report.findings.length);
        for (const row of rows) assert.equal(row.split(/(?<!\\)\|/).length, 6, row);
      }),
      { numRuns: 200 },
    );
  });

  test("the table cuts a long name to its column and keeps the rules' words", () => {
    const table = formatAuditTable(audit({ tools: [tool("list_" + "x".repeat(100))], bytes: 10 }), "f.json");
    assert.match(table, /^MEDIUM {4}list_x{28}… {2}unbounded-results {2}Lists or searches/m);
  });
});

describe("audit column cuts", () => {
  test("a cut never splits an emoji sequence, so no joiner is left before the …", () => {
    const name = "\ud800\u001b\u001b\ud800👩‍👩\ud800";
    const report = audit({ tools: [tool(`delete_${name}`)], bytes: 10 });
    for (const line of formatAuditTable(report, name).split("\n")) assert.equal(firstForbidden(line), undefined, JSON.stringify(line));
    assert.equal(clipped("ab👩‍👩cd", 4), "ab…");
    assert.equal(clipped("ab👩‍👩cd", 6), "ab👩‍👩…");
    assert.equal(clipped("abc", 3), "abc");
  });
});
