// Searching the ledger's reads (evidence bundles, query audit) and proposals by the filters the
// ledger commands take, on a real store of each backend (SQLite, Postgres): each filter narrows to exactly the records it
// names, the time range is inclusive at both ends, and the flags parse into those filters.
// Also the renderers of the new records: hostile stored values stay inert in the terminal and
// in Markdown.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { ReadRecord, StoredProposal } from "../../runtime/ledger/records.ts";
import { searchActivity } from "../../operator/ledger/activity.ts";
import { formatEvidence, formatEvidenceList, formatQueryAudit } from "../../operator/ledger/format.ts";
import { evidenceMarkdown, queryAuditMarkdown } from "../../operator/ledger/markdown.ts";
import { evidenceDocument, evidenceItem, queryAuditItem } from "../../operator/ledger/records-json.ts";
import { readFilterFrom } from "../../operator/ledger/search-options.ts";
import { CliError } from "../../cli/program.ts";
import { firstForbidden, hostile } from "../support/hostile-text.ts";
import { sharedLedgerBackends, unitTierOnly, ledgerHarness } from "../support/ledger-backends.ts";

function read(overrides: Partial<ReadRecord> & { object?: string }): ReadRecord {
  const { object = "INV-3001", ...rest } = overrides;
  return {
    capability: "billing.inspect_invoice",
    tenantId: "acme",
    principal: "agent:support",
    source: "app_pg",
    table: "public.invoices",
    statementFingerprint: "9c1e2f3a4b5d6e7f",
    args: { invoice_id: object },
    redactedParams: [object, "$tenant_id"],
    rows: [{ id: object, status: "overdue" }],
    objectIds: [object],
    durationMs: 1.5,
    withEvidence: true,
    ...rest,
  };
}

