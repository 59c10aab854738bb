// apply against real databases when things go wrong after a person approved: a conflict is final
// (also when the row is put back), and a ledger that fails after the executor committed loses
// nothing: apply says so without a stack trace, and `receipts reconcile` or a second apply
// records the receipt from the target database, where it is authoritative.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { CLI, type RunResult } from "../support/cli.ts";
import { storeRow } from "../support/ledger-file.ts";
import { holdRow, setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";

const STACK = /\n\s+at |node:internal|Error: /;

function lastEvent(store: string, proposalId: string): { type: string; detail: string } {
  const db = new DatabaseSync(store, { readOnly: true });
  try {
    return db.prepare("SELECT type, detail FROM events WHERE proposal_id = ? ORDER BY id DESC LIMIT 1").get(proposalId) as { type: string; detail: string };
  } finally {
    db.close();
  }
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`apply after faults on ${engine}`, () => {
    let project: WritebackProject;
    before(async () => {
      project = await setUpWriteback(engine, "srlf");
    });
    after(async () => {
      await project?.close();
    });

    const apply = (id: string, ...extra: string[]) =>
      project.cli(["apply", "--proposal", id, "--config", project.built.configPath, "--store", project.store, ...extra]);
    const stateOf = async (id: string) => storeRow(project.store, "proposals", id).state as string;
    const ledgerReceipts = async (id: string) =>
      JSON.parse((await project.cli(["receipts", "list", "--store", project.store, "--proposal", id, "--json"])).stdout) as Array<{ id: string; receipt: { status: string } }>;

    test("conflict is final: applying again is refused, also after the row is re-created exactly as it was, and by --job", async () => {
      const p = await project.propose("INV-3005", 100);
      assert.equal(p.ok, true, p.summary);
      const id = p.proposal.id as string;
      await project.approve(id);
      const jobPath = join(project.built.runDir, `job-${id}.json`);
      assert.equal((await project.cli(["proposals", "writeback-job", id, "--store", project.store, "--output", jobPath])).code, 0);

      // The row disappears (kept aside), so the guarded update matches nothing: conflict.
      await project.db.exec("CREATE TABLE invoices_kept AS SELECT * FROM invoices WHERE id = 'INV-3005'");
      await project.db.exec("DELETE FROM invoices WHERE id = 'INV-3005'");
      const first = await apply(id, "--json");
      assert.equal(first.code, 1, first.stderr);
      assert.equal(JSON.parse(first.stdout).status, "conflict");
      assert.equal(JSON.parse(first.stdout).safe_error_code, "ROW_NOT_FOUND_OR_WRONG_TENANT");
      assert.equal(await stateOf(id), "conflict");

      // Re-created exactly as it was: every guard would match again, but conflict is final.
      await project.db.exec("INSERT INTO invoices SELECT * FROM invoices_kept");
      const again = await apply(id);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /FINAL_STATE: Proposal wrp_\w+ ended in conflict, which is final/);
      assert.match(again.stderr, /propose the change anew/);
      assert.doesNotMatch(again.stderr, STACK);
      const byJob = await project.cli(["apply", "--job", jobPath, "--config", project.built.configPath, "--store", project.store, "--json"]);
      assert.equal(byJob.code, 1);
      assert.equal(JSON.parse(byJob.stdout).error.code, "FINAL_STATE");

      assert.equal((await project.inspect("INV-3005")).late_fee_cents, 1500, "the re-created row was not written");
      assert.equal((await project.receiptRows(id)).length, 0, "no receipt in the target database");
      assert.equal(await stateOf(id), "conflict");
      assert.deepEqual((await ledgerReceipts(id)).map((r) => r.receipt.status), ["conflict"], "the state equals the one receipt");
    });

    /**
     * Applies `id` in a child process and makes the ledger fail after the executor committed: the
     * row is held so the apply blocks inside its transaction (its job already stored), then another
     * connection takes the store's write lock and keeps it until apply has given up.
     */
    async function applyWithLockedLedger(id: string, invoice: string): Promise<RunResult> {
      const holder = await holdRow(engine, project.db.url, invoice);
      const child = spawn(process.execPath, [CLI, "apply", "--proposal", id, "--config", project.built.configPath, "--store", project.store], {
        env: project.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
      const lock = new DatabaseSync(project.store, { timeout: 5000 });
      try {
        await holder.waitForBlockedWriter();
        lock.exec("BEGIN EXCLUSIVE");
      } finally {
        await holder.release();
      }
      try {
        return { code: await exited, stdout, stderr };
      } finally {
        if (lock.isTransaction) lock.exec("ROLLBACK");
        lock.close();
      }
    }

    async function assertLostReceipt(id: string, invoice: string, fee: number): Promise<void> {
      const r = await applyWithLockedLedger(id, invoice);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.doesNotMatch(r.stderr, STACK, r.stderr);
      assert.match(r.stderr, /RECEIPT_NOT_RECORDED: The executor answered applied, but the ledger could not record it \(cannot write to the store at .*: the store is locked by another process\)/);
      assert.match(r.stderr, /The change WAS written to the source database/);
      assert.match(r.stderr, /synapsor-runner receipts reconcile --proposal /);
      assert.equal((await project.inspect(invoice)).late_fee_cents, fee, "the executor committed the row");
      assert.equal((await project.receiptRows(id))[0]?.status, "applied", "and its receipt in the target database");
      assert.equal(await stateOf(id), "approved", "the ledger missed it");
    }

    test("the ledger fails after the executor committed: a clear message, then `receipts reconcile` records the receipt", async () => {
      const p = await project.propose("INV-3001", 300);
      const id = p.proposal.id as string;
      await project.approve(id);
      await assertLostReceipt(id, "INV-3001", 300);

      const dry = await project.cli(["receipts", "reconcile", "--config", project.built.configPath, "--store", project.store, "--json"]);
      assert.equal(dry.code, 0, dry.stderr);
      const reports = JSON.parse(dry.stdout) as Array<{ proposalId: string; outcome: string; state: string; receiptId?: string }>;
      const mine = reports.find((r) => r.proposalId === id)!;
      assert.equal(mine.outcome, "recorded");
      assert.equal(mine.state, "applied");
      assert.equal(await stateOf(id), "applied");
      const stored = await ledgerReceipts(id);
      assert.deepEqual(stored.map((r) => [r.id, r.receipt.status]), [[mine.receiptId, "applied"]]);
      const shown = JSON.parse((await project.cli(["receipts", "show", mine.receiptId!, "--store", project.store, "--json"])).stdout);
      assert.equal(shown.receipt.source_database_mutated, true);

      // Nothing more to do: a second reconcile finds no open proposal for it, and apply answers from the ledger.
      const twice = await project.cli(["receipts", "reconcile", "--proposal", id, "--config", project.built.configPath, "--store", project.store]);
      assert.equal(twice.code, 1);
      assert.match(twice.stdout, /applied, which is final/);
      const again = await apply(id, "--json");
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).status, "already_applied");
      assert.equal(JSON.parse(again.stdout).receipt_id, mine.receiptId);
      assert.equal((await project.receiptRows(id)).length, 1, "one write");
    });

    test("the ledger fails after the executor committed: applying again records the target database's receipt and writes nothing", async () => {
      const p = await project.propose("INV-3003", 700);
      const id = p.proposal.id as string;
      await project.approve(id);
      await assertLostReceipt(id, "INV-3003", 700);

      const rerun = await apply(id, "--json");
      assert.equal(rerun.code, 0, rerun.stderr);
      const out = JSON.parse(rerun.stdout);
      assert.equal(out.status, "applied");
      assert.equal(out.source, "target_receipt");
      assert.equal(await stateOf(id), "applied");
      assert.deepEqual((await ledgerReceipts(id)).map((r) => r.receipt.status), ["applied"]);
      const last = lastEvent(project.store, id);
      assert.equal(last.type, "writeback_applied");
      assert.equal(JSON.parse(last.detail).origin, "target_receipt");
      assert.equal((await project.receiptRows(id)).length, 1, "one write");
      assert.equal((await project.inspect("INV-3003")).late_fee_cents, 700);
    });
  });
}
