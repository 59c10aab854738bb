// Issue 7 item 2: a reviewer must never be shown a diff the model (or the database) chose. The
// hostile values here are the ones the first pass of escaping let through: invisible characters
// (zero-width, word joiner, BOM, soft hyphen, tag characters, stray variation selectors) that make
// two different values look the same, a typed `\u202e` that read exactly like the escape of a real
// U+202E, and Markdown that forged links, HTML, entities and code spans in the exported replay.
// They are planted where they really come from (the model's arguments, the database row, the
// evidence read, a handler's receipt) and read through the real CLI, on a pseudo-terminal for
// the approval prompt.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { StoredProposal } from "../../runtime/ledger/records.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import { runCli } from "../support/cli.ts";
import { HAS_SCRIPT, onTerminal } from "../support/terminal.ts";

/** Looks like "waived" but carries a zero-width space, a word joiner, a soft hyphen, a BOM and an invisible tag run. */
const INVISIBLE = "wai\u200bv\u2060e\u00add\ufeff\u{e0041}\u{e0042}";
/** The model typed the six characters `\u202e`: it must not read like the escape of a real U+202E. */
const TYPED_ESCAPE = "refund \\u202e ok";
const REAL_BIDI = "refund \u202e ok";
/** A value that forges Markdown structure: a link, raw HTML, an entity that renders as U+202E, a code span break, a table pipe, GitHub math. */
const MARKDOWN = "[Approved by finance](https://evil.example) <img src=x onerror=alert(1)> &#x202E; `code` | cell **bold** ~~gone~~ $x$";
/** A database value with stray variation selectors, a Mongolian vowel separator and a Hangul filler. */
const DB_NOTE = "a\ufe0fb\u180ec\u3164d\u2064e";
/** Principal and tenant come from the trusted context; an HTTP JWT claim is just as untrusted. */
const PRINCIPAL = "agent`\u200d` <b>x</b>";

