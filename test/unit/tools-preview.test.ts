// `tools preview`: the model's view of each tool is exactly what describeTool gives the
// server, and the hidden side names SQL, trusted bindings, hidden columns and env var
// names, never a secret value.

import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../../compiler/pipeline.ts";
import { toolOutputSchema } from "../../compiler/plan/output-schema.ts";
import { capabilitiesView, type Chrome } from "../../operator/console/views.ts";
import { buildToolsPreview, formatToolsPreview, NEVER_EXPOSED_TOOL_NAMES, type ToolsPreview } from "../../operator/preview/tools-preview.ts";
import type { SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { runCli } from "../support/cli.ts";
import { exampleConfigFor, tempDir } from "../support/compiled-server.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_DIR } from "../support/example.ts";

const SNAPSHOT_PATH = join(EXAMPLE_DIR, "synapsor.schema.json");
const SECRET = "Secret-preview-NEVER-LEAK-0b7e";

async function compiledExample(configPath: string, snapshotPath: string) {
  const result = await compile({ configPath, schema: { kind: "snapshot", path: snapshotPath }, bundle: false });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.diagnostics));
  const snapshot = JSON.parse(readFileSync(snapshotPath, "utf8")) as SchemaSnapshot;
  return { contract: result.contract, plan: result.plan, snapshot };
}

