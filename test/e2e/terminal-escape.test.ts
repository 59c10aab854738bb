// SPEC §9: nothing reaches a person's screen with raw control or bidi characters. Hostile text is
// planted where it really comes from (the application database, the trusted context, a ledger row
// edited behind the runner's back; the model's tool arguments can no longer carry it, since the
// server refuses control and bidi characters in arguments), then every text-mode review
// surface is read through the real CLI: none may carry a raw ESC, C1 or bidi control, and each
// must show the escaped form so the reviewer still sees that something odd is there.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";
import { HAS_SCRIPT, onTerminal } from "../support/terminal.ts";

/** A proposed waiver_reason that erases the line above, recolours and fakes a Markdown section (planted in the ledger: the model's arguments cannot carry it). */
const MODEL_REASON = "\u001b[1A\u001b[2K\u001b[32mApproved by finance\u001b[0m\n## 4. Decision\u202e";
/** What the database already holds in waiver_reason (the diff's "before"): a C1 CSI clear-screen, an OSC title, bidi isolates. */
const DB_REASON = "\u009b2J\u2066note\u2069 \u001b]0;pwned\u0007";
const DB_CUSTOMER = "C-\u200fmask\u001b[31m";
/** An invoice id that hides the rest of its line (SGR 8, concealed), planted into a ledger row; the model cannot send it. */
const HIDDEN_ID = "INV-\u001b[8m77";
/** A plain id whose proposal is approved and applied (its records must verify, so it is not edited). */
const PLAIN_ID = "INV-78";
/** The trusted context's principal, from the server's environment. */
const PRINCIPAL = "agent-7\u001b[8m\u202e";

/** Every character that must never reach the screen raw, except the line feed between lines. */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/u;

function assertClean(text: string, where: string): void {
  const hit = RAW.exec(text);
  assert.equal(hit, null, hit ? `${where}: raw U+${hit[0].codePointAt(0)!.toString(16).padStart(4, "0")} near ${JSON.stringify(text.slice(Math.max(0, hit.index - 40), hit.index + 20))}` : "");
}

