// Apply trusts only the build, on both engines, through the real CLI. The worst case: an attacker
// who can write the SQLite ledger AND holds the ledger key edits an approved proposal, recomputes
// its plain change-set hash and re-seals the proposal, its state and the approval, so every hash
// and keyed MAC verifies; apply must still refuse with POLICY_VIOLATION, because the stored change
// set no longer matches the compiled capability, and no row may change. Without the key the keyed
// MAC refuses first (covered at length in ledger-integrity.test.ts; one case here). A config edited
// after the proposal is refused with the re-propose message.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import mysql from "mysql2/promise";
import { changeSetHash } from "../../runtime/ledger/hash.ts";
import { keyFilePath, fileKeyRing } from "../../runtime/ledger/keys/key-file.ts";
import type { NewProposal } from "../../runtime/ledger/records.ts";
import { beforeHash, sealDecision, sealProposal, sealState } from "../../runtime/ledger/seal.ts";
import { toDecisionRecord, toProposalRecord } from "../../runtime/ledger/rows.ts";
import { tableLabel } from "../../runtime/table-label.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { runCli } from "../support/cli.ts";
import { storeRow } from "../support/ledger-file.ts";
import { approveInProcess, proposalVerdicts } from "../support/review.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, type StdioSession } from "../support/compiled-server.ts";

type Invoice = { late_fee_cents: number; status: string; waiver_reason: string | null };

/** What an attacker without any key can do: rewrite the row, recompute the plain hash, fix the approval's copy. */
function tamper(store: string, proposalId: string, edit: (p: NewProposal) => void): void {
  const db = new DatabaseSync(store);
  try {
    const p: NewProposal = toProposalRecord(db.prepare("SELECT * FROM proposals WHERE id = ?").get(proposalId) as Record<string, unknown>);
    edit(p);
    const hash = changeSetHash(p);
    db.prepare(
      `UPDATE proposals SET hash = ?, capability = ?, tenant_id = ?, source = ?, target_table = ?, object_id = ?, target = ?,
         before_row = ?, patch = ?, after_row = ?, guards = ?, args = ?, approval = ?, executor = ? WHERE id = ?`,
    ).run(
      hash,
      p.capability,
      p.tenantId,
      p.source,
      tableLabel(p.target.schema, p.target.table),
      p.target.primaryKey.value,
      JSON.stringify(p.target),
      JSON.stringify(p.before),
      JSON.stringify(p.patch),
      JSON.stringify(p.after),
      JSON.stringify(p.guards),
      JSON.stringify(p.args),
      JSON.stringify(p.approval),
      JSON.stringify(p.executor),
      proposalId,
    );
    db.prepare("UPDATE decisions SET proposal_hash = ? WHERE proposal_id = ?").run(hash, proposalId);
  } finally {
    db.close();
  }
}

/** What an attacker who also holds the ledger key can add: fresh keyed MACs on the edited proposal, its state and its approval. */
function reseal(store: string, proposalId: string): void {
  const key = fileKeyRing(keyFilePath(store)).active();
  const db = new DatabaseSync(store);
  try {
    const proposal = toProposalRecord(db.prepare("SELECT * FROM proposals WHERE id = ?").get(proposalId) as Record<string, unknown>);
    const mac = sealProposal(key, { ...proposal, keyId: key.id });
    const stateMac = sealState(key, proposalId, mac, proposal.state, proposal.updatedAt);
    db.prepare("UPDATE proposals SET key_id = ?, mac = ?, state_key_id = ?, state_mac = ? WHERE id = ?").run(key.id, mac, key.id, stateMac, proposalId);
    for (const row of db.prepare("SELECT * FROM decisions WHERE proposal_id = ?").all(proposalId) as Array<Record<string, unknown>>) {
      const decision = { ...toDecisionRecord(row), proposalMac: mac, beforeHash: beforeHash(proposal.before), keyId: key.id };
      db.prepare("UPDATE decisions SET proposal_mac = ?, before_hash = ?, key_id = ?, mac = ? WHERE id = ?").run(
        mac,
        decision.beforeHash,
        key.id,
        sealDecision(key, decision),
        decision.id,
      );
    }
  } finally {
    db.close();
  }
}

