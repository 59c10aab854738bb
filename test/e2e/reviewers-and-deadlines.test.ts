// Issue 9, parts 2 and 3, end to end on real Postgres and MySQL: proposals made by the compiled
// server through the SDK Client, decided and applied with the real CLI. Who the reviewer is comes
// from the declared reviewers (the OS user, or a reviewer's credential), never from what is
// typed; the review deadline and the approval window are enforced by the ledger's rules. Times
// are never waited for: a proposal or an approval is made old by writing it through the ledger
// API on a clock set in the past (or deciding on one set in the future).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import type { NewProposal, StoredProposal } from "../../runtime/ledger/records.ts";
import { decideProposal } from "../../operator/review/decide.ts";
import { credentialHash } from "../../operator/review/reviewers.ts";
import { CLI, REPO_ROOT, runCli } from "../support/cli.ts";
import { setUpWriteback, type WritebackProject } from "../support/writeback-setup.ts";

const HOUR = 3_600_000;
const OS_USER = userInfo().username;
const TOKENS = { dana: "srv_dana-token-0123456789abcdef", lee: "srv_lee-token-0123456789abcdef", agent: "srv_agent-token-0123456789abcdef" };
const CAPABILITY = "billing.propose_late_fee_waiver";

/** The example with a review deadline, an approval window and declared reviewers (the OS user running the tests is dana). */
function declareReviewers(config: Record<string, any>): void {
  const waiver = config.capabilities.find((c: { name: string }) => c.name === CAPABILITY);
  waiver.approval = { ...waiver.approval, expires_after: "72h", valid_for: "1h" };
  config.reviewers = [
    { id: "dana", name: "Dana Whitfield", roles: ["billing_lead"], os_users: [OS_USER], credential_sha256: credentialHash(TOKENS.dana) },
    { id: "lee", roles: ["support"], os_users: [], credential_sha256: credentialHash(TOKENS.lee) },
    // Named like the server's principal: an established reviewer who proposed can still never approve.
    { id: "agent-7", roles: ["billing_lead"], os_users: [], credential_sha256: credentialHash(TOKENS.agent) },
  ];
}

/** A ledger handle on the server's store whose clock is `offsetHours` away from now. */
async function ledgerAt(store: string, offsetHours: number): Promise<Ledger> {
  return openLedger({ path: store, now: () => new Date(Date.now() + offsetHours * HOUR) });
}

async function eventsOf(store: string, proposalId: string) {
  const ledger = await openLedger({ path: store });
  try {
    return await ledger.events.list({ proposalId, afterId: 0 });
  } finally {
    await ledger.close();
  }
}

