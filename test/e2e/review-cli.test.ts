// The review CLI as an operator uses it: proposals made through the ledger API (as the MCP
// server makes them), then listed, shown, approved, rejected, exported, replayed and tailed
// through the real synapsor-runner process.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Receipt } from "../../runtime/executors/protocol.ts";
import { buildWritebackRequest } from "../../runtime/executors/request.ts";
import type { Ledger, WritebackOutcome } from "../../runtime/ledger/ports.ts";
import type { NewProposal, StoredProposal } from "../../runtime/ledger/records.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import { checkWritebackJob } from "../../operator/review/job-schema.ts";
import { CLI, REPO_ROOT, runCli } from "../support/cli.ts";
import { HAS_SCRIPT, onTerminal as onTerminalWith } from "../support/terminal.ts";
import { assertMatchesSchema } from "../support/protocol-schemas.ts";

const root = mkdtempSync(join(tmpdir(), "review-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));

// Secrets the operator's shell holds while running review commands; none may reach any output.
const SECRETS = {
  APP_PG_WRITE_URL: "postgres://app_writer:wr1ter-S3CRET@db.internal:5432/app",
  APP_PG_READ_URL: "postgres://app_reader:re4der-S3CRET@db.internal:5432/app",
  BILLING_HANDLER_TOKEN: "tok_live_9f8e7d6c5b4a",
  BILLING_SIGNING_SECRET: "whsec_0a1b2c3d4e5f",
};
const ENV = { ...process.env, ...SECRETS };
const cli = (args: string[], input?: string) => runCli(args, { env: ENV, ...(input !== undefined ? { input } : {}) });

function assertNoSecrets(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.ok(!text.includes(value), `${name}'s value leaked`);
  }
  for (const marker of ["S3CRET", "tok_live", "whsec_", "postgres://", "mysql://", "Bearer"]) assert.ok(!text.includes(marker), `${marker} leaked`);
}

let counter = 0;
async function newStore(): Promise<{ path: string; ledger: Ledger }> {
  const path = join(root, `store-${++counter}`, "local.db");
  const ledger = await openLedger({ path });
  return { path, ledger };
}

function value<T>(outcome: WritebackOutcome<T>): T {
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.refusal.message);
  return outcome.value;
}

/** A late-fee waiver proposal the way the compiled server records it: a read with evidence, then the proposal. */
async function propose(ledger: Ledger, overrides: Partial<NewProposal> & { invoice?: string } = {}): Promise<StoredProposal> {
  const { invoice = "INV-3001", ...rest } = overrides;
  const tenantId = rest.tenantId ?? "acme";
  const row = { id: invoice, tenant_id: tenantId, status: "open", late_fee_cents: 2500, updated_at: "2026-05-16T09:12:44.123456Z" };
  const read = await ledger.reads.recordRead({
    capability: "billing.inspect_invoice",
    tenantId,
    principal: "agent:support",
    source: "app_pg",
    table: "public.invoices",
    statementFingerprint: "9c1e2f3a4b5d6e7f",
    args: { invoice_id: invoice },
    redactedParams: [invoice, "$tenant_id"],
    rows: [row],
    objectIds: [invoice],
    durationMs: 1.8,
    withEvidence: true,
  });
  return await ledger.proposals.create({
    capability: "billing.propose_late_fee_waiver",
    tenantId,
    principal: "agent:support",
    source: "app_pg",
    target: { schema: "public", table: "invoices", primaryKey: { column: "id", value: invoice } },
    before: row,
    patch: { late_fee_cents: 0, status: "waived" },
    after: { ...row, late_fee_cents: 0, status: "waived" },
    guards: {
      tenant: { column: "tenant_id", value: tenantId },
      conflict: { column: "updated_at", expected: row.updated_at },
      transitions: [{ column: "status", from: ["open", "overdue"], to: ["waived"] }],
    },
    args: { invoice_id: invoice, reason: "first late payment in three years" },
    evidenceId: read.evidenceId!,
    approval: { mode: "human", requiredRole: "billing_lead" },
    executor: { name: "app_pg_writer", type: "sql_update" },
    ...rest,
  });
}