describe("tools preview model", () => {
  let compiled: Awaited<ReturnType<typeof compiledExample>>;
  let preview: ToolsPreview;
  before(async () => {
    compiled = await compiledExample(EXAMPLE_CONFIG_PATH, SNAPSHOT_PATH);
    preview = buildToolsPreview({ ...compiled, aliasMode: "canonical" });
  });

  test("the model's side: names, arguments with bounds, annotations and the envelope output schema", () => {
    assert.deepEqual(preview.tools.map((t) => t.name), ["billing.inspect_invoice", "support.list_open_tickets", "billing.propose_late_fee_waiver"]);
    const proposal = preview.tools.find((t) => t.name === "billing.propose_late_fee_waiver")!;
    // Only the hints away from the MCP defaults (not read-only and not idempotent are defaults); no
    // title where it would repeat the name; no `_meta` (not read-only is what marks a proposal, and
    // a canonical name would repeat the name).
    assert.deepEqual(proposal.annotations, { destructiveHint: false, openWorldHint: false });
    assert.equal(proposal.title, undefined);
    assert.equal(proposal._meta, undefined);
    const read = preview.tools.find((t) => t.name === "billing.inspect_invoice")!;
    // destructiveHint and idempotentHint mean nothing when readOnlyHint is true; a read needs no _meta.
    assert.deepEqual(read.annotations, { readOnlyHint: true, openWorldHint: false });
    assert.equal(read._meta, undefined);
    const props = proposal.inputSchema.properties as Record<string, Record<string, unknown>>;
    assert.equal(props.invoice_id!.maxLength, 64);
    assert.equal(props.new_late_fee_cents!.type, "integer");
    assert.equal(props.new_late_fee_cents!.minimum, 0);
    assert.equal("tenant_id" in props, false, "the tenant is never an argument");
    // Every tool publishes its own typed result: ok and the read's row (or rows) or the proposal's diff.
    for (const tool of preview.tools) {
      const plan = compiled.plan.capabilities.find((c) => c.name === tool.name)!;
      assert.deepEqual(tool.outputSchema, toolOutputSchema(plan.kind, plan.resultSchema));
    }
    const invoice = read.outputSchema as any;
    assert.deepEqual(Object.keys(invoice.properties), ["ok", "data"]);
    assert.deepEqual(invoice.properties.data.properties.late_fee_cents, { type: "integer" });
    assert.deepEqual(Object.keys((proposal.outputSchema as any).properties.proposal.properties.diff.properties), ["late_fee_cents", "waiver_reason", "status"]);
    assert.deepEqual(preview.results, [
      { tool: "billing.inspect_invoice", field: "data", columns: ["id", "tenant_id", "customer_id", "amount_cents", "late_fee_cents", "status", "waiver_reason", "due_at", "updated_at"] },
      { tool: "support.list_open_tickets", field: "data.rows", columns: ["id", "customer_id", "subject", "status", "priority", "created_at"] },
      { tool: "billing.propose_late_fee_waiver", field: "proposal.diff", columns: ["late_fee_cents", "waiver_reason", "status"] },
    ]);
  });

  test("the hidden side: SQL, the tenant bound from trusted context, hidden columns, env var names", () => {
    const invoice = preview.never_exposed.capabilities.find((c) => c.capability === "billing.inspect_invoice")!;
    assert.match(invoice.sql, /^\/\* synapsor:billing\.inspect_invoice \*\/ SELECT .* FROM "public"\."invoices" WHERE/);
    assert.deepEqual(invoice.parameters, [
      { position: 1, from: "argument", name: "invoice_id" },
      { position: 2, from: "trusted_context", name: "tenant_id", env: "SYNAPSOR_TENANT_ID" },
    ]);
    assert.deepEqual(invoice.hidden_columns, ["internal_notes"]);
    const tickets = preview.never_exposed.capabilities.find((c) => c.capability === "support.list_open_tickets")!;
    assert.deepEqual(tickets.hidden_columns, ["tenant_id", "updated_at"]);
    assert.ok(tickets.parameters.some((p) => p.from === "fixed" && p.value === "open"));
    assert.deepEqual(preview.never_exposed.credential_env_vars.map((v) => v.name), ["SUPPORT_DB_READ_URL", "SUPPORT_DB_WRITE_URL"]);
    assert.deepEqual(preview.never_exposed.absent_tools, [...NEVER_EXPOSED_TOOL_NAMES]);
    assert.equal(preview.never_exposed.trusted_context.tenant_id_env, "SYNAPSOR_TENANT_ID");
  });

  test("handler executors list their secret env var names too", () => {
    const contract = structuredClone(compiled.contract);
    contract.executors = { refunds: { type: "http_handler", url_env: "REFUNDS_URL", auth: { type: "bearer_env", token_env: "REFUNDS_TOKEN" }, signing_secret_env: "REFUNDS_SIGNING" } };
    const names = buildToolsPreview({ ...compiled, contract, aliasMode: "canonical" }).never_exposed.credential_env_vars.map((v) => v.name);
    assert.deepEqual(names.slice(2), ["REFUNDS_URL", "REFUNDS_TOKEN", "REFUNDS_SIGNING"]);
  });

  test("the console's capabilities page tells a read from a proposal by readOnlyHint, in either alias mode", () => {
    const chrome: Chrome = { identity: { name: "dana", label: "dana", roles: null, establishedBy: "self_declared", alsoKnownAs: [] }, csrf: "c", section: "capabilities" };
    for (const aliasMode of ["canonical", "openai"] as const) {
      const view = capabilitiesView(buildToolsPreview({ ...compiled, aliasMode }), null, chrome) as { tools: Array<{ kind: string; isProposal: boolean }> };
      assert.deepEqual(view.tools.map((t) => [t.kind, t.isProposal]), [["read", false], ["read", false], ["proposal", true]], aliasMode);
    }
  });

  test("openai alias mode renames the tools and the hidden facts follow them", () => {
    const openai = buildToolsPreview({ ...compiled, aliasMode: "openai" });
    assert.deepEqual(openai.tools.map((t) => t.name), ["billing__inspect_invoice", "support__list_open_tickets", "billing__propose_late_fee_waiver"]);
    assert.equal(openai.never_exposed.capabilities[0]!.tool, "billing__inspect_invoice");
    // An alias differs from the capability's name: the title carries the canonical one.
    assert.equal(openai.tools[0]!.title, "billing.inspect_invoice");
    assert.equal(openai.tools[0]!.annotations?.title, undefined);
    // With an alias, `_meta` carries the canonical name too.
    assert.deepEqual(openai.tools[0]!._meta, { canonical_capability: "billing.inspect_invoice" });
    assert.deepEqual(openai.tools[2]!._meta, { canonical_capability: "billing.propose_late_fee_waiver" });
    const text = formatToolsPreview(openai, "x.json");
    assert.match(text, /alias mode openai/);
    assert.match(text, /^ {2}output: the result envelope \(ok, .*_meta\); data: the row \(id, tenant_id, customer_id, amount_cents, late_fee_cents, status, waiver_reason, due_at, updated_at\)$/m);
    assert.match(text, /^ {2}output: .*; data\.rows: rows of id, customer_id, subject, status, priority, created_at$/m);
    assert.match(text, /^ {2}output: .*; proposal\.diff: late_fee_cents, waiver_reason, status$/m);
    assert.match(text, /^billing__inspect_invoice {2}\[read\]\n {2}annotations: readOnlyHint=true openWorldHint=false \(destructiveHint and idempotentHint do not apply to a read-only tool\)$/m);
    assert.match(text, /^billing__propose_late_fee_waiver {2}\[proposal \(review only, never writes\)\]\n {2}annotations: destructiveHint=false openWorldHint=false \(any other hint at its MCP default\)$/m);
  });

  test("MySQL targets (no schema in the config) still find their table's hidden columns", async () => {
    const dir = tempDir("synapsor-preview-mysql-");
    const snapshot = JSON.parse(readFileSync(SNAPSHOT_PATH, "utf8")) as SchemaSnapshot;
    const mysqlSnapshot = { ...snapshot, engine: "mysql", database: "support_billing", tables: snapshot.tables.map((t) => ({ ...t, schema: "support_billing" })) };
    writeFileSync(join(dir, "schema.json"), JSON.stringify(mysqlSnapshot));
    writeFileSync(join(dir, "synapsor.runner.json"), JSON.stringify(exampleConfigFor("mysql")));
    const mysql = buildToolsPreview({ ...(await compiledExample(join(dir, "synapsor.runner.json"), join(dir, "schema.json"))), aliasMode: "canonical" });
    const invoice = mysql.never_exposed.capabilities.find((c) => c.capability === "billing.inspect_invoice")!;
    assert.equal(invoice.table, "invoices");
    assert.match(invoice.sql, /`invoices`/);
    assert.deepEqual(invoice.hidden_columns, ["internal_notes"]);
  });
});

