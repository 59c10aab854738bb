// `build --from-env` prepares the planned writes against the live database too: the UPDATE,
// the conflict explanation and MySQL's version read-back parse there, with the parameter count
// the plan binds. Nothing is executed.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { validateContract } from "../../compiler/config/validate.ts";
import { inspectDatabase } from "../../compiler/inspect/index.ts";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import { planContract } from "../../compiler/pipeline.ts";
import { verifyStatementsLive } from "../../compiler/verify/live.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, exampleConfigFor } from "../support/compiled-server.ts";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`live verification of the planned writes on ${engine}`, () => {
    let db: TestDatabase;
    let plan: BuildPlan;
    const index = () => 2;

    before(async () => {
      db = await createDatabase(engine, "srvw");
      await seedExample(db);
      const inspected = await inspectDatabase({ engine: "auto", url: db.url, urlEnvName: "TEST_DB_URL" });
      assert.ok(inspected.ok);
      const validated = validateContract(exampleConfigFor(engine));
      assert.ok(validated.ok);
      const planned = planContract({ contract: validated.value, snapshot: inspected.snapshot, configPath: "synapsor.runner.json", configSha256: "0".repeat(64) });
      assert.ok(planned.ok);
      plan = planned.plan;
    });
    after(async () => {
      await db?.drop();
    });

    /** The plan with the waiver's write edited. */
    function edited(edit: (write: NonNullable<NonNullable<BuildPlan["capabilities"][number]["proposal"]>["write"]>) => void): BuildPlan {
      const copy = structuredClone(plan);
      edit(copy.capabilities.find((c) => c.name === "billing.propose_late_fee_waiver")!.proposal!.write!);
      return copy;
    }

    test("the planned statements prepare and nothing in the database changes", async () => {
      const notes: string[] = [];
      assert.deepEqual(await verifyStatementsLive(plan, db.url, index, (m) => notes.push(m)), []);
      assert.deepEqual(notes, [], "a credential that may UPDATE verifies the writes too");
    });

    test("an UPDATE naming a column the database does not have is a STATEMENT_DOES_NOT_PREPARE diagnostic", async () => {
      const quote = engine === "postgres" ? '"' : "`";
      const broken = edited((w) => {
        w.statements.update.text = w.statements.update.text.replace(`${quote}waiver_reason${quote} =`, `${quote}waiver_reasn${quote} =`);
      });
      const problems = await verifyStatementsLive(broken, db.url, index);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]!.code, "STATEMENT_DOES_NOT_PREPARE");
      assert.equal(problems[0]!.pointer, "/capabilities/2");
      assert.match(problems[0]!.message, /billing\.propose_late_fee_waiver: the planned UPDATE does not prepare \(error code [0-9A-Z_]+\)/);
      assert.ok(!problems[0]!.message.includes("waiver_reasn"), `driver text reached the diagnostic: ${problems[0]!.message}`);
    });

    test("a URL whose parameters would change the session is refused before connecting, with the fix", async () => {
      const hostile = engine === "postgres" ? "options=-c%20TimeZone%3DAmerica%2FNew_York" : "multipleStatements=true";
      const url = `${db.url}${db.url.includes("?") ? "&" : "?"}${hostile}`;
      await assert.rejects(
        verifyStatementsLive(plan, url, index),
        (err: Error) => (err as { code?: string }).code === "CONFIGURATION_ERROR" && /Remove it from the URL/.test(err.message),
      );
    });

    test("a plan that binds fewer values than the statement has placeholders is caught", async () => {
      const short = edited((w) => void w.statements.explainConflict.params.pop());
      const problems = await verifyStatementsLive(short, db.url, index);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      const counts = /sees (\d+) parameters in the planned conflict explanation but the plan binds (\d+)\./.exec(problems[0]!.message);
      assert.ok(counts, problems[0]!.message);
      assert.equal(Number(counts[1]) - 1, Number(counts[2]));
    });
  });
}

describe("live verification on MariaDB with a SELECT-only read credential", () => {
  let db: TestDatabase;
  let reader: string;

  before(async () => {
    db = await createDatabase("mysql", "srvr");
    await seedExample(db);
    reader = `vr_${db.name.slice(-8)}`;
    await db.exec(`CREATE USER '${reader}'@'%' IDENTIFIED BY 'rd-pass-1'; GRANT SELECT ON \`${db.name}\`.* TO '${reader}'@'%'`);
  });
  after(async () => {
    await db?.exec(`DROP USER IF EXISTS '${reader}'@'%'`).catch(() => undefined);
    await db?.drop();
  });

  test("build --from-env says the write statements were not verified and that writeback doctor checks them", async () => {
    const env = { ...process.env, SUPPORT_DB_READ_URL: `mysql://${reader}:rd-pass-1@127.0.0.1:3306/${db.name}` };
    const built = await buildServer(exampleConfigFor("mysql"), env, "SUPPORT_DB_READ_URL");
    assert.equal(built.buildOutput.code, 0);
    const note = built.buildOutput.stderr.split("\n").find((line) => line.includes("were not verified"));
    assert.ok(note, built.buildOutput.stderr);
    assert.match(note, /planned write statements of billing\.propose_late_fee_waiver were not verified/);
    assert.match(note, /read credential may not UPDATE/);
    assert.match(note, /`synapsor-runner writeback doctor` checks them with the writer credential/);
  });
});