const APPLIED: Receipt = {
  status: "applied",
  rows_affected: 1,
  source_database_mutated: true,
  previous_version: "2026-05-16T09:12:44.123456Z",
  new_version: "2026-05-17T08:00:00.000001Z",
  safe_error_code: null,
  message: "The invoice was updated in one guarded transaction.",
  // The sql_update executor's effect, as it writes it.
  details: { effects: [{ type: "sql_update", table: "public.invoices", primary_key: { column: "id", value: "INV-3001" }, columns: ["late_fee_cents", "status"] }] },
};

/** Carries an approved proposal through the apply step's ledger calls (job, receipt) without a database. */
async function recordApply(ledger: Ledger, id: string, receipt: Receipt = APPLIED) {
  const decision = (await ledger.proposals.decisions(id)).find((d) => d.decision === "approved")!;
  const request = buildWritebackRequest((await ledger.proposals.get(id))!, decision, new Date().toISOString());
  const job = value(await ledger.writeback.createJob(id, request as unknown as Record<string, unknown>));
  const stored = value(await ledger.writeback.recordReceipt({ proposalId: id, jobId: job.id, executor: { name: "app_pg_writer", type: "sql_update" }, receipt }));
  return { job, receipt: stored };
}

const approveArgs = (id: string, path: string, ...extra: string[]) => ["proposals", "approve", id, "--store", path, "--actor", "dana", ...extra];

