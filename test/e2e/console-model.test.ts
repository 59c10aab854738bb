// The review console's data, end to end on both engines: a real compiled server (SDK Client over
// stdio) reads and proposes; the review model then reads the live row through the READ path with
// the build's planned statement and evaluates the build's guards against it; the outcome model
// tells the receipt and the timeline after approve + apply through the CLI. One build per engine.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileCapabilities } from "../../operator/apply/compiled-capability.ts";
import { buildReviewModel, consoleModels, type ReviewDeps } from "../../operator/console/review-model.ts";
import { buildOutcomeModel } from "../../operator/console/outcome-model.ts";
import { exportOutcome, exportReview } from "../../operator/console/export.ts";
import { liveSources, type LiveSources } from "../../operator/console/live-row.ts";
import type { GuardCheck, ReviewModel } from "../../operator/console/model.ts";
import { proposalHistory } from "../../operator/review/history.ts";
import { openExistingLedger } from "../../operator/review/store.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { freePort } from "../support/ports.ts";
import { setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";

// Bidi override, BEL, Markdown link, HTML, a code fence and a newline that would start a heading.
const HOSTILE = "outage \u202Edeifirev\u202C\u0007 [approved](https://evil.example) <b>x</b> ``` | cell\n# Approved";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`console models (${engine})`, () => {
    let project: WritebackProject;
    let plan: BuildPlan;
    let ledger: Ledger;
    let sources: LiveSources;
    let deps: ReviewDeps;
    const guard = (model: ReviewModel, id: string): GuardCheck => {
      const found = model.guards.find((g) => g.id === id);
      assert.ok(found, `no guard ${id} in ${model.guards.map((g) => g.id).join(", ")}`);
      return found;
    };
    const review = async (id: string, overrides: Partial<ReviewDeps> = {}) => {
      const model = await buildReviewModel({ ...deps, ...overrides }, id);
      assert.ok(model, `no review model for ${id}`);
      return model;
    };
    const propose = async (invoice: string, fee: number): Promise<string> => {
      const p = await project.propose(invoice, fee);
      assert.equal(p.ok, true, p.summary);
      return p.proposal.id;
    };

    before(async () => {
      project = await setUpWriteback(engine, "srcm");
      const compiled = await compileCapabilities({ configPath: project.built.configPath, env: project.env });
      assert.ok(compiled.ok, JSON.stringify(!compiled.ok && compiled.diagnostics));
      plan = compiled.plan;
      ledger = await openExistingLedger(project.store);
      sources = liveSources(plan, project.env);
      deps = { ledger, plan, env: project.env, now: () => new Date(), sources };
    });

    after(async () => {
      await sources?.close();
      await ledger?.close();
      await project?.close();
    });

    test("the live row is the database row; guards hold; the planned UPDATE is the manifest's; hostile text stays data and is escaped in Markdown", async () => {
      await project.db.exec(`UPDATE invoices SET waiver_reason = ${engine === "postgres" ? "E" : ""}'${sqlText(HOSTILE)}' WHERE id = 'INV-3001'`);
      const read = await project.inspect("INV-3001");
      assert.equal(read.waiver_reason, HOSTILE);
      const id = await propose("INV-3001", 8000);

      const model = await review(id);
      assert.equal(model.live.status, "read");
      assert.deepEqual(model.live.status === "read" && model.live.row, read, "the live row is the row the read tool returns");
      assert.equal(model.stale, false);
      assert.ok(model.diff.every((d) => !d.changedSinceProposal));
      const fee = model.diff.find((d) => d.column === "late_fee_cents")!;
      assert.deepEqual({ before: fee.before, proposed: fee.proposed, now: fee.now, patched: fee.patched }, { before: 2500, proposed: 8000, now: 2500, patched: true });
      // internal_notes is not visible: neither the live row nor the diff carries it.
      assert.ok(!("internal_notes" in (model.live.status === "read" ? model.live.row : {})));
      assert.ok(!model.diff.some((d) => d.column === "internal_notes"));

      for (const g of model.guards) assert.equal(g.status, "holds", `${g.id}: ${g.detail}`);
      assert.match(guard(model, "bounds:late_fee_cents").detail, /8,000 of at most 10,000 \(80%/);
      assert.equal(model.requiredRole, "billing_lead");
      assert.equal(model.deadline, null);
      assert.equal(model.blockedBecause, null);
      assert.deepEqual(model.request, { capability: "billing.propose_late_fee_waiver", args: { invoice_id: "INV-3001", new_late_fee_cents: 8000, reason: "loop test" }, tenantId: "tenant_acme", principal: "agent-7", createdAt: model.proposal.createdAt });

      // Evidence: the proposal's own bundle, then the earlier read of the same invoice by billing.inspect_invoice.
      assert.equal(model.evidence[0]!.id, model.proposal.evidenceId);
      assert.equal(model.evidence[1]?.capability, "billing.inspect_invoice");
      assert.ok(model.evidence.every((e) => e.tenantId === "tenant_acme" && e.objectIds.includes("INV-3001")));

      const manifest = JSON.parse(readFileSync(join(project.built.outDir, "manifest.json"), "utf8"));
      const planned = manifest.capabilities.find((c: any) => c.name === "billing.propose_late_fee_waiver").proposal.write.statements.update.sql[engine];
      assert.equal(model.plannedWrite.statement, planned);
      assert.match(model.plannedWrite.statement!, /^\/\* synapsor:billing\.propose_late_fee_waiver \*\/ UPDATE /);
      assert.deepEqual(model.plannedWrite.executor, { name: "direct_sql", type: "sql_update" });

      // Hostile text read from the database is data in the model, byte for byte...
      assert.equal(model.diff.find((d) => d.column === "waiver_reason")!.now, HOSTILE);
      const json = exportReview(model, "json");
      assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(model)));
      assert.doesNotMatch(json, /[\u202E\u202C\u0007]/);
      // ...and in Markdown it can neither drive a terminal nor make a link, HTML, a cell or a heading.
      const md = exportReview(model, "markdown");
      assert.doesNotMatch(md, /[\u202E\u202C\u0007]/);
      assert.doesNotMatch(md, /\[approved\]\(/);
      assert.doesNotMatch(md, /<b>/);
      assert.doesNotMatch(md, /^# Approved/m);
      assert.match(md, /\\u\{?202E/i);
      const row = md.split("\n").find((l) => l.startsWith("| waiver") || l.startsWith("| `waiver"))!;
      assert.ok(row, md);
      assert.equal(row.split(/(?<!\\)\|/).length, 7, `a value added a cell: ${row}`);
    });

    test("after the row changes in the database: now is the new value, stale, and the conflict guard fails", async () => {
      const id = await propose("INV-3003", 9500);
      const fresh = await review(id);
      assert.match(guard(fresh, "bounds:late_fee_cents").detail, /9,500 of at most 10,000 \(95%/);
      assert.equal(guard(fresh, "conflict_column").status, "holds");

      await project.db.exec("UPDATE invoices SET late_fee_cents = 6000, updated_at = '2026-06-01 12:00:00' WHERE id = 'INV-3003'");
      const model = await review(id);
      assert.equal(model.stale, true);
      const fee = model.diff.find((d) => d.column === "late_fee_cents")!;
      assert.equal(fee.before, 5000);
      assert.equal(fee.now, 6000);
      assert.equal(fee.changedSinceProposal, true);
      assert.equal(model.diff.find((d) => d.column === "status")!.changedSinceProposal, false);
      const conflict = guard(model, "conflict_column");
      assert.equal(conflict.status, "fails");
      assert.match(conflict.detail, /updated_at/);
      assert.equal(guard(model, "tenant_scope").status, "holds");
    });

    test("a row moved to another tenant is missing, and the tenant guard fails", async () => {
      const id = await propose("INV-3005", 0);
      await project.db.exec("UPDATE invoices SET tenant_id = 'tenant_globex', customer_id = 'C-201' WHERE id = 'INV-3005'");
      const model = await review(id);
      assert.equal(model.live.status, "missing");
      assert.equal(model.stale, true);
      assert.ok(model.diff.every((d) => d.now === undefined && !("now" in d)));
      assert.equal(guard(model, "tenant_scope").status, "fails");
      assert.equal(guard(model, "single_row").status, "fails");
      // The other tenant's row is never shown.
      assert.doesNotMatch(JSON.stringify(model.live), /tenant_globex|C-201/);
      // A tenant filter on the model itself: another tenant does not see the proposal at all.
      assert.equal(await buildReviewModel(deps, id, "tenant_globex"), undefined);
    });

    test("no read URL, or a database that does not answer: unavailable, with a message that holds no URL", async () => {
      const proposals = await ledger.proposals.list({ tenantId: "tenant_acme", limit: 1 });
      const id = proposals[0]!.id;
      const { SUPPORT_DB_READ_URL: _read, ...withoutRead } = project.env;
      const unset = await review(id, { env: withoutRead, sources: undefined });
      assert.equal(unset.live.status, "unavailable");
      const message = unset.live.status === "unavailable" ? unset.live.message : "";
      assert.match(message, /SUPPORT_DB_READ_URL/);
      assert.doesNotMatch(message, /:\/\/|127\.0\.0\.1|pass/);
      for (const g of unset.guards.filter((g) => ["tenant_scope", "conflict_column", "transition:status", "primary_key"].includes(g.id))) assert.equal(g.status, "unknown", g.id);
      assert.ok(unset.diff.every((d) => !("now" in d)));

      const port = await freePort();
      const downUrl = engine === "postgres" ? `postgres://reader:s3cret-pw@127.0.0.1:${port}/nowhere` : `mysql://reader:s3cret-pw@127.0.0.1:${port}/nowhere`;
      const down = await review(id, { env: { ...project.env, SUPPORT_DB_READ_URL: downUrl }, sources: undefined });
      assert.equal(down.live.status, "unavailable");
      const downMessage = down.live.status === "unavailable" ? down.live.message : "";
      assert.match(downMessage, /TEMPORARILY_UNAVAILABLE|unreachable/);
      assert.doesNotMatch(downMessage, /s3cret|127\.0\.0\.1|ECONNREFUSED|:\/\//);

      // A console started without the contract evaluates nothing it cannot: no guards, no read, no planned write.
      const bare = await review(id, { plan: null, sources: undefined });
      assert.equal(bare.live.status, "unavailable");
      assert.deepEqual(bare.guards, []);
      assert.equal(bare.plannedWrite.statement, null);
      assert.match(bare.plannedWrite.note, /without the contract/);
    });

    test("after approve and apply (CLI): the receipt in words and the timeline in order, with the approval's actor, role and hashes", async () => {
      const id = (await ledger.proposals.list({ tenantId: "tenant_acme", object: "INV-3001", limit: 1 }))[0]!.id;
      await project.approve(id);
      const approved = await review(id);
      assert.equal(approved.decisions[0]!.actor, "dana");
      assert.equal(approved.blockedBecause, null);
      const applied = await project.cli(["apply", "--proposal", id, "--config", project.built.configPath, "--store", project.store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);

      const history = await proposalHistory(ledger, id);
      assert.ok(history);
      const outcome = buildOutcomeModel(history);
      assert.equal(outcome.state, "applied");
      assert.equal(outcome.receipt?.receipt.status, "applied");
      assert.match(outcome.receiptSummary!, /^Applied by direct_sql: 1 row changed in (public\.)?invoices; version .+ → .+\. Source database changed: yes\.$/);

      assert.deepEqual(outcome.timeline.map((s) => s.kind), ["read", "propose", "decide", "job", "receipt"]);
      const [read, proposed, decided, job, receipt] = outcome.timeline;
      assert.equal(read!.ref, history.proposal.evidenceId);
      assert.equal(read!.actor, "agent-7");
      assert.equal(proposed!.ref, history.proposal.hash);
      assert.equal(proposed!.actor, "agent-7");
      assert.deepEqual([decided!.actor, decided!.role, decided!.ref], ["dana", "billing_lead", history.decisions[0]!.id]);
      assert.ok(decided!.summary.includes(history.proposal.hash), decided!.summary);
      assert.equal(job!.ref, history.jobs[0]!.id);
      assert.match(job!.summary, new RegExp(`${id}:INV-3001`));
      assert.equal(receipt!.ref, history.receipts[0]!.id);
      const times = outcome.timeline.map((s) => s.at);
      assert.deepEqual(times, [...times].sort());

      // The review after apply: the idempotency key is spent, and the proposal is blocked as applied.
      const done = await review(id);
      assert.equal(guard(done, "idempotency_key").status, "fails");
      assert.match(done.blockedBecause ?? "", /applied/);

      // Any other event (here a reviewer's comment, as the console records it) follows in the timeline, its text kept as data.
      await ledger.events.append("proposal_commented", { actor: "erin", text: HOSTILE }, { proposalId: id, tenantId: "tenant_acme" });
      const models = consoleModels({ ledger, plan, env: project.env, now: () => new Date() });
      try {
        const later = await models.outcome(id);
        assert.ok(later);
        const comment = later.timeline.at(-1)!;
        assert.deepEqual([comment.kind, comment.actor], ["event", "erin"]);
        assert.ok(comment.summary.includes(HOSTILE), comment.summary);
        assert.equal((await models.review(id))?.live.status, "read");
        assert.equal(await models.outcome("wrp_nope"), undefined);

        const md = exportOutcome(later, "markdown");
        assert.match(md, /Applied by direct_sql/);
        assert.match(md, /\| dana \| billing_lead \|/);
        assert.doesNotMatch(md, /[\u202E\u202C\u0007]|\[approved\]\(|<b>|^# Approved/m);
        assert.equal(md.split("\n").find((l) => l.includes("erin"))!.split(/(?<!\\)\|/).length, 8);
        const json = exportOutcome(later, "json");
        assert.doesNotMatch(json, /[\u202E\u202C\u0007]/);
        assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(later)));
      } finally {
        await models.close();
      }
    });
  });
}

/** A string literal's body for the admin's SQL (test data only): quotes doubled, backslash and newline escaped for Postgres E'' and MySQL. */
function sqlText(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/\n/g, "\\n");
}
