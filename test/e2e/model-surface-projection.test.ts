// Everything a model can receive is projected to the author's visible_columns. A table holds
// columns the capabilities read but do not show (a patched flag, a guarded state, the version
// counter, the tenant column), each with a unique canary value, and one column never read at
// all. The test walks every model-facing surface of a real compiled server through the SDK
// Client (tools/list, every tool result on the success and error paths it can trigger,
// resources/list and templates, resources/read for each resource kind, prompts) and asserts no
// canary and no hidden column name ever appears. On both engines.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createDatabase, execAsAdmin, type TestDatabase } from "../support/databases.ts";
import { buildServer, connectStdio, envelopeOf, type StdioSession } from "../support/compiled-server.ts";
import { runCli } from "../support/cli.ts";
import { selectRows } from "../fixtures/handlers/billing-app.ts";

const CANARIES = ["CANARY-flag-51c9", "CANARY-state-8d2e", "CANARY-note-3a7f", "CANARY-other-77b1", "48151623", "91827364"];
const HIDDEN_COLUMNS = ["secret_flag", "review_state", "row_version", "internal_note", "escalation_level", "org_ref"];

function schemaSql(engine: "postgres" | "mysql"): string {
  const text = (n: number) => (engine === "postgres" ? "text" : `varchar(${n})`);
  const row = (id: string, org: string, state: string, flag: string) =>
    `('${id}', '${org}', 'open', 2, '${flag}', '${state}', 48151623, 91827364, 'CANARY-note-3a7f')`;
  return `
    CREATE TABLE tickets (
      id ${text(32)} PRIMARY KEY,
      org_ref ${text(64)} NOT NULL,
      status ${text(16)} NOT NULL,
      priority integer NOT NULL,
      secret_flag ${text(64)} NOT NULL,
      review_state ${text(64)} NOT NULL,
      row_version integer NOT NULL,
      escalation_level integer NOT NULL,
      internal_note ${text(200)} NOT NULL
    );
    INSERT INTO tickets VALUES ${row("T-1", "acme", "clear", "CANARY-flag-51c9")};
    INSERT INTO tickets VALUES ${row("T-2", "acme", "CANARY-state-8d2e", "CANARY-flag-51c9")};
    INSERT INTO tickets VALUES ${row("T-3", "globex", "clear", "CANARY-other-77b1")}`;
}

function config(engine: "postgres" | "mysql") {
  const target = { ...(engine === "postgres" ? { schema: "public" } : {}), table: "tickets", primary_key: "id", tenant_key: "org_ref" };
  return {
    version: 1,
    mode: "review",
    sources: { desk: { engine, read_url_env: "DESK_READ_URL", write_url_env: "DESK_WRITE_URL" } },
    trusted_context: { provider: "environment", values: { tenant_id_env: "DESK_TENANT", principal_env: "DESK_AGENT" } },
    capabilities: [
      {
        name: "support.inspect_ticket",
        kind: "read",
        description: "Look up one ticket.",
        source: "desk",
        target,
        args: { ticket_id: { type: "string", required: true, max_length: 32 } },
        lookup: { id_from_arg: "ticket_id" },
        visible_columns: ["id", "status", "priority"],
        max_rows: 1,
      },
      {
        name: "support.list_open_tickets",
        kind: "read",
        description: "List open tickets.",
        source: "desk",
        target,
        lookup: { filters: [{ column: "status", fixed: "open" }], order_by: [{ column: "id" }] },
        visible_columns: ["id", "status"],
        max_rows: 10,
      },
      {
        name: "support.propose_priority",
        kind: "proposal",
        description: "Propose a new priority for a ticket.",
        source: "desk",
        target,
        args: {
          ticket_id: { type: "string", required: true, max_length: 32 },
          priority: { type: "integer", required: true },
          level: { type: "integer", required: true },
        },
        lookup: { id_from_arg: "ticket_id" },
        visible_columns: ["id", "status", "priority"],
        patch: { priority: { from_arg: "priority" }, escalation_level: { from_arg: "level" }, secret_flag: { fixed: "triaged" } },
        allowed_columns: ["priority", "escalation_level", "secret_flag", "review_state"],
        numeric_bounds: { priority: { minimum: 1, maximum: 5 }, escalation_level: { minimum: 0, maximum: 3 } },
        transition_guards: { review_state: { from: ["clear"], to: ["clear"] } },
        conflict_guard: { column: "row_version" },
        approval: { mode: "human" },
      },
    ],
  };
}

