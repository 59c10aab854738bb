// Schema metadata reaches an operator's screen too: whoever can run DDL on the inspected database
// chooses table, column and type names, and a committed snapshot can carry any of them. `inspect`,
// `tools preview`, build diagnostics and the writeback SQL scripts print them; none may pass a raw
// control, bidi or invisible character, and an unusual name is shown quoted so it cannot pass for
// another.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPostgresDatabase, type TestDatabase } from "../support/databases.ts";
import { runCli } from "../support/cli.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_DIR } from "../support/example.ts";
import { firstForbidden } from "../support/hostile-text.ts";

const TABLE = "inv\u001b[2J\u202eoices";
const COLUMN = "note\u200b\u009b31m";
const ENUM = "mood\u2066\u001b]0;x\u0007";
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function assertClean(text: string, where: string): void {
  const hit = firstForbidden(text.replace(/\n/g, ""));
  assert.equal(hit, undefined, `${where}: raw U+${hit?.codePointAt(0)!.toString(16)} in ${JSON.stringify(text)}`);
}

describe("inspect prints schema names escaped", () => {
  let db: TestDatabase;
  before(async () => {
    db = await createPostgresDatabase("srmr");
    await db.exec(`CREATE TYPE ${quote(ENUM)} AS ENUM ('a', 'b')`);
    await db.exec(`CREATE TABLE public.${quote(TABLE)} (id text PRIMARY KEY, tenant_id text NOT NULL, ${quote(COLUMN)} text, mood ${quote(ENUM)})`);
  });
  after(async () => {
    await db?.drop();
  });

  test("the human summary quotes the odd names and shows every unsafe character as its escape", async () => {
    const env = { ...process.env, MR_DB_URL: db.url };
    const r = await runCli(["inspect", "--from-env", "MR_DB_URL", "--schema", "public"], { env });
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "inspect");
    assert.match(r.stdout, /^table public\."inv\\u001b\[2J\\u202eoices"$/m);
    assert.match(r.stdout, /^ {2}"note\\u200b\\u009b31m" +text +string, null$/m);
    assert.match(r.stdout, /mood\\u2066\\u001b\]0;x\\u0007/);
  });

  test("--json is the same snapshot, with no raw C1, bidi or invisible character", async () => {
    const env = { ...process.env, MR_DB_URL: db.url };
    const r = await runCli(["inspect", "--from-env", "MR_DB_URL", "--schema", "public", "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout, "inspect --json");
    const table = JSON.parse(r.stdout).tables.find((t: { name: string }) => t.name === TABLE);
    assert.ok(table, "the table keeps its exact name in JSON");
    assert.ok(table.columns.some((c: { name: string }) => c.name === COLUMN));
  });
});

describe("tools preview and build diagnostics print snapshot names escaped", () => {
  const dir = tempDir("synapsor-metadata-render-");
  const snapshotPath = join(dir, "schema.json");
  const configPath = join(dir, "synapsor.runner.json");
  before(() => {
    const snapshot = JSON.parse(readFileSync(join(EXAMPLE_DIR, "synapsor.schema.json"), "utf8"));
    const invoices = snapshot.tables.find((t: { name: string }) => t.name === "invoices");
    invoices.columns.push({ ...invoices.columns.find((c: { name: string }) => c.name === "internal_notes"), name: COLUMN });
    writeFileSync(snapshotPath, JSON.stringify(snapshot));
    writeFileSync(configPath, JSON.stringify(exampleConfigFor("postgres")));
  });

  test("tools preview lists a hidden column with an odd name quoted and escaped", async () => {
    const r = await runCli(["tools", "preview", "--config", configPath, "--schema", snapshotPath]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "tools preview");
    assert.match(r.stdout, /hidden columns of public\.invoices: internal_notes, "note\\u200b\\u009b31m"/);
    const json = await runCli(["tools", "preview", "--config", configPath, "--schema", snapshotPath, "--json"]);
    assertClean(json.stdout, "tools preview --json");
    assert.ok(JSON.parse(json.stdout).never_exposed.capabilities[0].hidden_columns.includes(COLUMN));
  });

  test("a diagnostic that lists the snapshot's columns escapes them", async () => {
    const config = exampleConfigFor("postgres");
    config.capabilities[0].visible_columns.push(COLUMN.slice(0, -1));
    const badConfig = join(dir, "bad.runner.json");
    writeFileSync(badConfig, JSON.stringify(config));
    const r = await runCli(["tools", "preview", "--config", badConfig, "--schema", snapshotPath]);
    assert.equal(r.code, 1);
    assertClean(r.stderr, "diagnostics");
    assert.match(r.stderr, /UNKNOWN_COLUMN/);
    assert.match(r.stderr, /Did you mean 'note\\u200b\\u009b31m'/);
  });
});

describe("writeback SQL scripts", () => {
  test("a script whose names hold an unsafe character is refused, not printed", async () => {
    const r = await runCli(["writeback", "migration", "--engine", "postgres", "--schema", "syn\u001b[2J\u202e"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assertClean(r.stderr, "writeback migration");
    assert.match(r.stderr, /holds a control, bidi or invisible character.*"syn\\u001b\[2J\\u202e"/);
    const ok = await runCli(["writeback", "migration", "--engine", "postgres"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /CREATE TABLE IF NOT EXISTS "synapsor"\."synapsor_writeback_receipts" \(\n/);
  });
});