describe("review output escapes hostile ledger and database text", () => {
  let db: TestDatabase;
  let built: Awaited<ReturnType<typeof buildServer>>;
  let session: StdioSession;
  let env: NodeJS.ProcessEnv;
  let store: string;
  const ids = { waiver: "", hidden: "", applied: "" };
  let receiptId = "";

  const cli = (args: string[]) => runCli(args, { env });
  const propose = async (invoice: string, reason: string): Promise<string> => {
    const p = envelopeOf(await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: invoice, new_late_fee_cents: 0, reason } }));
    assert.equal(p.ok, true, p.summary);
    return p.proposal.id;
  };

  before(async () => {
    db = await createDatabase("postgres", "srte");
    await seedExample(db);
    const migration = await runCli(["writeback", "migration", "--engine", "postgres"]);
    assert.equal(migration.code, 0, migration.stderr);
    await db.exec(migration.stdout);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query("INSERT INTO customers (id, tenant_id, name, email, plan) VALUES ($1, 'tenant_acme', 'Mallory', 'm@example.com', 'starter')", [DB_CUSTOMER]);
      await c.query("UPDATE invoices SET customer_id = $1, waiver_reason = $2 WHERE id = 'INV-3001'", [DB_CUSTOMER, DB_REASON]);
      await c.query(
        "INSERT INTO invoices (id, tenant_id, customer_id, amount_cents, late_fee_cents, status, due_at) VALUES ($1, 'tenant_acme', 'C-101', 5000, 1000, 'overdue', '2026-04-30T23:59:59Z'), ($2, 'tenant_acme', 'C-101', 6000, 1200, 'overdue', '2026-04-30T23:59:59Z')",
        ["INV-77", PLAIN_ID],
      );
    } finally {
      await c.end();
    }
    // Two spellings of the admin URL: the runner refuses one credential string for both reads and writes.
    env = { ...process.env, SUPPORT_DB_READ_URL: `${db.url}?application_name=reader`, SUPPORT_DB_WRITE_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: PRINCIPAL };
    built = await buildServer(exampleConfigFor("postgres"), env, "SUPPORT_DB_READ_URL");
    store = join(built.runDir, "ledger.db");
    session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);

    // The model's own route is closed: the server refuses the argument before any database call.
    const refused = envelopeOf(await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: MODEL_REASON } }));
    assert.equal(refused.error?.code, "INVALID_ARGUMENT", refused.summary);
    ids.waiver = await propose("INV-3001", "outage");
    ids.hidden = await propose("INV-77", "outage");
    ids.applied = await propose(PLAIN_ID, "outage\u2028second line");

    const approved = await cli(["proposals", "approve", ids.applied, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
    assert.equal(approved.code, 0, approved.stderr);
    const applied = await cli(["apply", "--proposal", ids.applied, "--config", built.configPath, "--store", store, "--json"]);
    assert.equal(applied.code, 0, applied.stderr + applied.stdout);
    receiptId = JSON.parse(applied.stdout).receipt_id;
    const rejected = await cli(["proposals", "reject", ids.waiver, "--store", store, "--actor", "erin", "--reason", "looks \u001b[5mforged\u001b[0m", "--yes"]);
    assert.equal(rejected.code, 0, rejected.stderr);

    const ledger = new DatabaseSync(store);
    try {
      // A handler could send any message; so can whoever edits the ledger file.
      const row = ledger.prepare("SELECT receipt FROM receipts WHERE id = ?").get(receiptId) as { receipt: string };
      const receipt = { ...JSON.parse(row.receipt), message: "done\u001b[2J\u009b1;1H all clear" };
      ledger.prepare("UPDATE receipts SET receipt = ? WHERE id = ?").run(JSON.stringify(receipt), receiptId);
      // Whoever can write the file plants the hostile proposed value (its MAC no longer verifies).
      for (const column of ["patch", "after_row"]) {
        ledger.prepare(`UPDATE proposals SET ${column} = json_set(${column}, '$.waiver_reason', ?) WHERE id = ?`).run(MODEL_REASON, ids.waiver);
      }
      // Edited without the key: its keyed MAC no longer verifies, so its list row says NOT VERIFIED.
      const patch = JSON.stringify({ late_fee_cents: 0, waiver_reason: "outage", status: "open", credit_cents: 99900 });
      ledger.prepare("UPDATE proposals SET patch = ? WHERE id = ?").run(patch, ids.hidden);
      ledger.prepare("UPDATE proposals SET object_id = ?, target = json_set(target, '$.primaryKey.value', ?) WHERE id = ?").run(HIDDEN_ID, HIDDEN_ID, ids.hidden);
    } finally {
      ledger.close();
    }
  });

  after(async () => {
    await session?.close();
    await db?.drop();
  });

  test("proposals list: no raw control, and NOT VERIFIED stays on the line of an id that carries ESC[8m", async () => {
    const r = await cli(["proposals", "list", "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "proposals list");
    const line = r.stdout.split("\n").find((l) => l.startsWith(ids.hidden));
    assert.ok(line, r.stdout);
    assert.match(line, /INV-\\u001b\[8m77 .*NOT VERIFIED$/);
    assert.match(r.stdout, /INV-78/);
  });

  test("proposals show: the model's and the database's values are escaped in the diff, evidence and context", async () => {
    const r = await cli(["proposals", "show", ids.waiver, "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "proposals show");
    for (const shown of ["\\u001b[1A\\u001b[2K\\u001b[32mApproved by finance\\u001b[0m\\n## 4. Decision\\u202e", "\\u009b2J\\u2066note\\u2069 \\u001b]0;pwned\\u0007",
      "customer_id=C-\\u200fmask\\u001b[31m", "principal: agent-7\\u001b[8m\\u202e", "reason: looks \\u001b[5mforged\\u001b[0m"]) {
      assert.ok(r.stdout.includes(shown), `missing ${shown}`);
    }
    const hidden = await cli(["proposals", "show", ids.hidden, "--store", store]);
    assertClean(hidden.stdout, "proposals show (tampered)");
    assert.match(hidden.stdout, /\[NOT VERIFIED: do not trust this record\]/);
    assert.match(hidden.stdout, /target: public\.invoices id=INV-\\u001b\[8m77/);
  });

  test("the approve prompt shows the diff escaped right above [y/N]", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
    // The database's hostile "before" sits right above the question; the model's value is plain.
    const fresh = await propose("INV-3001", "outage");
    const r = await onTerminal(["proposals", "approve", fresh, "--store", store, "--actor", "dana", "--role", "billing_lead"], "n", env);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /\[y\/N\]/);
    // What the CLI printed before the question; the pseudo-terminal ends lines with \r\n, and readline
    // draws the question line itself with its own cursor codes.
    const output = r.output.replace(/\r\n/g, "\n");
    const shown = output.slice(0, output.lastIndexOf("\n", output.indexOf("[y/N]")));
    assertClean(shown, "approve prompt");
    assert.match(shown, /waiver_reason\s+\\u009b2J\\u2066note\\u2069 \\u001b\]0;pwned\\u0007\s+outage/);
    assert.match(shown, /customer_id|late_fee_cents/);
    assert.ok(!r.output.includes("\u001b[1A") && !r.output.includes("\u009b") && !r.output.includes("\u202e"), "no hostile sequence anywhere in the session");
  });

  test("replay show and the Markdown export: every line escaped, no section forged by a value's newline", async () => {
    const shown = await cli(["replay", "show", ids.waiver, "--store", store]);
    assert.equal(shown.code, 0, shown.stderr);
    assertClean(shown.stdout + shown.stderr, "replay show");
    assert.ok(shown.stdout.includes("Principal: `agent-7\\u001b[8m\\u202e`"));
    // Markdown: the escape's backslash is itself escaped, and so is the `[` of the CSI sequence.
    assert.ok(shown.stdout.includes("Reason: looks \\\\u001b\\[5mforged\\\\u001b\\[0m"), shown.stdout);

    const output = join(built.dir, "replay.md");
    const exported = await cli(["replay", "export", ids.waiver, "--store", store, "--format", "markdown", "--output", output]);
    assert.equal(exported.code, 0, exported.stderr);
    assertClean(exported.stdout + exported.stderr, "replay export");
    const markdown = readFileSync(output, "utf8");
    assertClean(markdown, "replay.md");
    assert.equal(markdown.split("\n").filter((l) => l.startsWith("## 4. Decision")).length, 1, "the model's \\n## 4. Decision stays inside its cell");
    // In a table cell the escape's backslash is itself escaped for Markdown, so it renders as \u001b.
    assert.ok(markdown.includes("\\\\u001b\\[1A\\\\u001b\\[2K"), markdown);
    assert.ok(markdown.includes("\\\\u009b2J"), markdown);
  });

  test("receipts show, receipts list and apply's own output", async () => {
    const r = await cli(["receipts", "show", receiptId, "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "receipts show");
    assert.ok(r.stdout.includes("message: done\\u001b[2J\\u009b1;1H all clear"), r.stdout);
    assert.ok(r.stdout.includes('"value":"INV-78"'), r.stdout);
    const list = await cli(["receipts", "list", "--store", store]);
    assertClean(list.stdout, "receipts list");

    const again = await cli(["apply", "--proposal", ids.applied, "--config", built.configPath, "--store", store]);
    assertClean(again.stdout + again.stderr, "apply");
    assert.match(again.stdout, /^already_applied: /);
  });

  test("events tail in text mode", async () => {
    const r = await cli(["events", "tail", "--store", store, "--limit", "100"]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "events tail");
    assert.ok(r.stdout.includes("reason=looks \\u001b[5mforged\\u001b[0m"), r.stdout);
    assert.ok(r.stdout.includes(`idempotencyKey=${ids.applied}:INV-78`), r.stdout);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, (await cli(["events", "tail", "--store", store, "--limit", "100", "--json"])).stdout.split("\n").filter(Boolean).length,
      "one line per event");
  });

  test("refusals built from ledger text: the principal, and a decision id edited in the ledger", async () => {
    const self = await cli(["proposals", "approve", (await propose("INV-3003", "outage")), "--store", store, "--actor", PRINCIPAL, "--role", "billing_lead", "--yes"]);
    assert.equal(self.code, 1);
    assertClean(self.stderr + self.stdout, "self-approval refusal");
    assert.match(self.stderr, /was proposed by agent-7\\u001b\[8m\\u202e; whoever proposed a change can never approve it/);

    const target = await propose("INV-3005", "outage");
    assert.equal((await cli(["proposals", "approve", target, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"])).code, 0);
    const ledger = new DatabaseSync(store);
    try {
      ledger.prepare("UPDATE decisions SET id = ? WHERE proposal_id = ?").run("apr_\u001b[2J\u009b31m\u202e", target);
    } finally {
      ledger.close();
    }
    // Printed by the CLI's top-level error printer (a CliError) and by apply's refusal line.
    const job = await cli(["proposals", "writeback-job", target, "--store", store, "--output", join(built.dir, "job.json")]);
    assert.equal(job.code, 1);
    assertClean(job.stderr + job.stdout, "writeback-job refusal");
    assert.match(job.stderr, /The approval apr_\\u001b\[2J\\u009b31m\\u202e of proposal \S+ does not match its keyed MAC/);
    const apply = await cli(["apply", "--proposal", target, "--config", built.configPath, "--store", store]);
    assert.equal(apply.code, 1);
    assertClean(apply.stderr + apply.stdout, "apply refusal");
    assert.match(apply.stderr, /apr_\\u001b\[2J\\u009b31m\\u202e/);
  });

  test("the top-level error printer escapes any CliError, keeping only the message's own line breaks", async () => {
    const r = await cli(["receipts", "list", "--store", join(built.dir, "gone\u001b[2J\u009b\u202e", "x.db")]);
    assert.equal(r.code, 1);
    assertClean(r.stderr, "error printer");
    assert.match(r.stderr, /No store at \S+gone\\u001b\[2J\\u009b\\u202e\/x\.db/);
  });

  test("--json stays exact JSON: the values come back byte for byte", async () => {
    const r = await cli(["proposals", "show", ids.waiver, "--store", store, "--json"]);
    const body = JSON.parse(r.stdout);
    assert.equal(body.proposal.patch.waiver_reason, MODEL_REASON);
    assert.equal(body.proposal.before.waiver_reason, DB_REASON);
    assert.equal(body.proposal.principal, PRINCIPAL);
  });
});