for (const engine of ["postgres", "mysql"] as const) {
  describe(`nothing outside visible_columns reaches the model (${engine})`, () => {
    let db: TestDatabase;
    let session: StdioSession;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let env: NodeJS.ProcessEnv;
    let store: string;
    let proposalId: string | undefined;
    let writer: string | undefined;

    before(async () => {
      db = await createDatabase(engine, "srproj");
      await db.exec(schemaSql(engine));
      const migration = await runCli(["writeback", "migration", "--engine", engine, ...(engine === "mysql" ? ["--schema", db.name] : [])]);
      assert.equal(migration.code, 0, migration.stderr);
      await db.exec(migration.stdout);
      // apply wants a writer credential of its own.
      let writeUrl = `${db.url}?application_name=desk-writer`;
      if (engine === "mysql") {
        writer = `wp_${db.name.slice(-8)}`;
        await db.exec(`CREATE USER '${writer}'@'%' IDENTIFIED BY 'wp-pass-1'; GRANT SELECT, INSERT, UPDATE ON \`${db.name}\`.* TO '${writer}'@'%'`);
        writeUrl = `mysql://${writer}:wp-pass-1@127.0.0.1:3306/${db.name}`;
      }
      env = { ...process.env, DESK_READ_URL: db.url, DESK_WRITE_URL: writeUrl, DESK_TENANT: "acme", DESK_AGENT: "agent-7" };
      const cfg = config(engine);
      if (engine === "mysql") Object.assign(cfg, { executors: { sql_update: { type: "sql_update", receipts_schema: db.name } } });
      built = await buildServer(cfg, env, "DESK_READ_URL");
      store = join(built.runDir, "ledger.db");
      session = await connectStdio(built.serverPath, built.runDir, env as Record<string, string>, ["--store", store]);
    });

    after(async () => {
      await session?.close();
      await db?.drop();
      if (writer) await execAsAdmin("mysql", `DROP USER IF EXISTS '${writer}'@'%'`).catch(() => undefined);
    });

    test("every model-facing surface, success and error paths", async () => {
      const seen: Array<[string, string]> = [];
      const record = (label: string, value: unknown) => seen.push([label, typeof value === "string" ? value : JSON.stringify(value)]);
      /** Records what the client receives, a result or the protocol error it raised. */
      const receive = async <T>(label: string, request: () => Promise<T>): Promise<T | undefined> => {
        try {
          const result = await request();
          record(label, result);
          return result;
        } catch (err) {
          record(`${label} (error)`, { message: (err as Error).message, data: (err as { data?: unknown }).data });
          return undefined;
        }
      };
      const call = async (name: string, args: Record<string, unknown>) => {
        const result = await receive(`${name} ${JSON.stringify(args)}`, () => session.client.callTool({ name, arguments: args }));
        return result ? envelopeOf(result) : undefined;
      };

      await receive("tools/list", () => session.client.listTools());
      await receive("resources/list", () => session.client.listResources());
      await receive("resources/templates/list", () => session.client.listResourceTemplates());
      await receive("prompts/list", () => session.client.listPrompts());

      const evidenceIds: string[] = [];
      const keep = (e: any) => {
        if (e?.evidence?.bundle_id) evidenceIds.push(e.evidence.bundle_id);
        return e;
      };

      // Reads: found, another tenant's row, missing, and argument errors.
      const found = keep(await call("support.inspect_ticket", { ticket_id: "T-1" }));
      assert.equal(found.ok, true, found.summary);
      assert.deepEqual(Object.keys(found.data).sort(), ["id", "priority", "status"]);
      for (const args of [{ ticket_id: "T-3" }, { ticket_id: "T-404" }, { ticket_id: 7 }, {}, { ticket_id: "T-1", owner: "globex" }]) {
        const e = keep(await call("support.inspect_ticket", args));
        assert.equal(e.ok, false, JSON.stringify(args));
      }
      const list = keep(await call("support.list_open_tickets", {}));
      assert.equal(list.ok, true, list.summary);
      assert.deepEqual(list.data.rows.map((r: { id: string }) => r.id), ["T-1", "T-2"]);
      keep(await call("support.list_open_tickets", { status: "closed" }));

      // Proposals: accepted (hidden columns patched too), then every refusal we can provoke.
      const proposal = keep(await call("support.propose_priority", { ticket_id: "T-1", priority: 4, level: 1 }));
      assert.equal(proposal.ok, true, proposal.summary);
      proposalId = proposal.proposal.id;
      assert.deepEqual(Object.keys(proposal.proposal.diff), ["priority"]);
      const refusals: Array<[Record<string, unknown>, string]> = [
        [{ ticket_id: "T-2", priority: 4, level: 1 }, "POLICY_VIOLATION"], // hidden transition guard fails
        [{ ticket_id: "T-1", priority: 9, level: 1 }, "POLICY_VIOLATION"], // visible bound
        [{ ticket_id: "T-1", priority: 4, level: 9 }, "POLICY_VIOLATION"], // hidden bound
        [{ ticket_id: "T-3", priority: 4, level: 1 }, "NOT_FOUND_IN_TENANT"],
        [{ ticket_id: "T-1", priority: "high", level: 1 }, "INVALID_ARGUMENT"],
        [{ ticket_id: "T-1", priority: 4, level: 1, flag: "x" }, "INVALID_ARGUMENT"],
      ];
      for (const [args, code] of refusals) {
        const e = keep(await call("support.propose_priority", args));
        assert.equal(e.error?.code, code, JSON.stringify(args));
      }
      await call("support.no_such_tool", {});

      // Resources: the proposal, every evidence bundle handed out, and URIs that do not resolve.
      const resource = await receive("proposal resource", () => session.client.readResource({ uri: `synapsor://proposals/${proposal.proposal.id}` }));
      const body = JSON.parse((resource!.contents[0] as { text: string }).text);
      assert.deepEqual(Object.keys(body.diff), ["priority"]);
      assert.equal(body.hidden_changes, 2, "escalation_level and secret_flag are counted, not named");
      assert.ok(evidenceIds.length >= 3, `evidence handed out: ${evidenceIds.join(", ")}`);
      for (const id of new Set(evidenceIds)) await receive(`evidence ${id}`, () => session.client.readResource({ uri: `synapsor://evidence/${id}` }));
      for (const uri of ["synapsor://proposals/nope", "synapsor://evidence/ev_nope", `synapsor://replay/${proposal.proposal.id}`, "synapsor://other/x"]) {
        await receive(uri, () => session.client.readResource({ uri }));
      }

      // The surfaces did carry the visible values, so the walk saw real content.
      assert.ok(seen.some(([, text]) => text.includes('"priority"')));
      for (const [label, text] of seen) {
        for (const canary of CANARIES) assert.equal(text.includes(canary), false, `${label} leaks ${canary}: ${text}`);
        for (const column of HIDDEN_COLUMNS) assert.equal(text.includes(column), false, `${label} names hidden column ${column}: ${text}`);
      }
    });

    test("the reviewer's path still has the whole row: approve and apply the projected proposal", async () => {
      assert.ok(proposalId, "the walk made a proposal");
      const shown = await runCli(["proposals", "show", proposalId, "--store", store, "--json"], { env });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /CANARY-flag-51c9/, "the ledger keeps the full before row for reviewers");
      const approved = await runCli(["proposals", "approve", proposalId, "--store", store, "--actor", "dana", "--yes"], { env });
      assert.equal(approved.code, 0, approved.stderr);
      const applied = await runCli(["apply", "--proposal", proposalId, "--config", built.configPath, "--store", store, "--json"], { env });
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      assert.equal(JSON.parse(applied.stdout).status, "applied");
      const [row] = await selectRows(db, "SELECT priority, escalation_level, secret_flag FROM tickets WHERE id = 'T-1'");
      assert.deepEqual({ ...row, priority: Number(row!.priority), escalation_level: Number(row!.escalation_level) }, { priority: 4, escalation_level: 1, secret_flag: "triaged" });

      // The replay resource after apply: decision, receipt (whose versions are the hidden version
      // column's values) and events are there, and still nothing hidden.
      const replay = await session.client.readResource({ uri: `synapsor://replay/replay_${proposalId}` });
      const text = (replay.contents[0] as { text: string }).text;
      const body = JSON.parse(text);
      assert.equal(body.state, "applied");
      assert.equal(body.decision.decision, "approved");
      assert.deepEqual(body.receipts.map((r: { status: string }) => r.status), ["applied"]);
      for (const canary of CANARIES) assert.equal(text.includes(canary), false, `the replay leaks ${canary}: ${text}`);
      for (const column of HIDDEN_COLUMNS) assert.equal(text.includes(column), false, `the replay names ${column}: ${text}`);
    });
  });
}