for (const backendName of sharedLedgerBackends()) {
  const backend = ledgerHarness(backendName);
  describe(`searching reads and proposals (${backendName})`, () => {
    let ledger: Ledger;
    const ev: Record<string, string> = {};
    const qa: Record<string, string> = {};
    const at: Record<string, string> = {};
    let proposal: StoredProposal;

    before(async () => {
      ledger = await backend.fresh();
      // Each record in its own millisecond, so the time filters have distinct edges.
      const records: Array<[string, ReadRecord]> = [
        ["acme3001", read({})],
        ["acme3003", read({ object: "INV-3003" })],
        ["tickets", read({ capability: "support.list_open_tickets", table: "public.support_tickets", object: "T-1001", rows: [{ id: "T-1001" }, { id: "T-1003" }], objectIds: ["T-1001", "T-1003"] })],
        ["mysqlSource", read({ source: "app_mysql", table: "invoices", object: "INV-3001" })],
        ["globex", read({ tenantId: "globex", object: "INV-4001" })],
        ["noEvidence", read({ object: "INV-9999", rows: [], objectIds: [], withEvidence: false })],
      ];
      for (const [name, record] of records) {
        const ids = await ledger.reads.recordRead(record);
        qa[name] = ids.queryAuditId;
        if (ids.evidenceId) ev[name] = ids.evidenceId;
        at[name] = (await ledger.reads.getQueryAudit(ids.queryAuditId))!.createdAt;
        await sleep(3);
      }
      await ledger.reads.recordFailure({ capability: "billing.inspect_invoice", tenantId: "acme", code: "TEMPORARILY_UNAVAILABLE", internal: "connection refused" });
      proposal = await ledger.proposals.create({
        capability: "billing.propose_late_fee_waiver",
        tenantId: "acme",
        principal: "agent:support",
        source: "app_pg",
        target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
        before: { id: "INV-3001", late_fee_cents: 2500 },
        patch: { late_fee_cents: 0 },
        after: { id: "INV-3001", late_fee_cents: 0 },
        guards: { tenant: { column: "tenant_id", value: "acme" } },
        args: { invoice_id: "INV-3001" },
        evidenceId: ev.acme3001!,
        approval: { mode: "human" },
        executor: { name: "app_pg_writer", type: "sql_update" },
      });
    });

    const evidenceIds = async (filter: Parameters<Ledger["reads"]["listEvidence"]>[0]) => (await ledger.reads.listEvidence(filter)).map((e) => e.id);

    test("every evidence filter narrows to exactly the bundles it names, newest first", async () => {
      assert.deepEqual(await evidenceIds({}), [ev.globex, ev.mysqlSource, ev.tickets, ev.acme3003, ev.acme3001]);
      assert.deepEqual(await evidenceIds({ tenantId: "globex" }), [ev.globex]);
      assert.deepEqual(await evidenceIds({ capability: "support.list_open_tickets" }), [ev.tickets]);
      assert.deepEqual(await evidenceIds({ source: "app_mysql" }), [ev.mysqlSource]);
      // A bare table name finds the schema-qualified table too; a qualified one only itself.
      assert.deepEqual(await evidenceIds({ table: "invoices" }), [ev.globex, ev.mysqlSource, ev.acme3003, ev.acme3001]);
      assert.deepEqual(await evidenceIds({ table: "public.invoices" }), [ev.globex, ev.acme3003, ev.acme3001]);
      assert.deepEqual(await evidenceIds({ table: "support_tickets" }), [ev.tickets]);
      // Objects: the key alone, table:key (bare or qualified), and any one of a list read's objects.
      assert.deepEqual(await evidenceIds({ tenantId: "acme", object: "INV-3001" }), [ev.mysqlSource, ev.acme3001]);
      assert.deepEqual(await evidenceIds({ tenantId: "acme", object: "invoices:INV-3001" }), [ev.mysqlSource, ev.acme3001]);
      assert.deepEqual(await evidenceIds({ tenantId: "acme", object: "public.invoices:INV-3001" }), [ev.acme3001]);
      assert.deepEqual(await evidenceIds({ object: "support_tickets:T-1003" }), [ev.tickets]);
      assert.deepEqual(await evidenceIds({ object: "tickets:T-1003" }), [], "a table name must match whole");
      assert.deepEqual(await evidenceIds({ object: "INV-30" }), [], "an object id must match whole");
      assert.deepEqual(await evidenceIds({ tenantId: "acme", source: "app_pg", table: "invoices", capability: "billing.inspect_invoice" }), [ev.acme3003, ev.acme3001]);
    });

    test("the time range is inclusive at both ends", async () => {
      assert.deepEqual(await evidenceIds({ since: at.acme3003, until: at.mysqlSource }), [ev.mysqlSource, ev.tickets, ev.acme3003]);
      assert.deepEqual(await evidenceIds({ since: at.globex }), [ev.globex]);
      assert.deepEqual(await evidenceIds({ until: at.acme3001 }), [ev.acme3001]);
      assert.deepEqual(await evidenceIds({ since: "2999-01-01T00:00:00.000Z" }), []);
    });

    test("query audit: failures and reads without evidence are there; --evidence and --outcome narrow", async () => {
      const all = await ledger.reads.listQueryAudit({ tenantId: "acme" });
      assert.equal(all.length, 6, "five acme reads (one without evidence) and one failure");
      assert.equal(all[0]!.outcome, "error");
      assert.equal(all[0]!.evidenceId, null);
      assert.deepEqual((await ledger.reads.listQueryAudit({ evidenceId: ev.acme3003 })).map((q) => q.id), [qa.acme3003]);
      assert.deepEqual(await ledger.reads.listQueryAudit({ evidenceId: qa.acme3003 }), [], "a query audit id is not an evidence id");
      assert.deepEqual(await ledger.reads.listQueryAudit({ evidenceId: "ev_" + qa.noEvidence!.slice(3) }), [], "the read kept no evidence");
      assert.deepEqual((await ledger.reads.listQueryAudit({ outcome: "error" })).map((q) => q.errorCode), ["TEMPORARILY_UNAVAILABLE"]);
      // A read that keeps no evidence keeps no object ids either: the object filter finds reads with evidence.
      assert.deepEqual(await ledger.reads.listQueryAudit({ object: "INV-9999" }), []);
      assert.deepEqual((await ledger.reads.listQueryAudit({ object: "INV-3003" })).map((q) => q.id), [qa.acme3003]);
      assert.deepEqual((await ledger.reads.listQueryAudit({ source: "app_mysql" })).map((q) => q.id), [qa.mysqlSource]);
      assert.equal((await ledger.reads.getQueryAudit(qa.globex!, "acme")), undefined, "tenant-scoped lookup");
      assert.equal((await ledger.reads.getQueryAudit(qa.globex!, "globex"))!.evidenceId, ev.globex);
      assert.equal(await ledger.reads.getQueryAudit(ev.globex!), undefined);
    });

    test("proposals: by source, table, time and evidence", async () => {
      const ids = async (filter: Parameters<Ledger["proposals"]["list"]>[0]) => (await ledger.proposals.list(filter)).map((p) => p.id);
      assert.deepEqual(await ids({ evidenceId: ev.acme3001 }), [proposal.id]);
      assert.deepEqual(await ids({ evidenceId: ev.acme3003 }), []);
      assert.deepEqual(await ids({ table: "invoices" }), [proposal.id]);
      assert.deepEqual(await ids({ table: "public.invoices" }), [proposal.id]);
      assert.deepEqual(await ids({ table: "support_tickets" }), []);
      assert.deepEqual(await ids({ source: "app_pg" }), [proposal.id]);
      assert.deepEqual(await ids({ source: "app_mysql" }), []);
      assert.deepEqual(await ids({ since: proposal.createdAt, until: proposal.createdAt }), [proposal.id]);
      assert.deepEqual(await ids({ until: at.globex }), []);
    });

    test("activity: reads and the proposal in one timeline, decisions kept by their own time", async () => {
      const entries = await searchActivity(ledger, { tenantId: "acme", object: "invoices:INV-3001", limit: 50 });
      assert.deepEqual(entries.map((e) => [e.kind, e.id]), [["proposal", proposal.id], ["read", ev.mysqlSource], ["read", ev.acme3001]]);
      await sleep(3);
      const decided = await ledger.proposals.decide({ proposalId: proposal.id, decision: "rejected", actor: "dana", reason: "not an outage" });
      assert.ok(decided.ok);
      // The proposal was made before --since, its decision after: the decision alone is in range.
      const since = decided.decision.createdAt;
      const late = await searchActivity(ledger, { tenantId: "acme", object: "invoices:INV-3001", since, limit: 50 });
      assert.deepEqual(late.map((e) => [e.kind, e.status]), [["decision", "rejected"]]);
      assert.match(late[0]!.summary, /rejected by dana: not an outage/);
      assert.deepEqual((await searchActivity(ledger, { tenantId: "globex", limit: 50 })).map((e) => e.id), [ev.globex]);
      assert.equal((await searchActivity(ledger, { tenantId: "acme", limit: 2 })).length, 2);
    });
  });
}