/** Raw characters no screen may receive, written out from the list (not from the module under test). */
function rawHit(text: string): string | undefined {
  // A whole recommended emoji sequence is one visible picture; none of the inputs here contain one.
  for (const c of text) {
    const n = c.codePointAt(0)!;
    const bad =
      (n <= 0x1f && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || n === 0x00ad || n === 0x061c || n === 0x180e || n === 0x3164 ||
      (n >= 0x200b && n <= 0x200f) || (n >= 0x2028 && n <= 0x202e) || (n >= 0x2060 && n <= 0x206f) ||
      (n >= 0xfe00 && n <= 0xfe0f) || n === 0xfeff || (n >= 0xd800 && n <= 0xdfff) || (n >= 0xe0000 && n <= 0xe0fff);
    if (bad) return `U+${n.toString(16).padStart(4, "0")}`;
  }
  return undefined;
}

/** Whether `token` occurs with its first character not backslash-escaped (an even run of backslashes before it). */
function unescaped(text: string, token: string): boolean {
  for (let at = text.indexOf(token); at !== -1; at = text.indexOf(token, at + 1)) {
    let slashes = 0;
    while (text[at - 1 - slashes] === "\\") slashes++;
    if (slashes % 2 === 0) return true;
  }
  return false;
}

function assertClean(text: string, where: string): void {
  const hit = rawHit(text);
  assert.equal(hit, undefined, `${where}: raw ${hit} in output`);
}

describe("review rendering: invisible characters, typed escapes and Markdown", () => {
  let root: string;
  let store: string;
  let ledger: Ledger;
  let proposal: StoredProposal;
  let fresh: StoredProposal;
  const cli = (args: string[]) => runCli(args);

  const propose = async (ledger: Ledger): Promise<StoredProposal> => {
    const before = { id: "INV-3001", tenant_id: "acme", status: "open", waiver_reason: DB_NOTE, late_fee_cents: 2500, updated_at: "2026-05-16T09:12:44Z" };
    const read = await ledger.reads.recordRead({
      capability: "billing.inspect_invoice", tenantId: "acme", principal: PRINCIPAL, source: "app_pg", table: "public.invoices",
      statementFingerprint: "9c1e2f3a4b5d6e7f", args: { invoice_id: "INV-3001" }, redactedParams: ["INV-3001", "$tenant_id"],
      rows: [{ ...before, [`note${"\u200b"}`]: MARKDOWN }], objectIds: ["INV-3001"], durationMs: 1, withEvidence: true,
    });
    const patch = { status: INVISIBLE, waiver_reason: TYPED_ESCAPE, internal_note: REAL_BIDI, late_fee_cents: 0, credit_memo: MARKDOWN };
    return await ledger.proposals.create({
      capability: "billing.propose_late_fee_waiver", tenantId: "acme", principal: PRINCIPAL, source: "app_pg",
      target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
      before, patch, after: { ...before, ...patch },
      guards: { tenant: { column: "tenant_id", value: "acme" }, conflict: { column: "updated_at", expected: before.updated_at } },
      args: { invoice_id: "INV-3001", reason: TYPED_ESCAPE, memo: MARKDOWN },
      evidenceId: read.evidenceId!, approval: { mode: "human", requiredRole: "billing_lead" },
      executor: { name: "app_pg_writer", type: "sql_update" },
    });
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "review-render-"));
    store = join(root, "local.db");
    ledger = await openLedger({ path: store });
    proposal = await propose(ledger);
    fresh = await propose(ledger);
    const decided = await ledger.proposals.decide({ proposalId: proposal.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: proposal.hash, reason: MARKDOWN });
    assert.ok(decided.ok);
    const decision = (await ledger.proposals.decisions(proposal.id))[0]!;
    const request = buildWritebackRequest((await ledger.proposals.get(proposal.id))!, decision, new Date().toISOString());
    const job = await ledger.writeback.createJob(proposal.id, request as unknown as Record<string, unknown>);
    assert.ok(job.ok);
    const receipt = await ledger.writeback.recordReceipt({
      proposalId: proposal.id, jobId: job.value.id, executor: { name: "app_pg_writer", type: "sql_update" },
      receipt: {
        status: "applied", rows_affected: 1, source_database_mutated: true, previous_version: "a", new_version: "b", safe_error_code: null,
        message: `**All clear** ${MARKDOWN} ${INVISIBLE}`, details: { effects: [] },
      },
    });
    assert.ok(receipt.ok);
  });

  after(async () => {
    await ledger?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("proposals show: invisible characters are shown, and a typed \\u202e reads differently from a real U+202E", async () => {
    const r = await cli(["proposals", "show", proposal.id, "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "proposals show");
    assert.match(r.stdout, /wai\\u200bv\\u2060e\\u00add\\ufeff\\udb40\\udc41\\udb40\\udc42/);
    assert.match(r.stdout, /waiver_reason +a\\ufe0fb\\u180ec\\u3164d\\u2064e +refund \\\\u202e ok/);
    assert.match(r.stdout, /internal_note +null +refund \\u202e ok/);
    assert.match(r.stdout, /principal: agent`\\u200d` <b>x<\/b>/);
    assert.match(r.stdout, /"note\\u200b"=\[Approved by finance\]/, "an odd column name is quoted, so it cannot pass for another column");
  });

  test("the approve prompt on a terminal shows the same escapes right above [y/N]", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
    const r = await onTerminal(["proposals", "approve", fresh.id, "--store", store, "--actor", "dana\u200b", "--role", "billing_lead"], "n", process.env);
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /\[y\/N\]/);
    assertClean(r.output.replace(/\r/g, "").replace(/\u001b\[[0-9;]*[A-Za-z]/g, ""), "approve prompt");
    assert.match(r.output, /status +open +wai\\u200bv\\u2060e\\u00add\\ufeff/);
    assert.match(r.output, /waiver_reason +a\\ufe0fb\\u180ec\\u3164d\\u2064e +refund \\\\u202e ok/);
    assert.match(r.output, /Approve proposal \S+ as dana\\u200b \(role billing_lead\)\? \[y\/N\]/, "even the operator's own flags are escaped in the question");
  });

  test("replay show: no raw invisible character, typed and real escapes differ", async () => {
    const r = await cli(["replay", "show", proposal.id, "--store", store]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout + r.stderr, "replay show");
    assert.ok(r.stdout.includes("refund \\\\\\\\u202e ok"), "typed: the value's backslash doubled, then escaped for Markdown");
    assert.ok(r.stdout.includes("refund \\\\u202e ok"), "real U+202E: its escape, escaped for Markdown");
  });

  test("the Markdown export cannot forge a link, HTML, an entity, a code span or a table cell", async () => {
    const output = join(root, "replay.md");
    const r = await cli(["replay", "export", proposal.id, "--store", store, "--format", "markdown", "--output", output]);
    assert.equal(r.code, 0, r.stderr);
    const md = readFileSync(output, "utf8");
    assertClean(md, "replay.md");
    // Outside code spans and fences, every character Markdown acts on inline is backslash-escaped.
    let fenced = false;
    const prose = md.split("\n").filter((l) => {
      if (/^`{3,}/.test(l)) fenced = !fenced;
      return !fenced && !/^`{3,}/.test(l);
    }).map((l) => l.replace(/(?<!\\)(`+)(?!`).+?(?<!`)\1(?!`)/g, "")).join("\n");
    for (const forged of ["[Approved by finance]", "<img", "&#x202E;", "*All clear", "~~gone", "$x$"]) {
      assert.ok(!unescaped(prose, forged), `${forged} reached the Markdown unescaped`);
    }
    // The URL's "://" is broken by an escaped ':' too, so it does not autolink either.
    assert.ok(md.includes("\\[Approved by finance\\](https\\://evil.example) \\<img src=x onerror=alert(1)\\> \\&\\#x202E; \\`code\\` \\| cell \\*\\*bold\\*\\* \\~\\~gone\\~\\~ \\$x\\$"), md);
    // A code span holding a backtick gets a longer fence, so the principal's backticks stay inside it.
    assert.ok(md.includes("- Principal: ``agent`\\u200d` <b>x</b>``"), md);
    // Every row of the diff table has exactly its three cells: a value's pipe is escaped.
    const diffRows = md.slice(md.indexOf("| Column |"), md.indexOf("Guards checked")).trim().split("\n");
    for (const row of diffRows) assert.equal(row.replace(/\\\|/g, "").split("|").length, 5, row);
  });

  test("--json on a terminal: valid JSON with the same values, but no raw bidi or invisible character", async () => {
    const r = await cli(["proposals", "show", proposal.id, "--store", store, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assertClean(r.stdout, "proposals show --json");
    const body = JSON.parse(r.stdout);
    assert.equal(body.proposal.patch.status, INVISIBLE);
    assert.equal(body.proposal.patch.internal_note, REAL_BIDI);
    assert.equal(body.proposal.patch.waiver_reason, TYPED_ESCAPE);
    for (const args of [["replay", "show", proposal.id, "--json"], ["receipts", "list", "--json"], ["proposals", "list", "--json"]]) {
      const out = await cli([...args, "--store", store]);
      assert.equal(out.code, 0, out.stderr);
      assertClean(out.stdout, args.join(" "));
      JSON.parse(out.stdout);
    }
    const events = await cli(["events", "tail", "--store", store, "--json", "--limit", "100"]);
    assertClean(events.stdout, "events tail --json");
  });

  test("receipts and events in text mode show the handler's message escaped", async () => {
    const receipts = await cli(["receipts", "list", "--store", store]);
    assertClean(receipts.stdout, "receipts list");
    const id = receipts.stdout.split("\n")[2]!.split(/\s+/)[0]!;
    const shown = await cli(["receipts", "show", id, "--store", store]);
    assertClean(shown.stdout, "receipts show");
    assert.match(shown.stdout, /message: \*\*All clear\*\* .* wai\\u200bv/);
    const events = await cli(["events", "tail", "--store", store, "--limit", "100"]);
    assertClean(events.stdout, "events tail");
  });
});