/** The same change set again, stored on `ledger`'s clock (how a test makes a proposal old). */
function copyOf(p: StoredProposal): NewProposal {
  const { id: _id, hash: _hash, state: _state, createdAt: _created, verification: _verification, ...change } = p;
  return change;
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`declared reviewers and approval deadlines on ${engine}`, () => {
    let project: WritebackProject;
    let config: string;
    let store: string;
    const propose = async (invoice: string): Promise<string> => {
      const envelope = await project.propose(invoice);
      assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
      return envelope.proposal.id as string;
    };
    const decideCli = (verb: "approve" | "reject", id: string, flags: string[], env: NodeJS.ProcessEnv = project.env) =>
      runCli(["proposals", verb, id, "--store", store, "--config", config, "--yes", "--json", ...flags], { env });
    const body = (r: { stdout: string }) => JSON.parse(r.stdout);

    before(async () => {
      project = await setUpWriteback(engine, "srrv", declareReviewers);
      config = project.built.configPath;
      store = project.store;
    });
    after(() => project?.close());

    test("the OS user is the declared reviewer it maps to: no --actor, the required role by default, recorded as os_user; apply works inside the window", async () => {
      const id = await propose("INV-3003");
      const approved = await decideCli("approve", id, []);
      assert.equal(approved.code, 0, approved.stderr + approved.stdout);
      const decision = body(approved).decision;
      assert.deepEqual([decision.actor, decision.role, decision.establishedBy], ["dana", "billing_lead", "os_user"]);

      const applied = await project.cli(["apply", "--proposal", id, "--config", config, "--store", store, "--json"]);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(body(applied).status, "applied");
      assert.equal((await project.inspect("INV-3003")).late_fee_cents, 0);

      const replay = await project.cli(["replay", "show", id, "--store", store]);
      assert.equal(replay.code, 0, replay.stderr);
      assert.match(replay.stdout, /Reviewer: established as a declared reviewer by the operating-system user\./);
      assert.doesNotMatch(replay.stdout, /self-declared/);
    });

    test("a review deadline that passed: approving refuses and expires the proposal (event proposal_expired); the CLI then says it is final", async () => {
      const id = await propose("INV-3001");
      const listed = await project.cli(["proposals", "show", id, "--store", store, "--json"]);
      const deadline = body(listed).deadline;
      assert.equal(deadline.kind, "review");
      assert.equal(Date.parse(deadline.at) - Date.parse(body(listed).proposal.createdAt), 72 * HOUR, "the deadline was fixed at creation");

      // Three days and an hour later, by the ledger's clock: the same call the CLI makes.
      const later = await ledgerAt(store, 73);
      try {
        const outcome = await decideProposal(later, { proposalId: id, decision: "approved", actor: "dana", role: "billing_lead", establishedBy: "os_user" });
        assert.ok(!outcome.ok);
        assert.equal(outcome.refusal.code, "EXPIRED");
        assert.equal((await later.proposals.get(id))!.state, "expired");
      } finally {
        await later.close();
      }
      const expiry = (await eventsOf(store, id)).find((e) => e.type === "proposal_expired");
      assert.equal(expiry?.detail.reason, "review_deadline_passed");
      const again = await decideCli("approve", id, []);
      assert.equal(again.code, 1);
      assert.equal(body(again).error.code, "NOT_REVIEWABLE");
    });

    test("an approval older than valid_for: apply refuses, expires the proposal (approval window passed) and writes nothing", async () => {
      const id = await propose("INV-3005");
      const earlier = await ledgerAt(store, -2);
      try {
        const outcome = await earlier.proposals.decide({ proposalId: id, decision: "approved", actor: "dana", role: "billing_lead", establishedBy: "os_user" });
        assert.ok(outcome.ok, outcome.ok ? "" : outcome.refusal.message);
      } finally {
        await earlier.close();
      }
      const before = await project.inspect("INV-3005");
      const applied = await project.cli(["apply", "--proposal", id, "--config", config, "--store", store, "--json"]);
      assert.equal(applied.code, 1, applied.stdout);
      const refusal = body(applied).error;
      assert.equal(refusal.code, "APPROVAL_WINDOW_PASSED");
      assert.match(refusal.message, /approval\.valid_for 1h.*now expired/s);
      assert.deepEqual(await project.inspect("INV-3005"), before, "nothing was written");
      assert.deepEqual(await project.receiptRows(id), []);
      const expiry = (await eventsOf(store, id)).find((e) => e.type === "proposal_expired");
      assert.equal(expiry?.detail.reason, "approval_window_passed");
      const shown = await project.cli(["proposals", "show", id, "--store", store, "--json"]);
      assert.equal(body(shown).proposal.state, "expired");
    });

    if (engine !== "postgres") return;
    // What follows is the CLI's reviewer handling; it does not depend on the engine.

    test("list expires proposals past their deadline first and shows the deadline of the rest", async () => {
      const fresh = await propose("INV-3001");
      const made = await openLedger({ path: store });
      const template = (await made.proposals.get(fresh))!;
      await made.close();
      const old = await ledgerAt(store, -73);
      let overdue: StoredProposal;
      try {
        overdue = await old.proposals.create(copyOf(template));
      } finally {
        await old.close();
      }
      const listed = await project.cli(["proposals", "list", "--store", store, "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, new RegExp(`expired 1 overdue proposal .*${overdue.id}`));
      const states = Object.fromEntries(body(listed).map((p: StoredProposal) => [p.id, p.state]));
      assert.equal(states[overdue.id], "expired");
      assert.equal(states[fresh], "review_required");
      const text = await project.cli(["proposals", "list", "--store", store, "--state", "review_required"]);
      assert.match(text.stdout, /DEADLINE/);
      assert.match(text.stdout, new RegExp(`${fresh}.*expires ${template.approval.expiresAt!.replace(/\./g, "\\.")}`));
    });

    test("a role outside the reviewer's declaration is refused; so is approving without the required role", async () => {
      const id = await propose("INV-3001");
      const ownRoleOnly = await decideCli("approve", id, ["--role", "support"]);
      assert.equal(ownRoleOnly.code, 1);
      assert.equal(body(ownRoleOnly).error.code, "ROLE_NOT_DECLARED");
      const lee = await decideCli("approve", id, ["--reviewer", "lee"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: TOKENS.lee });
      assert.equal(lee.code, 1);
      assert.equal(body(lee).error.code, "ROLE_NOT_DECLARED");
      assert.match(body(lee).error.message, /Another reviewer must approve it/);
      const actor = await decideCli("approve", id, ["--actor", "lee"]);
      assert.equal(body(actor).error.code, "ACTOR_MISMATCH");
      // Without --config the declaration is out of sight, and the proposal itself says reviewers are declared.
      const typed = await runCli(["proposals", "approve", id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes", "--json"], { env: project.env });
      assert.equal(body(typed).error.code, "REVIEWER_NOT_ESTABLISHED");
      const ledger = await openLedger({ path: store });
      try {
        assert.equal((await ledger.proposals.get(id))!.state, "review_required", "nothing was decided");
      } finally {
        await ledger.close();
      }
    });

    test("a reviewer named with their credential decides from any OS account, recorded as credential", async () => {
      const id = await propose("INV-3001");
      const r = await decideCli("reject", id, ["--reviewer", "lee", "--reason", "customer was warned"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: TOKENS.lee });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual([body(r).decision.actor, body(r).decision.role, body(r).decision.establishedBy], ["lee", "support", "credential"]);
      const md = await project.cli(["replay", "show", id, "--store", store]);
      assert.match(md.stdout, /Reviewer: established as a declared reviewer by their credential\./);
    });

    test("a wrong credential and an unknown reviewer are refused alike, without saying which part was wrong or echoing the token", async () => {
      const id = await propose("INV-3001");
      const wrong = await decideCli("approve", id, ["--reviewer", "dana"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: "srv_guessed-token-xyz" });
      const unknown = await decideCli("approve", id, ["--reviewer", "nobody"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: TOKENS.dana });
      const otherVar = await decideCli("approve", id, ["--reviewer", "dana", "--reviewer-token-env", "MY_TOKEN"], { ...project.env, MY_TOKEN: TOKENS.lee });
      for (const r of [wrong, unknown, otherVar]) {
        assert.equal(r.code, 1);
        assert.equal(body(r).error.code, "CREDENTIAL_REFUSED");
        for (const token of [...Object.values(TOKENS), "srv_guessed-token-xyz"]) assert.ok(!(r.stdout + r.stderr).includes(token), "no token is echoed");
      }
      assert.equal(body(wrong).error.message, body(unknown).error.message);
      const unset = await decideCli("approve", id, ["--reviewer", "dana"]);
      assert.equal(body(unset).error.code, "CREDENTIAL_MISSING");
      const right = await decideCli("approve", id, ["--reviewer", "dana"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: TOKENS.dana });
      assert.equal(right.code, 0, right.stdout);
      assert.equal(body(right).decision.establishedBy, "credential");
    });

    test("whoever proposed can never approve, even as an established reviewer holding the role", async () => {
      const id = await propose("INV-3001");
      const r = await decideCli("approve", id, ["--reviewer", "agent-7"], { ...project.env, SYNAPSOR_REVIEWER_TOKEN: TOKENS.agent });
      assert.equal(r.code, 1);
      assert.equal(body(r).error.code, "SELF_APPROVAL");
    });

    test("no declaration: the old single-operator contract (--actor, --role) is unchanged, and replay says the roles were self-declared", async () => {
      // A proposal of a build without reviewers (its approval carries no declaration), in the same store.
      const fresh = await propose("INV-3001");
      const ledger = await openLedger({ path: store });
      let undeclared: StoredProposal;
      try {
        const change = copyOf((await ledger.proposals.get(fresh))!);
        const { reviewers: _declared, ...approval } = change.approval;
        undeclared = await ledger.proposals.create({ ...change, approval });
      } finally {
        await ledger.close();
      }
      const missingActor = await runCli(["proposals", "approve", undeclared.id, "--store", store, "--yes"], { env: project.env });
      assert.equal(missingActor.code, 1);
      assert.match(missingActor.stderr, /--actor must name who is deciding/);
      const r = await runCli(["proposals", "approve", undeclared.id, "--store", store, "--actor", "dana", "--role", "billing_lead", "--yes"], { env: project.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /reviewer: self-declared/);
      const md = await project.cli(["replay", "show", undeclared.id, "--store", store]);
      assert.match(md.stdout, /\*\*Reviewer and role were self-declared:\*\*/);
      assert.match(md.stdout, /self-declared: no reviewers are declared, so roles are not checked/);
    });
  });
}

describe("events tail --follow delivers proposal_expired to a webhook, signed like every event", () => {
  test("an expiry by `proposals expire --overdue` while following is posted with its reason and a valid HMAC", async () => {
    const root = mkdtempSync(join(tmpdir(), "expired-webhook-"));
    const path = join(root, "local.db");
    const received: Array<{ body: string; signature?: string; type?: string }> = [];
    const server = createServer((req, res) => {
      let text = "";
      req.setEncoding("utf8").on("data", (d: string) => (text += d));
      req.on("end", () => {
        received.push({ body: text, signature: req.headers["x-synapsor-signature"] as string | undefined, type: req.headers["x-synapsor-event"] as string | undefined });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const secret = "hook-secret-expiry-0123456789";
    const old = await openLedger({ path, now: () => new Date(Date.now() - 2 * HOUR) });
    const p = await old.proposals.create({
      capability: CAPABILITY,
      tenantId: "tenant_acme",
      principal: "agent-7",
      source: "support_db",
      target: { table: "invoices", primaryKey: { column: "id", value: "INV-3001" } },
      before: { id: "INV-3001", late_fee_cents: 2500 },
      patch: { late_fee_cents: 0 },
      after: { id: "INV-3001", late_fee_cents: 0 },
      guards: { tenant: { column: "tenant_id", value: "tenant_acme" } },
      args: { invoice_id: "INV-3001" },
      evidenceId: "ev_4ox7tv3e22z723iicysc",
      approval: { mode: "human", expiresAfter: "1h" },
      executor: { name: "direct_sql", type: "sql_update" },
    });
    await old.close();
    const child = spawn(
      process.execPath,
      [CLI, "events", "tail", "--store", path, "--follow", "--json", "--webhook-url-env", "HOOK_URL", "--webhook-secret-env", "HOOK_SECRET"],
      { cwd: REPO_ROOT, env: { ...process.env, HOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`, HOOK_SECRET: secret } },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    const exited = new Promise((resolve) => child.on("close", resolve));
    try {
      await waitFor(() => stdout.includes("proposal_created"), "the existing event");
      // The sweep a cron job runs (listing runs it too): the expiry is appended while the tail follows.
      const swept = await runCli(["proposals", "expire", "--overdue", "--store", path, "--json"]);
      assert.equal(swept.code, 0, swept.stderr);
      assert.deepEqual(JSON.parse(swept.stdout), { ok: true, overdue: [{ id: p.id, state: "expired", capability: CAPABILITY }] });
      await waitFor(() => received.some((r) => r.type === "proposal_expired"), "the proposal_expired delivery");
      const hit = received.find((r) => r.type === "proposal_expired")!;
      const event = JSON.parse(hit.body);
      assert.equal(event.type, "proposal_expired");
      assert.equal(event.proposal_id, p.id);
      assert.equal(event.detail.reason, "review_deadline_passed");
      assert.equal(event.detail.expiresAt, p.approval.expiresAt);
      assert.equal(hit.signature, `sha256=${createHmac("sha256", secret).update(hit.body).digest("hex")}`);
      assert.ok(!stdout.includes(secret));
    } finally {
      child.kill("SIGTERM");
      await exited;
      server.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
