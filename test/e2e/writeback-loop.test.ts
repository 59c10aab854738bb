// The whole loop as people run it, on both engines: the model proposes through MCP, a person
// approves with the CLI, a trusted process applies with the writer credential, and the
// receipt and replay tell what happened.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { setUpWriteback, holdRow, type WritebackProject } from "../support/writeback-setup.ts";
import { approveInProcess } from "../support/review.ts";
import { assertMatchesSchema } from "../support/protocol-schemas.ts";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`writeback loop on ${engine}`, () => {
    let project: WritebackProject;
    let db: WritebackProject["db"];
    let built: WritebackProject["built"];
    let env: NodeJS.ProcessEnv;
    let store: string;

    before(async () => {
      project = await setUpWriteback(engine, "srwb");
      ({ db, built, env, store } = project);
    });

    after(async () => {
      await project?.close();
    });

    const propose = (invoice: string, fee = 0) => project.propose(invoice, fee);
    const cli = (args: string[]) => project.cli(args);
    const inspect = (invoice: string) => project.inspect(invoice);

    test("approve with the required role, apply, then apply again", async () => {
      const p = await propose("INV-3001");
      assert.equal(p.ok, true, p.summary);
      const id = p.proposal.id;

      const unapproved = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(unapproved.code, 0);
      assert.equal(JSON.parse(unapproved.stdout).error.code, "APPROVAL_REQUIRED");

      const noRole = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--yes"]);
      assert.notEqual(noRole.code, 0);
      assert.match(noRole.stderr, /billing_lead/);

      const approved = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.equal(approved.code, 0, approved.stderr);

      const applied = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      const receipt = JSON.parse(applied.stdout);
      assert.equal(receipt.status, "applied");
      assert.equal(receipt.rows_affected, 1);
      assert.equal(receipt.source_database_mutated, true);
      assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", receipt, "apply --json (sql_update)");
      const row = await inspect("INV-3001");
      assert.equal(row.late_fee_cents, 0);
      assert.equal(row.status, "open");
      assert.equal(row.waiver_reason, "loop test");

      const again = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).status, "already_applied");
      assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", JSON.parse(again.stdout), "apply --json (sql_update, again)");
      const shown = JSON.parse((await cli(["proposals", "show", id, "--store", store, "--json"])).stdout);
      assertMatchesSchema("change-set.v1", shown.changeSet, "proposals show --json changeSet");
      assert.ok(shown.writebackJobs.length >= 1 && shown.receipts.length >= 1);
      for (const job of shown.writebackJobs) assertMatchesSchema("writeback-job.v1", job.request, "the job sql_update was given");
      for (const stored of shown.receipts) assertMatchesSchema("execution-receipt.v1#/$defs/stored_receipt", stored, "a stored sql_update receipt");

      const replay = await cli(["replay", "show", id, "--store", store, "--json"]);
      assert.equal(replay.code, 0, replay.stderr);
      const text = replay.stdout;
      for (const piece of ["tenant_acme", "agent-7", "dana", "billing_lead", "applied", p.evidence.bundle_id]) assert.ok(text.includes(piece), `replay mentions ${piece}`);
      assert.equal(text.includes("wr-pass-1") || text.includes("rd-pass-1"), false, "no secret in the replay");
    });

    test("a person edits the row first: conflict, and the row keeps the person's edit", async () => {
      const p = await propose("INV-3003", 100);
      const id = p.proposal.id;
      // The CLI's approve is the first test's; from here on approval only sets up apply, so it runs in process.
      await approveInProcess(store, id, "dana", "billing_lead");
      await db.exec("UPDATE invoices SET late_fee_cents = 4000 WHERE id = 'INV-3003'");
      const r = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(r.code, 0);
      const receipt = JSON.parse(r.stdout);
      assert.equal(receipt.status, "conflict");
      assert.equal(receipt.safe_error_code, "ROW_CHANGED_AFTER_PROPOSAL");
      assertMatchesSchema("execution-receipt.v1#/$defs/apply_output", receipt, "apply --json (sql_update conflict)");
      assert.equal((await inspect("INV-3003")).late_fee_cents, 4000);
    });

    /** Puts INV-3004 back into a waivable state and returns an approved proposal for it. */
    const approvedProposalFor3004 = async (fee: number) => {
      await db.exec("UPDATE invoices SET status = 'overdue', late_fee_cents = 1200 WHERE id = 'INV-3004'");
      const p = await propose("INV-3004", fee);
      assert.equal(p.ok, true, p.summary);
      await approveInProcess(store, p.proposal.id, "dana", "billing_lead");
      return p.proposal.id as string;
    };
    const receiptRows = (proposalId: string) => project.receiptRows(proposalId);

    test("two apply processes racing on one approved proposal: one applied, one receipt, one write", async () => {
      const id = await approvedProposalFor3004(100);
      const args = ["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"];
      const [a, b] = await Promise.all([cli(args), cli(args)]);
      const answers = [a, b].map((r) => JSON.parse(r.stdout) as { status: string; source: string });
      // Exactly one run's executor wrote. The other either lost the race inside the database
      // (already_applied), or started late enough to find the winner's receipt there and record it.
      const writer = answers.findIndex((x) => x.status === "applied" && x.source !== "target_receipt");
      assert.notEqual(writer, -1, a.stdout + b.stdout + a.stderr + b.stderr);
      const other = answers[1 - writer]!;
      assert.ok(other.status === "already_applied" || other.source === "target_receipt", JSON.stringify(answers));
      assert.equal(a.code, 0);
      assert.equal(b.code, 0);
      assert.equal((await receiptRows(id)).length, 1, "one receipt row");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 100);
    });

    test("an apply process killed inside its transaction leaves the row untouched; a retry applies", async () => {
      const id = await approvedProposalFor3004(200);
      // Hold the row so the apply blocks inside its transaction, after claiming its receipt.
      const holder = await holdRow(engine, db.url, "INV-3004");
      const { spawn } = await import("node:child_process");
      const { CLI } = await import("../support/cli.ts");
      const child = spawn(process.execPath, [CLI, "apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"], { env, stdio: "ignore" });
      try {
        await holder.waitForBlockedWriter();
        child.kill("SIGKILL");
        await new Promise((r) => child.once("exit", r));
      } finally {
        await holder.release();
      }
      assert.equal((await inspect("INV-3004")).late_fee_cents, 1200, "the killed transaction wrote nothing");
      assert.equal((await receiptRows(id)).length, 0, "its receipt claim was rolled back too");
      const retry = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(retry.code, 0, retry.stderr + retry.stdout);
      assert.equal(JSON.parse(retry.stdout).status, "applied");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 200);
    });

    test("apply --job: the exported job applies; an edited job is refused", async () => {
      const id = await approvedProposalFor3004(300);
      const jobPath = join(built.runDir, `job-${id}.json`);
      const exported = await cli(["proposals", "writeback-job", id, "--store", store, "--output", jobPath]);
      assert.equal(exported.code, 0, exported.stderr);
      const { readFileSync, writeFileSync } = await import("node:fs");
      const job = JSON.parse(readFileSync(jobPath, "utf8"));
      const tampered = structuredClone(job);
      tampered.change_set.patch.late_fee_cents = 0;
      const tamperedPath = join(built.runDir, `job-${id}-edited.json`);
      writeFileSync(tamperedPath, JSON.stringify(tampered));
      const refused = await cli(["apply", "--job", tamperedPath, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(refused.code, 0);
      assert.equal(JSON.parse(refused.stdout).error.code, "POLICY_VIOLATION");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 1200);
      const applied = await cli(["apply", "--job", jobPath, "--config", built.configPath, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(JSON.parse(applied.stdout).status, "applied");
      assert.equal((await inspect("INV-3004")).late_fee_cents, 300);
    });

    test("a rejected proposal never applies", async () => {
      const p = await propose("INV-3005", 0);
      const id = p.proposal.id;
      const rejected = await cli(["proposals", "reject", id, "--store", store, "--actor", "dana", "--reason", "not justified", "--yes"]);
      assert.equal(rejected.code, 0, rejected.stderr);
      const r = await cli(["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"]);
      assert.notEqual(r.code, 0);
      assert.equal(JSON.parse(r.stdout).error.code, "APPROVAL_REQUIRED");
      assert.equal((await inspect("INV-3005")).late_fee_cents, 1500);
      const approveRejected = await cli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"]);
      assert.notEqual(approveRejected.code, 0);
    });
  });
}
