// The ledger commands on a store written by a real compiled server (built once per engine,
// driven by the SDK Client): evidence list|show|export, query-audit list|show|export, activity
// search, replay show by evidence id, and the synapsor://replay/ resource. One ticket subject
// holds control, bidi and Markdown characters, so every surface that prints a stored row is
// checked for staying inert. The filters are checked in process against the same store; the
// CLI runs where the CLI itself is under test (flags, JSON contract, files, messages).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDatabase, type TestDatabase } from "../support/databases.ts";
import { seedExample } from "../support/example.ts";
import { buildServer, connectStdio, envelopeOf, exampleConfigFor, tempDir, type StdioSession } from "../support/compiled-server.ts";
import { runCli } from "../support/cli.ts";
import { firstForbidden } from "../support/hostile-text.ts";
import { openLedger } from "../../runtime/ledger/index.ts";
import type { Ledger } from "../../runtime/ledger/ports.ts";
import { loadProgram } from "../../cli/main.ts";
import { searchActivity } from "../../operator/ledger/activity.ts";
import { loadEvidence } from "../../operator/ledger/documents.ts";
import { formatEvidence } from "../../operator/ledger/format.ts";
import { evidenceMarkdown } from "../../operator/ledger/markdown.ts";
import { commandsBelow } from "../../cli/command-tree.ts";

// The whole command tree, every command file loaded.
const program = await loadProgram();

/** Stored in a ticket subject: a fake link, HTML, pipes that would add cells, code, emphasis, an entity, ESC and a bidi override. */
const HOSTILE = "[approved](https://evil.example) <b>ok</b> | cell | `tick` *em* &#x202E; \u001b[2J\u202eexe.txt";
const EVIDENCE_KEYS = ["id", "capability", "tenant_id", "principal", "table", "object_id", "object_ids", "query_audit_id", "row_count", "created_at"];

const root = tempDir("ledger-commands-");
after(() => rmSync(root, { recursive: true, force: true }));

