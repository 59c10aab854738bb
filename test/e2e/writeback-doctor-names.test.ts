// `writeback doctor` prints the table and column names of each planned UPDATE. They come from
// the schema, so a name holding a line break or a bidi control is printed escaped: it can
// neither forge another line of the report nor reorder what the operator reads.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { runDoctor } from "../../operator/writeback/doctor.ts";
import { receiptsMigration } from "../../runtime/executors/receipts-table.ts";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { column, planCase, table, type PlanCase } from "../support/plan-fixtures.ts";

const TABLE = "odd\nnotes";
const NOTE = "note\u202e";
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

describe("writeback doctor prints schema names escaped", () => {
  let db: TestDatabase;

  before(async () => {
    db = await createDatabase("postgres", "srdn");
    await db.exec(`CREATE TABLE public.${quote(TABLE)} (id text PRIMARY KEY, org_id text NOT NULL, ${quote(NOTE)} text)`);
    for (const statement of receiptsMigration("postgres", undefined)) await db.exec(statement);
  });
  after(async () => {
    await db?.drop();
  });

  test("an odd table and column name reach the report only escaped", async () => {
    const c: PlanCase = {
      engine: "postgres",
      tables: [table("public", TABLE, ["id"], [column("id", "text"), column("org_id", "text"), column(NOTE, "text", true)])],
      capability: {
        name: "ops.propose_note",
        kind: "proposal",
        source: "app",
        target: { schema: "public", table: TABLE, primary_key: "id", tenant_key: "org_id" },
        args: { note_id: { type: "string", required: true, max_length: 20 } },
        lookup: { id_from_arg: "note_id" },
        visible_columns: ["id", NOTE],
        patch: { [NOTE]: { fixed: "checked" } },
        allowed_columns: [NOTE],
        approval: { mode: "human" },
        executor: "writer",
      },
    };
    const planned = planCase(c);
    assert.ok(planned.ok, JSON.stringify(!planned.ok && planned.diagnostics));
    // Two spellings of the same login: doctor refuses one URL string for both reading and writing.
    const env = { APP_READ_URL: `${db.url}?application_name=reader`, APP_WRITE_URL: db.url };
    const checks = await runDoctor(planned.plan, env);
    assert.deepEqual(checks.map((check) => [check.check, check.status]), [
      ["connect", "ok"],
      ["receipts_table", "ok"],
      ["update ops.propose_note", "ok"],
    ]);
    assert.equal(checks[1]!.message, "synapsor.synapsor_writeback_receipts accepts a receipt (probe rolled back).");
    assert.equal(checks[2]!.message, 'public."odd\\nnotes" accepts the planned UPDATE of "note\\u202e" (probe matched no row and rolled back).');
    for (const check of checks) assert.doesNotMatch(check.message, /[\n\u202e]/);
  });
});