describe("search flags", unitTierOnly(), () => {
  const now = new Date("2026-05-16T12:00:00.000Z");
  test("times parse as ISO or an age; an empty range and an unreadable time are refused with the fix", () => {
    assert.deepEqual(readFilterFrom({ limit: 10, tenant: "acme", object: "invoices:INV-1", since: "2h", until: "2026-05-16T11:30Z" }, now), {
      limit: 10, tenantId: "acme", object: "invoices:INV-1", since: "2026-05-16T10:00:00.000Z", until: "2026-05-16T11:30:00.000Z",
    });
    assert.throws(() => readFilterFrom({ limit: 10, since: "1h", until: "2h" }, now), (e: Error) => e instanceof CliError && /later than --until/.test(e.message));
    assert.throws(() => readFilterFrom({ limit: 10, until: "last week" }, now), (e: Error) => e instanceof CliError && /--until must be an ISO 8601/.test(e.message));
  });
});

describe("rendering stored values", unitTierOnly(), () => {
  const bundle = (value: string, column: string) => ({
    id: "ev_1", capability: "billing.inspect_invoice", tenantId: value, principal: value, table: "public.invoices",
    objectIds: [value], args: { invoice_id: value }, rows: [{ id: value, [column]: value }], queryAuditId: "qa_1", createdAt: "2026-01-01T00:00:00.000Z",
  });
  const audit = (value: string) => ({
    id: "qa_1", capability: "billing.inspect_invoice", tenantId: value, principal: value, source: value, table: value, statementFingerprint: value,
    rowCount: 1, durationMs: 1, redactedParams: [value], outcome: "error" as const, errorCode: value, evidenceId: "ev_1", traceparent: value, createdAt: "2026-01-01T00:00:00.000Z",
  });

  test("no raw control, bidi or invisible character reaches the terminal or the Markdown", () => {
    fc.assert(fc.property(hostile, hostile, (value, column) => {
      const doc = evidenceDocument(bundle(value, column), audit(value), ["wrp_1"]);
      for (const out of [formatEvidence(doc), formatEvidenceList([evidenceItem(bundle(value, column))]), formatQueryAudit(queryAuditItem(audit(value))),
        evidenceMarkdown(doc), queryAuditMarkdown(queryAuditItem(audit(value)))]) {
        assert.equal(firstForbidden(out.replace(/\n/g, "")), undefined, JSON.stringify(out));
      }
    }), { numRuns: 200 });
  });

  test("Markdown metacharacters in a row stay text: no link, HTML, emphasis or extra cell", () => {
    const value = "[approved](https://evil.example) <img src=x onerror=alert(1)> **bold** | extra | `code` &#x202E; \u202e\u001b[2J";
    const md = evidenceMarkdown(evidenceDocument(bundle(value, "note|x"), audit(value), []));
    const rowLine = md.split("\n").find((l) => l.startsWith("| ") && l.includes("approved"))!;
    // With every backslash escape taken out, no Markdown syntax character is left but the table's
    // own pipes: two columns, three pipes, whatever the value holds.
    const unescaped = rowLine.replace(/\\./g, "");
    assert.equal(unescaped.split("|").length - 1, 3, rowLine);
    assert.doesNotMatch(unescaped, /[[\]<>*`&]/, rowLine);
    assert.match(rowLine, /\\\[approved\\\]\(https\\:\/\/evil\.example\)/);
    assert.match(rowLine, /\\\\u202e\\\\u001b\\\[2J/);
    assert.equal(firstForbidden(md.replace(/\n/g, "")), undefined);
  });
});