function writebackJobCount(store: string, proposalId: string): number {
  const db = new DatabaseSync(store, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM writeback_jobs WHERE proposal_id = ?").get(proposalId) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The whole proposal moved to tenant_globex's INV-4001, every copy of id and tenant kept consistent. */
function redirectToGlobex(p: NewProposal): void {
  p.tenantId = "tenant_globex";
  p.guards.tenant.value = "tenant_globex";
  p.target.primaryKey.value = "INV-4001";
  p.args.invoice_id = "INV-4001";
  for (const row of [p.before, p.after]) {
    row.id = "INV-4001";
    row.tenant_id = "tenant_globex";
  }
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`apply re-checks the stored change set against the build on ${engine}`, () => {
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let session: StdioSession;
    let env: NodeJS.ProcessEnv;
    let store: string;

    before(async () => {
      db = await createDatabase(engine, "srrc");
      await seedExample(db);
      const migration = await runCli(["writeback", "migration", "--engine", engine]);
      assert.equal(migration.code, 0, migration.stderr);
      await db.exec(migration.stdout);
      // Two spellings of the admin URL: the runner refuses one credential string for both reads and writes.
      const readUrl = engine === "postgres" ? `${db.url}?application_name=reader` : db.url.replace(":3306/", "/");
      env = { ...process.env, SUPPORT_DB_READ_URL: readUrl, SUPPORT_DB_WRITE_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-7" };
      built = await buildServer(exampleConfigFor(engine), env, "SUPPORT_DB_READ_URL");
      store = join(built.runDir, "ledger.db");
      session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
    });

    after(async () => {
      await session?.close();
      await db?.drop();
    });

    const cli = (args: string[]) => runCli(args, { env });
    const apply = (id: string, configPath = built.configPath) => cli(["apply", "--proposal", id, "--config", configPath, "--store", store, "--json"]);

    async function invoices(): Promise<Record<string, Invoice>> {
      const sql = "SELECT id, late_fee_cents, status, waiver_reason FROM invoices WHERE id IN ('INV-3001', 'INV-4001') ORDER BY id";
      let rows: Array<Record<string, any>>;
      if (engine === "postgres") {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        rows = (await c.query(sql)).rows;
        await c.end();
      } else {
        const c = await mysql.createConnection(db.url);
        rows = (await c.query(sql))[0] as Array<Record<string, any>>;
        await c.end();
      }
      return Object.fromEntries(rows.map((r) => [r.id, { late_fee_cents: Number(r.late_fee_cents), status: r.status, waiver_reason: r.waiver_reason }]));
    }

    /** A waiver of INV-3001 proposed through MCP and approved with the required role. */
    async function approvedWaiver(): Promise<string> {
      const p = envelopeOf(
        await session.client.callTool({ name: "billing.propose_late_fee_waiver", arguments: { invoice_id: "INV-3001", new_late_fee_cents: 100, reason: "outage" } }),
      );
      assert.equal(p.ok, true, p.summary);
      // Approval is only the setup here (the CLI's approve is review-cli.test.ts's): in process, same ledger functions.
      await approveInProcess(store, p.proposal.id, "dana", "billing_lead");
      return p.proposal.id;
    }

    const edits: Array<[string, (p: NewProposal) => void, RegExp]> = [
      ["another tenant's row id", (p) => void (p.target.primaryKey.value = "INV-4001"), /row id "INV-4001" is not the id argument "INV-3001"/],
      ["another tenant, every copy of id and tenant consistent", redirectToGlobex, /evidence was read in tenant "tenant_acme", not "tenant_globex"/],
      [
        "a patch value past the numeric bounds",
        (p) => {
          p.patch.late_fee_cents = 50000;
          p.args.new_late_fee_cents = 50000;
          p.after.late_fee_cents = 50000;
        },
        /late_fee_cents 50000 is above the numeric bound 10000/,
      ],
      ["a removed transition guard", (p) => void delete p.guards.transitions, /list of transition guards is \[\]/],
      ["a different table", (p) => void (p.target.table = "customers"), /target table is "(public\.)?customers", the build's is "(public\.)?invoices"/],
      ["a different key column", (p) => void (p.target.primaryKey.column = "customer_id"), /primary key column is "customer_id", the build's is "id"/],
      [
        "an extra patch column",
        (p) => {
          p.patch.internal_notes = "pwned";
          p.after.internal_notes = "pwned";
        },
        /patch changes internal_notes, which the build does not plan/,
      ],
      [
        "args and patch changed together",
        (p) => {
          p.args.new_late_fee_cents = 5000;
          p.patch.late_fee_cents = 5000;
          p.after.late_fee_cents = 5000;
        },
        /its arguments \{.*"new_late_fee_cents":5000.*\} are not those its evidence was read with \{.*"new_late_fee_cents":100/,
      ],
      [
        "version column dropped from before",
        (p) => {
          delete p.before.updated_at;
          delete p.after.updated_at;
          p.guards.conflict!.expected = "2099-01-01T00:00:00.000000Z";
        },
        /the before row lacks the version column updated_at/,
      ],
    ];

    for (const [label, edit, names] of edits) {
      test(`an edited and re-sealed proposal (${label}) is refused with POLICY_VIOLATION and no row changes`, async () => {
        const id = await approvedWaiver();
        const rowsBefore = await invoices();
        tamper(store, id, edit);
        reseal(store, id);
        // Every hash and keyed MAC verifies now: only the re-check against the build stands in the way.
        const shown = await proposalVerdicts(store, id);
        assert.equal(shown.hashVerified, true, "the attacker re-hashed the edited change set");
        assert.equal(shown.verified, true, "the attacker re-sealed the records with the ledger key");

        const refused = await apply(id);
        assert.equal(refused.code, 1, refused.stderr + refused.stdout);
        const error = JSON.parse(refused.stdout).error;
        assert.equal(error.code, "POLICY_VIOLATION");
        assert.match(error.message, /does not match the compiled capability billing\.propose_late_fee_waiver/);
        assert.match(error.message, names);
        assert.deepEqual(await invoices(), rowsBefore, "no row changed");
        // Read from the ledger file itself (what `proposals show` reports, without another CLI run).
        assert.equal(storeRow(store, "proposals", id).state, "approved");
        assert.equal(writebackJobCount(store, id), 0, "nothing was sent to an executor");
      });
    }

    test("without the ledger key, the same edit is refused by the keyed MAC before the re-check runs", async () => {
      const id = await approvedWaiver();
      const rowsBefore = await invoices();
      tamper(store, id, redirectToGlobex);
      const refused = await apply(id);
      assert.equal(refused.code, 1, refused.stderr + refused.stdout);
      const error = JSON.parse(refused.stdout).error;
      assert.equal(error.code, "POLICY_VIOLATION");
      assert.match(error.message, /does not match its keyed MAC/);
      assert.deepEqual(await invoices(), rowsBefore, "no row changed");
    });

    test("the untouched proposal applies with the planned statements", async () => {
      const id = await approvedWaiver();
      const applied = await apply(id);
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(JSON.parse(applied.stdout).status, "applied");
      assert.deepEqual((await invoices())["INV-3001"], { late_fee_cents: 100, status: "open", waiver_reason: "outage" });
      assert.equal((await invoices())["INV-4001"]!.late_fee_cents, 2200);
    });

    test("a config edited after the proposal (bounds raised) is refused with the re-propose message", async () => {
      await db.exec("UPDATE invoices SET status = 'overdue', late_fee_cents = 2500 WHERE id = 'INV-3001'");
      const id = await approvedWaiver();
      const config = exampleConfigFor(engine);
      config.capabilities.find((c: any) => c.name === "billing.propose_late_fee_waiver").numeric_bounds.late_fee_cents.maximum = 20000;
      const edited = join(built.dir, "synapsor.runner.edited.json");
      writeFileSync(edited, JSON.stringify(config, null, 2));
      const refused = await apply(id, edited);
      assert.equal(refused.code, 1, refused.stderr + refused.stdout);
      const error = JSON.parse(refused.stdout).error;
      assert.equal(error.code, "POLICY_VIOLATION");
      assert.match(error.message, /billing\.propose_late_fee_waiver changed since proposal \S+ was made/);
      assert.match(error.message, /must propose again/);
      assert.match(error.message, /proposals expire --stale-plan/);
      assert.equal((await invoices())["INV-3001"]!.late_fee_cents, 2500, "nothing was written");
      // Under the config it was made with, the same proposal still applies.
      const applied = await apply(id);
      assert.equal(JSON.parse(applied.stdout).status, "applied", applied.stderr + applied.stdout);
    });

    test("a proposal stored without a plan hash (made before plans were hashed) is refused the same way", async () => {
      await db.exec("UPDATE invoices SET status = 'overdue', late_fee_cents = 2500 WHERE id = 'INV-3001'");
      const id = await approvedWaiver();
      const ledger = new DatabaseSync(store);
      ledger.prepare("UPDATE proposals SET plan_hash = NULL WHERE id = ?").run(id);
      ledger.close();
      // Sealed as it is, so the missing plan hash itself is what apply answers.
      reseal(store, id);
      const refused = await apply(id);
      assert.equal(refused.code, 1, refused.stdout);
      const error = JSON.parse(refused.stdout).error;
      assert.equal(error.code, "POLICY_VIOLATION");
      assert.match(error.message, /must propose again/);
      assert.equal((await invoices())["INV-3001"]!.late_fee_cents, 2500);
    });

    test("apply compiles against --schema FILE or --from-env VAR, and says what it needs when it has neither", async () => {
      await db.exec("UPDATE invoices SET status = 'overdue', late_fee_cents = 2500 WHERE id = 'INV-3001'");
      const id = await approvedWaiver();
      const snapshot = join(built.dir, "synapsor.schema.json");
      const inspected = await cli(["inspect", "--from-env", "SUPPORT_DB_READ_URL", "--json", "--output", snapshot]);
      assert.equal(inspected.code, 0, inspected.stderr);
      const { SUPPORT_DB_READ_URL: _readUrl, ...withoutReadUrl } = env;
      const args = ["apply", "--proposal", id, "--config", built.configPath, "--store", store, "--json"];

      const blind = await runCli(args, { env: withoutReadUrl });
      assert.equal(blind.code, 1);
      assert.match(blind.stderr, /NO_SCHEMA/);
      assert.match(blind.stderr, /SUPPORT_DB_READ_URL/);
      assert.match(blind.stderr, /--schema/);
      assert.equal(blind.stdout, "");

      const missingVar = await runCli([...args, "--from-env", "NOT_SET_ANYWHERE"], { env: withoutReadUrl });
      assert.equal(missingVar.code, 1);
      assert.match(missingVar.stderr, /NOT_SET_ANYWHERE is not set/);

      // The snapshot file compiles to the same plan as the live schema the server was built from.
      const applied = await runCli([...args, "--schema", snapshot], { env: withoutReadUrl });
      assert.equal(applied.code, 0, applied.stderr + applied.stdout);
      assert.equal(JSON.parse(applied.stdout).status, "applied");
    });
  });
}