describe("help and bad input", () => {
  test("every review command has --help", async () => {
    const commands = [
      ["proposals", "list"], ["proposals", "show"], ["proposals", "approve"], ["proposals", "reject"], ["proposals", "writeback-job"],
      ["receipts", "list"], ["receipts", "show"], ["replay", "show"], ["replay", "export"], ["events", "tail"],
      ["proposals", "expire"], ["store", "key", "status"], ["store", "key", "rotate"],
    ];
    // Independent read-only runs: side by side, not one after another.
    const results = await Promise.all(commands.map((args) => cli([...args, "--help"])));
    commands.forEach((args, i) => {
      assert.equal(results[i]!.code, 0, args.join(" "));
      assert.match(results[i]!.stdout, /--store/, args.join(" "));
    });
  });

  test("a store path that does not exist is an error, and no store is created there", async () => {
    const path = join(root, "nowhere", "local.db");
    const r = await cli(["proposals", "list", "--store", path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No store at/);
    assert.equal(existsSync(path), false);
  });
});

describe("approve and reject", () => {
  let path: string;
  let ledger: Ledger;
  before(async () => ({ path, ledger } = await newStore()));
  after(() => ledger.close());

  test("approval without the required role, or with another role, is refused and changes nothing", async () => {
    const p = await propose(ledger);
    const none = await cli(approveArgs(p.id, path, "--yes"));
    assert.equal(none.code, 1);
    assert.match(none.stderr, /role billing_lead/);
    assert.match(none.stderr, /no --role was given/);
    const wrong = await cli(approveArgs(p.id, path, "--role", "support_agent", "--yes"));
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /--role support_agent was given/);
    assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
    assert.deepEqual(await ledger.proposals.decisions(p.id), []);
  });

  test("approval with the required role binds to the hash; a second approval is refused", async () => {
    const p = await propose(ledger);
    const ok = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes"));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`proposal ${p.id} approved`));
    assert.match(ok.stdout, new RegExp(p.hash));
    assert.equal((await ledger.proposals.get(p.id))!.state, "approved");
    const [decision] = await ledger.proposals.decisions(p.id);
    assert.deepEqual([decision!.actor, decision!.role, decision!.proposalHash], ["dana", "billing_lead", p.hash]);

    const again = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes"));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is approved; only a proposal in review_required can be approved/);
    assert.equal((await ledger.proposals.decisions(p.id)).length, 1);
  });

  test("without --yes and without a terminal the decision is refused with a hint", async () => {
    const p = await propose(ledger);
    for (const args of [approveArgs(p.id, path, "--role", "billing_lead"), ["proposals", "reject", p.id, "--store", path, "--actor", "dana", "--role", "billing_lead", "--reason", "no"]]) {
      const r = await cli(args, "y\n");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Pass --yes/);
    }
    assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
  });

  test("reject needs a reason but not the approval role; a rejected proposal cannot be approved", async () => {
    const p = await propose(ledger);
    const noReason = await cli(["proposals", "reject", p.id, "--store", path, "--actor", "dana", "--yes"]);
    assert.equal(noReason.code, 1);
    assert.match(noReason.stderr, /--reason/);

    // Rejecting needs no role: it is the safe direction.
    const r = await cli(["proposals", "reject", p.id, "--store", path, "--actor", "dana", "--reason", "fee was valid", "--yes"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rejected and can never be applied/);
    assert.equal((await ledger.proposals.get(p.id))!.state, "rejected");
    assert.deepEqual([(await ledger.proposals.decisions(p.id))[0]!.reason, (await ledger.proposals.decisions(p.id))[0]!.role], ["fee was valid", null]);

    const approve = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes"));
    assert.equal(approve.code, 1);
    assert.match(approve.stderr, /is rejected/);
    const job = await cli(["proposals", "writeback-job", p.id, "--store", path, "--output", join(root, "rejected-job.json")]);
    assert.equal(job.code, 1);
    assert.match(job.stderr, /only an approved proposal has a writeback job/);
    assert.equal(existsSync(join(root, "rejected-job.json")), false);
  });

  test("an applied proposal cannot be approved again", async () => {
    const p = await propose(ledger);
    // The approval is only the setup here: recorded through the ledger, as the other setups in this file are.
    assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: p.hash })).ok);
    await recordApply(ledger, p.id);
    const r = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is applied/);
  });

  test("a proposal row altered after it was proposed cannot be approved", async () => {
    const p = await propose(ledger);
    const db = new DatabaseSync(path);
    try {
      db.prepare("UPDATE proposals SET patch = ? WHERE id = ?").run(JSON.stringify({ late_fee_cents: 0, status: "waived", credit_cents: 50000 }), p.id);
    } finally {
      db.close();
    }
    const r = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /does not match its keyed MAC \(key k_[0-9a-f]{16}, read from the key file .*local\.db\.key\): it was changed outside synapsor-runner/);
    assert.equal((await ledger.proposals.get(p.id))!.state, "review_required");
  });

  test("an unknown proposal is exit 1", async () => {
    const r = await cli(approveArgs("wrp_doesnotexist234567", path, "--role", "billing_lead", "--yes"));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No proposal wrp_doesnotexist234567/);
  });

  test("--json prints the decision, or the refusal with its code", async () => {
    const p = await propose(ledger);
    const refused = await cli(approveArgs(p.id, path, "--yes", "--json"));
    assert.equal(refused.code, 1);
    assert.deepEqual(JSON.parse(refused.stdout).error.code, "ROLE_REQUIRED");
    const ok = await cli(approveArgs(p.id, path, "--role", "billing_lead", "--yes", "--json"));
    assert.equal(ok.code, 0, ok.stderr);
    const body = JSON.parse(ok.stdout);
    assert.equal(body.ok, true);
    assert.deepEqual(body.proposal, { id: p.id, state: "approved", hash: p.hash });
    assert.deepEqual(Object.keys(body.decision).sort(), ["actor", "beforeHash", "createdAt", "decision", "establishedBy", "id", "proposalHash", "proposalId", "reason", "role", "verification"]);
    assert.equal(body.decision.verification.verified, true);
    assert.equal(body.decision.decision, "approved");
    assert.equal(body.decision.establishedBy, "self_declared", "no reviewers declared: the typed --actor is recorded as self-declared");
    assert.match(body.decision.id, /^apr_/);
  });

  const onTerminal = (args: string[], answer: string) => onTerminalWith(args, answer, ENV);
  test("on a terminal without --yes it asks, and only 'y' decides", { skip: !HAS_SCRIPT && "util-linux script is not installed" }, async () => {
    const declined = await propose(ledger);
    const no = await onTerminal(approveArgs(declined.id, path, "--role", "billing_lead"), "n");
    assert.match(no.output, /Approve proposal .* as dana \(role billing_lead\)\? \[y\/N\]/);
    assert.match(no.output, /late_fee_cents\s+2500\s+0/, "the diff is shown before the question");
    assert.equal(no.code, 1);
    assert.equal((await ledger.proposals.get(declined.id))!.state, "review_required");

    const accepted = await propose(ledger);
    const yes = await onTerminal(approveArgs(accepted.id, path, "--role", "billing_lead"), "y");
    assert.equal(yes.code, 0, yes.output);
    assert.equal((await ledger.proposals.get(accepted.id))!.state, "approved");
  });
});

