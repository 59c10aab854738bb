// The doctor's pure parts: which URLs name the same login, that a warning never fails the run,
// and that check text from the schema or config cannot forge lines on a terminal or structure
// in the Markdown report.

import { test } from "node:test";
import assert from "node:assert/strict";
import { failed, passed, reportOf, warned } from "../../operator/doctor/check.ts";
import { loginOf } from "../../operator/doctor/environment.ts";
import { formatChecks, formatFirstRun, markdownReport } from "../../operator/doctor/format.ts";

const url = (user: string, host: string, port: string, db: string, password = "pw") => `postgres://${user}:${password}@${host}:${port}/${db}`;

test("loginOf: the same user, host, port and database is one login, whatever the password or loopback spelling", () => {
  assert.equal(loginOf(url("app", "127.0.0.1", "5432", "shop")), loginOf(url("app", "localhost", "5432", "shop", "other")));
  assert.equal(loginOf("postgres://app@db.internal/shop"), loginOf("postgres://app:x@DB.internal:5432/shop?sslmode=require"));
  assert.notEqual(loginOf(url("app", "127.0.0.1", "5432", "shop")), loginOf(url("reader", "127.0.0.1", "5432", "shop")));
  assert.notEqual(loginOf(url("app", "127.0.0.1", "5432", "shop")), loginOf(url("app", "127.0.0.1", "5433", "shop")));
  assert.notEqual(loginOf("mysql://app@127.0.0.1/shop"), loginOf("mysql://app@127.0.0.1/billing"));
  assert.equal(loginOf("not a url"), undefined);
});

test("a warning does not fail the report; one failure does", () => {
  assert.equal(reportOf([passed("a", "store", "fine"), warned("b", "environment", "empty", "fill it")]).ok, true);
  assert.equal(reportOf([passed("a", "store", "fine"), failed("c", "permission", "no", "grant")]).ok, false);
});

const HOSTILE = "table odd\nnotes\u202e | [approved](http://x) `code`";

test("terminal output: one line per check, the fix on the next, no raw control or bidi character", () => {
  const report = reportOf([passed("config", "config", "loads"), failed("schema.x", "object_not_found", HOSTILE, `fix ${HOSTILE}`)]);
  const text = formatChecks(report);
  assert.doesNotMatch(text, /\u202e/);
  const lines = text.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0]!, /^✓ ok   config: loads$/);
  assert.match(lines[1]!, /^✗ fail schema\.x \[object_not_found\]: table odd\\nnotes\\u202e/);
  assert.match(lines[2]!, /^ {4}fix: /);
  assert.match(lines[3]!, /^Not ready \(1 ok, 0 warnings, 1 failed\)/);
});

test("--first-run says a shared fix once and names the next command", () => {
  const grant = "Grant SELECT on public.invoices to the login in DATABASE_URL.";
  const report = reportOf([failed("statements.a", "permission", "a", grant), failed("statements.b", "permission", "b", grant), warned("tenant_rows.t", "environment", "no rows", "Set T.")]);
  const text = formatFirstRun(report, { configPath: "synapsor.runner.json" });
  assert.equal(text.split(grant).length - 1, 1);
  assert.match(text, /and 1 more check with the same fix/);
  assert.match(text, /What it means: the login works but lacks a privilege/);
  assert.match(text, /Worth a look: no rows/);
  assert.match(text, /synapsor-runner doctor --config synapsor\.runner\.json --first-run\n$/);
  const spaced = formatFirstRun(report, { configPath: "my project/it's.json" });
  assert.match(spaced, /synapsor-runner doctor --config 'my project\/it'\\''s\.json' --first-run\n$/);
});

test("Markdown report: values cannot add cells, links or raw controls", () => {
  const markdown = markdownReport(reportOf([failed("schema.x", "object_not_found", HOSTILE, "fix it")]), "synapsor.runner.json");
  const row = markdown.split("\n").find((l) => l.startsWith("| fail"))!;
  assert.doesNotMatch(row, /\u202e|\n/);
  assert.equal(row.split(/(?<!\\)\|/).length - 2, 5, "exactly five cells");
  assert.match(row, /\\\[approved\\\]/);
  assert.match(markdown, /- object_not_found: a table or column the config names is not in the live database\./);
});
