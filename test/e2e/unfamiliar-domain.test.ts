// A config for a domain the example never mentions (fleet work orders: uuid tenant column
// org_id, bigint keys, an integer row version, its own env var names) builds against live
// Postgres and MariaDB, and its server.mjs, alone in an empty directory, serves it correctly.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/fleet/", import.meta.url));
const ORG = "6f1c2f4e-2b7a-4c55-9a1e-0c4f5e6a7b8c";

for (const engine of ["postgres", "mysql"] as const) {
  describe(`unfamiliar domain on ${engine}`, () => {
    let db: TestDatabase;
    let session: StdioSession;
    let built: Awaited<ReturnType<typeof buildServer>>;

    before(async () => {
      db = await createDatabase(engine, "srfleet");
      await db.exec(readFileSync(join(FIXTURE, `schema.${engine}.sql`), "utf8"));
      const config = JSON.parse(readFileSync(join(FIXTURE, "synapsor.runner.json"), "utf8"));
      config.sources.fleet.engine = engine;
      if (engine === "mysql") for (const c of config.capabilities) delete c.target.schema;
      built = await buildServer(config, { ...process.env, FLEET_RO_URL: db.url }, "FLEET_RO_URL");
      session = await connectStdio(built.serverPath, built.runDir, { FLEET_RO_URL: db.url, FLEET_ORG: ORG, FLEET_OPERATOR: "dispatcher-7" }, [
        "--store",
        join(built.runDir, "fleet-ledger.db"),
      ]);
    });
    after(async () => {
      await session?.close();
      await db?.drop();
    });

    const call = async (name: string, args: Record<string, unknown>) => envelopeOf(await session.client.callTool({ name, arguments: args }));

    test("reads are scoped to the org from the environment and hide unlisted columns", async () => {
      const e = await call("fleet.get_work_order", { order_no: 900001 });
      assert.equal(e.ok, true, e.summary);
      assert.deepEqual(Object.keys(e.data), ["order_no", "vehicle_vin", "state", "priority", "estimated_hours", "row_version"]);
      assert.equal(String(e.data.order_no), "900001");
      assert.equal(e.data.estimated_hours, "3.50");
      assert.equal(e._meta.tenant_id, ORG);
      assert.equal(e._meta.principal, "dispatcher-7");
      const other = await call("fleet.get_work_order", { order_no: 900004 });
      assert.equal(other.error.code, "NOT_FOUND_IN_TENANT");
      // A 64-bit key also takes canonical digit text (exact past 2^53); anything looser is refused.
      const asText = await call("fleet.get_work_order", { order_no: "900001" });
      assert.equal(asText.ok, true, asText.summary);
      for (const loose of ["0900001", " 900001", "900001abc", "9.00001e5"]) {
        const bad = await call("fleet.get_work_order", { order_no: loose });
        assert.equal(bad.error?.code, "INVALID_ARGUMENT", loose);
      }
      const zero = await call("fleet.get_work_order", { order_no: 0 });
      assert.equal(zero.error.code, "INVALID_ARGUMENT");
    });

    test("a list read applies the fixed filter, the order and the row cap", async () => {
      const e = await call("fleet.list_blocked_orders", { vin: "1HGCM82633A004352" });
      assert.equal(e.ok, true);
      assert.deepEqual(e.data.rows.map((r: any) => String(r.order_no)), ["900002"]);
      assert.equal(e.data.truncated, true, "two blocked orders exist, max_rows is 1");
    });

    test("proposals honour the transition guard, the bounds and record the row version", async () => {
      const ok = await call("fleet.propose_unblock", { order_no: 900001, new_priority: 1 });
      assert.equal(ok.ok, true, ok.summary);
      assert.deepEqual(ok.proposal.diff, { priority: { before: 2, proposed: 1 }, state: { before: "blocked", proposed: "scheduled" } });
      const stored = JSON.parse(
        ((await session.client.readResource({ uri: `synapsor://proposals/${ok.proposal.id}` })).contents[0] as { text: string }).text,
      );
      assert.deepEqual(stored.guards.conflict, { column: "row_version", expected: 7 });
      assert.equal(stored.approval.requiredRole, "fleet_manager");
      const done = await call("fleet.propose_unblock", { order_no: 900003, new_priority: 1 });
      assert.equal(done.error.code, "POLICY_VIOLATION");
      const tooHigh = await call("fleet.propose_unblock", { order_no: 900002, new_priority: 9 });
      assert.equal(tooHigh.error.code, "POLICY_VIOLATION");
      const row = await call("fleet.get_work_order", { order_no: 900001 });
      assert.equal(row.data.state, "blocked", "the source is never written by a proposal");
    });
  });
}