describe("listing and showing", () => {
  let path: string;
  let ledger: Ledger;
  let acme: StoredProposal;
  let globex: StoredProposal;
  let other: StoredProposal;
  before(async () => {
    ({ path, ledger } = await newStore());
    acme = await propose(ledger);
    globex = await propose(ledger, { tenantId: "globex", invoice: "INV-9" });
    other = await propose(ledger, { invoice: "INV-3002", capability: "billing.propose_credit" });
    await ledger.proposals.decide({ proposalId: other.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: other.hash });
  });
  after(() => ledger.close());

  const listIds = async (...filters: string[]) => {
    const r = await cli(["proposals", "list", "--store", path, "--json", ...filters]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as StoredProposal[]).map((p) => p.id);
  };

  test("list filters by tenant, state, capability and object (--json)", async () => {
    // Read-only runs on one store: side by side.
    const [all, tenant, state, capability, object, qualified, both, limited] = await Promise.all([
      listIds(),
      listIds("--tenant", "globex"),
      listIds("--state", "approved"),
      listIds("--capability", "billing.propose_late_fee_waiver"),
      listIds("--object", "INV-3001"),
      listIds("--object", "public.invoices:INV-3002"),
      listIds("--tenant", "acme", "--state", "review_required"),
      listIds("--limit", "1"),
    ]);
    assert.deepEqual(all, [other.id, globex.id, acme.id]);
    assert.deepEqual(tenant, [globex.id]);
    assert.deepEqual(state, [other.id]);
    assert.deepEqual(capability, [globex.id, acme.id]);
    assert.deepEqual(object, [acme.id]);
    assert.deepEqual(qualified, [other.id]);
    assert.deepEqual(both, [acme.id]);
    assert.deepEqual(limited, [other.id]);
    const bad = await cli(["proposals", "list", "--store", path, "--state", "done"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /review_required/);
  });

  test("list prints a readable table", async () => {
    const r = await cli(["proposals", "list", "--store", path, "--tenant", "acme"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^ID\s+STATE\s+CAPABILITY\s+TENANT\s+TARGET/);
    assert.match(r.stdout, new RegExp(`${acme.id}\\s+review_required\\s+billing.propose_late_fee_waiver\\s+acme\\s+public.invoices id=INV-3001`));
    assert.ok(!r.stdout.includes(globex.id));
  });

  test("show prints target, diff, guards, evidence rows, approval requirement and history", async () => {
    const r = await cli(["proposals", "show", acme.id, "--store", path]);
    assert.equal(r.code, 0, r.stderr);
    for (const expected of [
      /target: public.invoices id=INV-3001/,
      /late_fee_cents\s+2500\s+0/,
      /status\s+open\s+waived/,
      /tenant: tenant_id = acme/,
      /version: updated_at must still be 2026-05-16T09:12:44.123456Z/,
      /transition: status from open \| overdue to waived/,
      new RegExp(`Evidence ${acme.evidenceId}`),
      /id=INV-3001 {2}tenant_id=acme {2}status=open/,
      /approval: a person with the role billing_lead/,
      /proposal_created/,
    ]) assert.match(r.stdout, expected);
  });

  test("show --json has the proposal, diff, evidence and history", async () => {
    const r = await cli(["proposals", "show", other.id, "--store", path, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(body), ["proposal", "verified", "hashVerified", "deadline", "diff", "changeSet", "evidence", "decisions", "writebackJobs", "receipts", "events"]);
    assert.equal(body.proposal.id, other.id);
    assert.equal(body.verified, true);
    assert.equal(body.proposal.verification.verified, true);
    assert.equal(body.hashVerified, true);
    assert.deepEqual(body.diff, { late_fee_cents: { before: 2500, proposed: 0 }, status: { before: "open", proposed: "waived" } });
    // The change set in the protocol's shape: the published schema, and the proposal's own values.
    assertMatchesSchema("change-set.v1", body.changeSet, "proposals show --json changeSet");
    assert.deepEqual(body.changeSet.scope, { tenant_id: body.proposal.tenantId, object_id: body.proposal.target.primaryKey.value });
    assert.deepEqual(body.changeSet.patch, body.proposal.patch);
    assert.equal(body.changeSet.evidence.bundle_id, other.evidenceId);
    assert.equal(body.evidence.id, other.evidenceId);
    assert.deepEqual(body.decisions.map((d: { decision: string }) => d.decision), ["approved"]);
    assert.deepEqual(body.events.map((e: { type: string }) => e.type), ["proposal_created", "proposal_approved"]);
    const missing = await cli(["proposals", "show", "wrp_nothere", "--store", path]);
    assert.equal(missing.code, 1);
  });
});

describe("writeback job, receipts and replay", () => {
  let path: string;
  let ledger: Ledger;
  let p: StoredProposal;
  before(async () => {
    ({ path, ledger } = await newStore());
    p = await propose(ledger);
  });
  after(() => ledger.close());

  test("writeback-job is refused before approval and, after it, writes a request valid against the schema", async () => {
    const output = join(root, "jobs", "job.json");
    const early = await cli(["proposals", "writeback-job", p.id, "--store", path, "--output", output]);
    assert.equal(early.code, 1);
    assert.match(early.stderr, /review_required; only an approved proposal has a writeback job/);
    assert.equal(existsSync(output), false);

    assert.ok((await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: p.hash })).ok);
    const r = await cli(["proposals", "writeback-job", p.id, "--store", path, "--output", output]);
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(readFileSync(output, "utf8"));
    const check = checkWritebackJob(job);
    assert.ok(check.ok, check.ok ? "" : check.errors.join("; "));
    assertMatchesSchema("writeback-job.v1", job, "the written job");
    assertMatchesSchema("app-handler-request.v1", job, "the written job");
    const decision = (await ledger.proposals.decisions(p.id))[0]!;
    assert.deepEqual(job, buildWritebackRequest((await ledger.proposals.get(p.id))!, decision, job.issued_at));
    assert.equal(job.idempotency_key, `${p.id}:INV-3001`);
    assert.deepEqual(job.approval, { actor: "dana", role: "billing_lead", approved_at: decision.createdAt, proposal_hash: p.hash });
    assertNoSecrets(readFileSync(output, "utf8"));
  });

  test("receipts list and show, text and --json", async () => {
    const { receipt } = await recordApply(ledger, p.id);
    const list = await cli(["receipts", "list", "--store", path, "--proposal", p.id, "--json"]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), [receipt]);
    for (const item of JSON.parse(list.stdout)) assertMatchesSchema("execution-receipt.v1#/$defs/stored_receipt", item, "receipts list --json item");
    const byTenant = await cli(["receipts", "list", "--store", path, "--tenant", "globex", "--json"]);
    assert.deepEqual(JSON.parse(byTenant.stdout), []);
    const text = await cli(["receipts", "list", "--store", path]);
    assert.match(text.stdout, new RegExp(`${receipt.id}\\s+applied\\s+${p.id}\\s+acme`));
    const show = await cli(["receipts", "show", receipt.id, "--store", path, "--json"]);
    assert.deepEqual(JSON.parse(show.stdout), receipt);
    assertMatchesSchema("execution-receipt.v1#/$defs/stored_receipt", JSON.parse(show.stdout), "receipts show --json");
    const showText = await cli(["receipts", "show", receipt.id, "--store", path]);
    assert.match(showText.stdout, /rows affected: 1; source database changed: yes/);
    const missing = await cli(["receipts", "show", "rcp_nothere", "--store", path]);
    assert.equal(missing.code, 1);
  });

  test("replay show --json tells every step in order, with no secret", async () => {
    const r = await cli(["replay", "show", p.id, "--store", path, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assertNoSecrets(r.stdout);
    const replay = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(replay), ["format", "proposalId", "state", "verified", "trustedContext", "evidence", "proposal", "decision", "reviewer", "writebackJobs", "receipts", "events"]);
    assert.equal(replay.state, "applied");
    assert.equal(replay.verified, true);
    assert.deepEqual(replay.trustedContext, { tenantId: "acme", principal: "agent:support", source: "app_pg", capability: "billing.propose_late_fee_waiver" });
    assert.equal(replay.evidence.bundle.rows[0].late_fee_cents, 2500);
    assert.deepEqual(replay.proposal.diff.late_fee_cents, { before: 2500, proposed: 0 });
    assert.equal(replay.proposal.hashVerified, true);
    assert.equal(replay.decision.actor, "dana");
    assert.deepEqual(replay.reviewer, { establishedBy: "self_declared", selfDeclared: true });
    assert.equal(replay.decision.proposalHash, p.hash);
    assert.equal(replay.writebackJobs.length, 1);
    assert.equal(replay.writebackJobs[0].request.idempotency_key, `${p.id}:INV-3001`);
    assert.deepEqual(replay.receipts.map((x: { receipt: Receipt }) => x.receipt.status), ["applied"]);
    assert.deepEqual(replay.events.map((e: { type: string }) => e.type),
      ["proposal_created", "proposal_approved", "writeback_job_created", "writeback_applied"]);
  });

  test("replay export writes JSON and Markdown with every step, in story order, with no secret", async () => {
    const jsonPath = join(root, "exports", "replay.json");
    const mdPath = join(root, "exports", "replay.md");
    const json = await cli(["replay", "export", p.id, "--store", path, "--format", "json", "--output", jsonPath]);
    assert.equal(json.code, 0, json.stderr);
    const md = await cli(["replay", "export", p.id, "--store", path, "--format", "markdown", "--output", mdPath]);
    assert.equal(md.code, 0, md.stderr);

    const exported = JSON.parse(readFileSync(jsonPath, "utf8"));
    assert.equal(exported.format, "synapsor.replay.v1");
    assert.equal(exported.receipts[0].receipt.status, "applied");

    const text = readFileSync(mdPath, "utf8");
    assertNoSecrets(text + readFileSync(jsonPath, "utf8"));
    const steps = ["## 1. Trusted context", "## 2. Evidence", "## 3. Proposal", "## 4. Decision", "## 5. Writeback job", "## 6. Receipts", "## 7. Events"];
    const positions = steps.map((s) => text.indexOf(s));
    assert.ok(positions.every((at) => at >= 0), "every step is present");
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), "steps are in story order");
    for (const expected of ["Tenant: `acme`", "| INV-3001 | acme | open | 2500 |", "| late_fee_cents | 2500 | 0 |", "by `dana` (role `billing_lead`)",
      `${p.id}:INV-3001`, "**applied**", "writeback_applied"]) {
      assert.ok(text.includes(expected), `missing ${expected}`);
    }
  });

  test("replay of an unknown proposal is exit 1, and --format is checked", async () => {
    const r = await cli(["replay", "show", "wrp_nothere", "--store", path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No proposal wrp_nothere/);
    const badFormat = await cli(["replay", "export", p.id, "--store", path, "--format", "pdf", "--output", join(root, "x.pdf")]);
    assert.equal(badFormat.code, 1);
  });

  test("a rejected proposal's replay ends at the decision", async () => {
    const q = await propose(ledger, { invoice: "INV-4" });
    await ledger.proposals.decide({ proposalId: q.id, decision: "rejected", actor: "dana", role: "billing_lead", reason: "fee stands", expectedHash: q.hash });
    const r = await cli(["replay", "show", q.id, "--store", path]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\*\*rejected\*\* by `dana`/);
    assert.match(r.stdout, /Reason: fee stands/);
    assert.match(r.stdout, /No writeback job was created/);
  });
});