describe("help and stores without records", () => {
  test("every ledger command has --help with --store and --json; the exports have --force", () => {
    const wanted = ["evidence list", "evidence show", "evidence export", "query-audit list", "query-audit show", "query-audit export", "activity search"];
    const found = new Map(commandsBelow(program).map((c) => [c.words.join(" "), c.command]));
    for (const words of wanted) {
      const help = found.get(words)?.helpInformation();
      assert.ok(help, `${words} is registered`);
      assert.match(help, /--store <file>/, words);
      assert.match(help, /--json/, words);
      if (words.endsWith("export")) assert.match(help, /--force/, words);
    }
  });

  test("an existing store with no records lists [], a missing one is an error with the fix and is not created", async () => {
    const empty = join(root, "empty", "local.db");
    await (await openLedger({ path: empty })).close();
    const missing = join(root, "nowhere", "local.db");
    const [listed, r] = await Promise.all([
      runCli(["evidence", "list", "--store", empty, "--json"]),
      runCli(["evidence", "list", "--store", missing, "--json"]),
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, "[]\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /No store at .*nowhere.*Pass the --store the MCP server writes to/);
    assert.equal(r.stdout, "");
    assert.equal(existsSync(missing), false);
  });
});

for (const engine of ["postgres", "mysql"] as const) {
  describe(`ledger commands on a store written by the compiled server (${engine})`, () => {
    const table = engine === "postgres" ? "public.invoices" : "invoices";
    let db: TestDatabase;
    let built: Awaited<ReturnType<typeof buildServer>>;
    let env: Record<string, string>;
    const connectAs = (tenant: string) => connectStdio(built.serverPath, built.runDir, { ...env, SYNAPSOR_TENANT_ID: tenant });
    let store: string;
    let ledger: Ledger;
    /** Evidence ids: inspect INV-3001, inspect INV-3003, the ticket list (hostile subject), the proposal's read, globex's read. */
    const ev: Record<"inv3001" | "inv3003" | "tickets" | "proposal" | "globex", string> = {} as never;
    let proposalId: string;
    /** A time between the first read and everything after it. */
    let afterFirst: string;

    before(async () => {
      db = await createDatabase(engine, "srledger");
      await seedExample(db);
      await db.exec(`UPDATE support_tickets SET subject = '${HOSTILE}' WHERE id = 'T-1003'`);
      store = join(tempDir("ledger-store-"), "local.db");
      const config = exampleConfigFor(engine);
      // The server's default store, so `--config` finds the same file the CLI reads.
      config.storage = { sqlite_path: store };
      env = { SUPPORT_DB_READ_URL: db.url, SYNAPSOR_TENANT_ID: "tenant_acme", SYNAPSOR_PRINCIPAL: "agent-ledger" };
      built = await buildServer(config, { ...process.env, ...env }, "SUPPORT_DB_READ_URL");
      // One server at a time on the store, as an operator runs them.
      const acme = await connectAs("tenant_acme");
      const call = async (session: StdioSession, name: string, args: Record<string, unknown>) => {
        const e = envelopeOf(await session.client.callTool({ name, arguments: args }));
        assert.equal(e.ok, true, e.summary);
        return e;
      };
      ev.inv3001 = (await call(acme, "billing.inspect_invoice", { invoice_id: "INV-3001" })).evidence.bundle_id;
      await sleep(5);
      afterFirst = new Date().toISOString();
      await sleep(5);
      ev.inv3003 = (await call(acme, "billing.inspect_invoice", { invoice_id: "INV-3003" })).evidence.bundle_id;
      const tickets = await call(acme, "support.list_open_tickets", { customer_id: "C-101" });
      assert.ok(tickets.data.rows.some((r: { subject: string }) => r.subject === HOSTILE), "the hostile subject went to the model as stored");
      ev.tickets = tickets.evidence.bundle_id;
      const proposal = await call(acme, "billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 0, reason: "outage" });
      ev.proposal = proposal.evidence.bundle_id;
      proposalId = proposal.proposal.id;
      await acme.close();
      const globex = await connectAs("tenant_globex");
      ev.globex = (await call(globex, "billing.inspect_invoice", { invoice_id: "INV-4001" })).evidence.bundle_id;
      await globex.close();
      ledger = await openLedger({ path: store });
    });

    after(async () => {
      await ledger?.close();
      await db?.drop();
    });

    const cli = (...args: string[]) => runCli(args, { env: { ...process.env, ...env } });
    const json = async (...args: string[]) => {
      const r = await cli(...args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };

    test("evidence list --json: an array, newest first, with the documented snake_case keys", async () => {
      const [all, narrowed] = await Promise.all([
        json("evidence", "list", "--store", store, "--json"),
        json("evidence", "list", "--config", built.configPath, "--tenant", "tenant_acme", "--object", "invoices:INV-3001", "--json"),
      ]);
      assert.deepEqual(all.map((e: { id: string }) => e.id), [ev.globex, ev.proposal, ev.tickets, ev.inv3003, ev.inv3001]);
      for (const item of all) for (const key of EVIDENCE_KEYS) assert.ok(key in item, `${key} in ${JSON.stringify(item)}`);
      const first = all.find((e: { id: string }) => e.id === ev.inv3001);
      assert.deepEqual({ ...first, created_at: "" }, {
        id: ev.inv3001, capability: "billing.inspect_invoice", tenant_id: "tenant_acme", principal: "agent-ledger", table,
        object_id: "INV-3001", object_ids: ["INV-3001"], query_audit_id: `qa_${ev.inv3001.slice(3)}`, row_count: 1, created_at: "",
      });
      const list = all.find((e: { id: string }) => e.id === ev.tickets);
      assert.deepEqual(list.object_ids, ["T-1001", "T-1003"]);
      assert.equal(list.row_count, 2);
      // --config finds the store its server writes; --tenant and --object narrow to INV-3001's reads.
      assert.deepEqual(narrowed.map((e: { id: string }) => e.id), [ev.proposal, ev.inv3001]);
    });

    test("each filter narrows the real store's reads to exactly what it names", async () => {
      const ids = async (filter: Parameters<Ledger["reads"]["listEvidence"]>[0]) => (await ledger.reads.listEvidence(filter)).map((e) => e.id);
      assert.deepEqual(await ids({ tenantId: "tenant_globex" }), [ev.globex]);
      assert.deepEqual(await ids({ capability: "support.list_open_tickets" }), [ev.tickets]);
      assert.deepEqual(await ids({ tenantId: "tenant_acme", object: "INV-3001" }), [ev.proposal, ev.inv3001]);
      assert.deepEqual(await ids({ object: `${table}:INV-3003` }), [ev.inv3003]);
      assert.deepEqual(await ids({ object: "support_tickets:T-1003" }), [ev.tickets]);
      assert.deepEqual(await ids({ table: "support_tickets" }), [ev.tickets]);
      assert.deepEqual(await ids({ table: "invoices", tenantId: "tenant_acme" }), [ev.proposal, ev.inv3003, ev.inv3001]);
      assert.deepEqual(await ids({ source: "app_db", tenantId: "tenant_acme" }), [ev.proposal, ev.tickets, ev.inv3003, ev.inv3001]);
      assert.deepEqual(await ids({ source: "other_db" }), []);
      assert.deepEqual(await ids({ until: afterFirst }), [ev.inv3001]);
      assert.deepEqual(await ids({ since: afterFirst, tenantId: "tenant_acme", object: "INV-3001" }), [ev.proposal]);
      const audits = await ledger.reads.listQueryAudit({ evidenceId: ev.tickets });
      assert.deepEqual(audits.map((q) => q.id), [`qa_${ev.tickets.slice(3)}`]);
      assert.equal(audits[0]!.source, "app_db");
      assert.equal((await ledger.reads.listQueryAudit({ outcome: "error" })).length, 0);
    });

    // The CLI's own behaviour does not depend on the engine: it runs once, on Postgres; the MySQL
    // store gets the same renderers in process (below).
    if (engine === "postgres") {
      test("evidence show and export keep the hostile row inert; export refuses to overwrite without --force", async () => {
        const shown = await cli("evidence", "show", ev.tickets, "--store", store);
        assert.equal(shown.code, 0, shown.stderr);
        assert.equal(firstForbidden(shown.stdout.replace(/\n/g, "")), undefined, "no raw control or bidi character on the terminal");
        assert.match(shown.stdout, /subject: \[approved\]\(https:\/\/evil\.example\) <b>ok<\/b> \| cell \| `tick` \*em\* &#x202E; \\u001b\[2J\\u202eexe\.txt/);
        assert.match(shown.stdout, /Row 2:/);

        const md = join(root, `${engine}-evidence.md`);
        const jsonFile = join(root, `${engine}-evidence.json`);
        const [mdRun, jsonRun] = await Promise.all([
          cli("evidence", "export", ev.tickets, "--store", store, "--format", "markdown", "--output", md),
          cli("evidence", "export", ev.tickets, "--store", store, "--format", "json", "--output", jsonFile),
        ]);
        assert.equal(mdRun.code, 0, mdRun.stderr);
        assert.equal(jsonRun.code, 0, jsonRun.stderr);
        const markdown = readFileSync(md, "utf8");
        assert.equal(firstForbidden(markdown.replace(/\n/g, "")), undefined);
        const row = markdown.split("\n").find((l) => l.startsWith("| ") && l.includes("approved"))!;
        const unescaped = row.replace(/\\./g, "");
        assert.equal(unescaped.split("|").length - 1, 7, `six columns, seven pipes: ${row}`);
        assert.doesNotMatch(unescaped, /[[\]<>*`&]/, row);
        const doc = JSON.parse(readFileSync(jsonFile, "utf8"));
        assert.equal(doc.format, "synapsor.evidence.v1");
        assert.equal(doc.rows.find((r: { id: string }) => r.id === "T-1003").subject, HOSTILE, "JSON keeps the exact value");
        assert.equal(doc.query_audit.id, `qa_${ev.tickets.slice(3)}`);
        assert.equal(firstForbidden(readFileSync(jsonFile, "utf8").replace(/\n/g, "")), undefined, "bidi written as \\u escapes");

        const again = await cli("evidence", "export", ev.inv3001, "--store", store, "--format", "json", "--output", jsonFile);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /already exists; nothing was written.*--force/);
        assert.equal(JSON.parse(readFileSync(jsonFile, "utf8")).id, ev.tickets, "the file is untouched");
        const forced = await cli("evidence", "export", ev.inv3001, "--store", store, "--format", "json", "--output", jsonFile, "--force", "--json");
        assert.equal(forced.code, 0, forced.stderr);
        assert.deepEqual(JSON.parse(forced.stdout), { ok: true, id: ev.inv3001, format: "json", output: jsonFile });
        assert.equal(JSON.parse(readFileSync(jsonFile, "utf8")).id, ev.inv3001);
      });

      test("query-audit list --evidence, show and Markdown export", async () => {
        const qa = `qa_${ev.proposal.slice(3)}`;
        const md = join(root, `${engine}-audit.md`);
        const [list, shown, exported] = await Promise.all([
          json("query-audit", "list", "--store", store, "--evidence", ev.proposal, "--source", "app_db", "--table", "invoices", "--json"),
          json("query-audit", "show", qa, "--store", store, "--json"),
          cli("query-audit", "export", qa, "--store", store, "--format", "markdown", "--output", md),
        ]);
        assert.deepEqual(list.map((q: { id: string }) => q.id), [qa]);
        assert.equal(shown.format, "synapsor.query-audit.v1");
        assert.deepEqual({ ...shown, created_at: "", duration_ms: 0, statement_fingerprint: "" }, {
          format: "synapsor.query-audit.v1", id: qa, capability: "billing.propose_late_fee_waiver", tenant_id: "tenant_acme", principal: "agent-ledger",
          source: "app_db", table, statement_fingerprint: "", outcome: "ok", error_code: null, row_count: 1, duration_ms: 0,
          redacted_params: shown.redacted_params, evidence_id: ev.proposal, traceparent: null, created_at: "",
        });
        assert.ok(JSON.stringify(shown.redacted_params).includes("INV-3001"));
        assert.ok(!JSON.stringify(shown.redacted_params).includes("tenant_acme"), "the trusted tenant is named, not quoted");
        assert.equal(exported.code, 0, exported.stderr);
        assert.match(readFileSync(md, "utf8"), new RegExp(`^# Query audit ${qa}$`, "m"));
      });

      test("activity search: the object's reads and its proposal in one timeline, other tenants left out", async () => {
        const entries = await json("activity", "search", "--config", built.configPath, "--tenant", "tenant_acme", "--object", "invoices:INV-3001", "--json");
        assert.deepEqual(entries.map((e: { kind: string; id: string }) => [e.kind, e.id]), [["proposal", proposalId], ["read", ev.proposal], ["read", ev.inv3001]]);
        assert.equal(entries[0].evidence_id, ev.proposal);
        assert.equal(entries[0].status, "review_required");
        const text = await cli("activity", "search", "--store", store, "--tenant", "tenant_globex");
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, new RegExp(ev.globex));
        assert.doesNotMatch(text.stdout, /tenant_acme/);
      });

      test("replay show by evidence id, and the evidence of a read with no proposal says so with the fix", async () => {
        const [replay, none] = await Promise.all([cli("replay", "show", ev.proposal, "--store", store), cli("replay", "show", ev.inv3003, "--store", store)]);
        assert.equal(replay.code, 0, replay.stderr);
        assert.match(replay.stdout, new RegExp(`^# Replay of proposal ${proposalId}$`, "m"));
        assert.equal(none.code, 1);
        assert.match(none.stderr, new RegExp(`Evidence bundle ${ev.inv3003} has no proposal linked to it.*synapsor-runner evidence show ${ev.inv3003}`));
      });
    }

    test("the stored hostile row renders inert in process (terminal and Markdown)", async () => {
      const doc = (await loadEvidence(ledger, ev.tickets))!;
      assert.equal(doc.rows.find((r) => r.id === "T-1003")!.subject, HOSTILE);
      const shown = formatEvidence(doc);
      assert.equal(firstForbidden(shown.replace(/\n/g, "")), undefined);
      assert.match(shown, /\\u001b\[2J\\u202eexe\.txt/);
      const markdown = evidenceMarkdown(doc);
      assert.equal(firstForbidden(markdown.replace(/\n/g, "")), undefined);
      const row = markdown.split("\n").find((l) => l.startsWith("| ") && l.includes("approved"))!;
      const unescaped = row.replace(/\\./g, "");
      assert.equal(unescaped.split("|").length - 1, 7, row);
      assert.doesNotMatch(unescaped, /[[\]<>*`&]/, row);
      const timeline = await searchActivity(ledger, { tenantId: "tenant_acme", object: "invoices:INV-3001", limit: 50 });
      assert.deepEqual(timeline.map((e) => [e.kind, e.id]), [["proposal", proposalId], ["read", ev.proposal], ["read", ev.inv3001]]);
    });

    test("synapsor://replay/ serves the tenant's own proposal, and another tenant's looks exactly like a missing one", async () => {
      const acme = await connectAs("tenant_acme");
      try {
        await ownReplay(acme);
      } finally {
        await acme.close();
      }
      const globex = await connectAs("tenant_globex");
      try {
        await foreignLooksMissing(globex);
      } finally {
        await globex.close();
      }
    });

    async function ownReplay(acme: StdioSession): Promise<void> {
      for (const id of [`replay_${proposalId}`, proposalId]) {
        const resource = await acme.client.readResource({ uri: `synapsor://replay/${id}` });
        const body = JSON.parse((resource.contents[0] as { text: string }).text);
        assert.equal(body.id, `replay_${proposalId}`);
        assert.equal(body.state, "review_required");
        assert.equal(body.proposal.id, proposalId);
        assert.equal(body.evidence.id, ev.proposal);
        assert.equal(body.decision, null);
        assert.deepEqual(body.events.map((e: { type: string }) => e.type), ["proposal_created"]);
        assert.equal("internal_notes" in body.evidence.rows[0], false, "the evidence stays projected");
      }
      const templates = (await acme.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
      assert.ok(templates.includes("synapsor://replay/{id}"));
    }

    async function foreignLooksMissing(globex: StdioSession): Promise<void> {
      const failure = async (uri: string) => {
        const err = await globex.client.readResource({ uri }).then(() => undefined, (e: { code: number; message: string }) => e);
        assert.ok(err, `${uri} must not resolve for tenant_globex`);
        return { code: err.code, message: err.message.replace(uri, "<uri>") };
      };
      const foreign = await failure(`synapsor://replay/replay_${proposalId}`);
      const missing = await failure("synapsor://replay/replay_wrp_00000000000000000000");
      assert.equal(foreign.code, -32002);
      assert.deepEqual(foreign, missing);
    }
  });
}