describe("synapsor-runner tools preview", () => {
  // Values planted in the credential env vars: the preview names the variables, never these.
  const env = {
    ...process.env,
    SUPPORT_DB_READ_URL: `postgres://reader:${SECRET}@db.internal:5432/app`,
    SUPPORT_DB_WRITE_URL: `postgres://writer:${SECRET}@db.internal:5432/app`,
  };

  test("text and --json show the tools, the hidden columns and no secret value", async () => {
    const args = ["tools", "preview", "--config", EXAMPLE_CONFIG_PATH, "--schema", SNAPSHOT_PATH];
    const [text, json] = await Promise.all([runCli(args, { env }), runCli([...args, "--json"], { env })]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /WHAT THE MODEL SEES[\s\S]*billing\.inspect_invoice\s+\[read\]/);
    assert.match(text.stdout, /invoice_id: string, required, maxLength 64/);
    assert.match(text.stdout, /WHAT THE MODEL NEVER SEES[\s\S]*hidden columns of public\.invoices: internal_notes/);
    assert.match(text.stdout, /trusted tenant_id from \$SYNAPSOR_TENANT_ID/);
    assert.match(text.stdout, /SUPPORT_DB_WRITE_URL/);
    assert.match(text.stdout, /No such tools: execute_sql/);

    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(body), ["tools", "never_exposed"]);
    assert.equal(body.tools.length, 3);
    assert.deepEqual(body.never_exposed.capabilities[0].hidden_columns, ["internal_notes"]);
    for (const output of [text.stdout, text.stderr, json.stdout, json.stderr]) {
      assert.equal(output.includes(SECRET), false, "a credential value was printed");
      assert.equal(output.includes("db.internal"), false, "a database URL was printed");
    }
  });

  test("a broken config exits 1 with the diagnostics", async () => {
    const dir = tempDir("synapsor-preview-bad-");
    const config = exampleConfigFor("postgres");
    config.capabilities[1].target.table = "support_tickts";
    writeFileSync(join(dir, "synapsor.runner.json"), JSON.stringify(config));
    const result = await runCli(["tools", "preview", "--config", join(dir, "synapsor.runner.json"), "--schema", SNAPSHOT_PATH], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /#\/capabilities\/1\/target\/table/);
  });
});