describe("events tail", () => {
  test("--json prints one event per line, oldest first, and --limit keeps the latest", async () => {
    const { path, ledger } = await newStore();
    try {
      const p = await propose(ledger);
      await ledger.proposals.decide({ proposalId: p.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: p.hash });
      await recordApply(ledger, p.id);
      const r = await cli(["events", "tail", "--store", path, "--json"]);
      assert.equal(r.code, 0, r.stderr);
      const events = r.stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(events.map((e) => e.type), ["proposal_created", "proposal_approved", "writeback_job_created", "writeback_applied"]);
      assert.ok(events.every((e) => e.proposalId === p.id && e.tenantId === "acme"));
      const last = await cli(["events", "tail", "--store", path, "--json", "--limit", "2"]);
      assert.deepEqual(last.stdout.trim().split("\n").map((l) => JSON.parse(l).type), ["writeback_job_created", "writeback_applied"]);
      const text = await cli(["events", "tail", "--store", path]);
      assert.match(text.stdout, new RegExp(`#2 proposal_approved ${p.id} tenant=acme .*actor=dana`));
    } finally {
      await ledger.close();
    }
  });

  test("--follow prints events appended after it started, and stops cleanly on SIGTERM", async () => {
    const { path, ledger } = await newStore();
    try {
      const first = await propose(ledger);
      const child = spawn(process.execPath, [CLI, "events", "tail", "--store", path, "--follow", "--json"], { cwd: REPO_ROOT, env: ENV });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
      const lines = () => stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; proposalId?: string });
      try {
        await waitFor(() => lines().length >= 1, "the existing event");
        const decision = await ledger.proposals.decide({ proposalId: first.id, decision: "approved", actor: "dana", role: "billing_lead", expectedHash: first.hash });
        assert.ok(decision.ok);
        const second = await propose(ledger, { invoice: "INV-77" });
        await waitFor(() => lines().length >= 3, "the appended events");
        assert.deepEqual(lines().map((e) => [e.type, e.proposalId]), [
          ["proposal_created", first.id], ["proposal_approved", first.id], ["proposal_created", second.id],
        ]);
      } finally {
        child.kill("SIGTERM");
      }
      const { code, signal } = await exited;
      assert.equal(signal, null, "the process handled SIGTERM itself");
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
    } finally {
      await ledger.close();
    }
  });
});

describe("events webhook", () => {
  test("--follow with --webhook-url-env posts each new event, signed with the secret", async () => {
    const { path, ledger } = await newStore();
    const received: Array<{ body: string; signature: string | undefined; type: string | undefined; eventId: string | undefined }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8").on("data", (d: string) => (body += d));
      req.on("end", () => {
        received.push({ body, signature: req.headers["x-synapsor-signature"] as string | undefined, type: req.headers["x-synapsor-event"] as string | undefined, eventId: req.headers["x-synapsor-event-id"] as string | undefined });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const secret = "hook-secret-0123456789";
    try {
      await propose(ledger);
      const child = spawn(
        process.execPath,
        [CLI, "events", "tail", "--store", path, "--follow", "--json", "--webhook-url-env", "HOOK_URL", "--webhook-secret-env", "HOOK_SECRET"],
        { cwd: REPO_ROOT, env: { ...ENV, HOOK_URL: `http://127.0.0.1:${port}/events`, HOOK_SECRET: secret } },
      );
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
      const exited = new Promise((resolve) => child.on("close", resolve));
      try {
        await waitFor(() => stdout.includes("proposal_created"), "the existing event");
        const second = await propose(ledger, { invoice: "INV-88" });
        await waitFor(() => received.length >= 1, "the webhook delivery");
        assert.equal(received.length, 1, "only events appended after the tail started are posted");
        const hit = received[0]!;
        assert.equal(hit.type, "proposal_created");
        assert.equal(JSON.parse(hit.body).proposal_id, second.id);
        assert.equal(hit.eventId, String(JSON.parse(hit.body).event_id), "receivers dedupe by the event id, in the body and a header");
        assert.equal(hit.signature, `sha256=${createHmac("sha256", secret).update(hit.body).digest("hex")}`);
        assert.equal(stdout.includes(secret), false);
      } finally {
        child.kill("SIGTERM");
        await exited;
      }
    } finally {
      server.close();
      await ledger.close();
    }
  });

  test("--webhook-url-env without --follow is refused", async () => {
    const { path, ledger } = await newStore();
    await ledger.close();
    const r = await cli(["events", "tail", "--store", path, "--webhook-url-env", "HOOK_URL"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--follow/);
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
