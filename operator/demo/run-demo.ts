// The demo: the whole read → propose loop on an embedded Postgres, driven by a real MCP
// client against the compiled server, narrated for a newcomer. No database server needed.

import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { compile } from "../../compiler/pipeline.ts";
import { formatDiagnostics } from "../../compiler/diagnostics.ts";
import { writeTreeAtomically } from "../../compiler/output/write-tree.ts";
import { startEmbeddedPostgres } from "./embedded-postgres.ts";
import { EXAMPLE_CONFIG_PATH, EXAMPLE_SNAPSHOT_PATH, exampleSql } from "./example-files.ts";
import { reviewAndApply } from "./review-steps.ts";
import { receiptsMigration } from "../../runtime/executors/receipts-table.ts";
import type { Contract } from "../../compiler/config/contract.ts";
import { DEFAULT_LEDGER_KEY_ENV } from "../../runtime/ledger/keys/key-ring.ts";
import { openKeyRing } from "../../runtime/ledger/keys/open-key-ring.ts";
import { keySettings } from "../review/store.ts";
import { terminalSafeLines } from "../../runtime/text/terminal-safe.ts";
import { silentProgress, type StepProgress } from "./progress.ts";

export interface DemoOptions {
  /** Where the build output and the ledger go; replaced on every run. */
  workDir: string;
  say: (line: string) => void;
  /** How the slow steps show they are running; silent by default. Its clock times every step. */
  progress?: StepProgress;
}

export interface DemoStep {
  step: string;
  tool?: string;
  arguments?: Record<string, unknown>;
  envelope?: Record<string, any>;
  seconds: number;
}

const TENANT = "tenant_acme";
const PRINCIPAL = "demo-agent";

export async function runDemo(
  options: DemoOptions,
): Promise<{ steps: DemoStep[]; workDir: string; proposalId: string; conflictProposalId: string }> {
  // Lines quote database rows and tool results; they reach the screen only guarded.
  const say = (line: string) => options.say(terminalSafeLines(line));
  const steps: DemoStep[] = [];
  const progress = options.progress ?? silentProgress();
  const clock = () => progress.elapsed();
  const workDir = resolve(options.workDir);
  rmSync(workDir, { recursive: true, force: true });

  say("synapsor-runner demo: the support-billing example, end to end, on an embedded Postgres.");
  say("Times in brackets are cumulative: seconds since the demo started.\n");
  say("1. Starting an in-memory Postgres (PGlite) and loading examples/support-billing ...");
  const pg = await progress.run("starting the embedded Postgres", "embedded Postgres started", () =>
    startEmbeddedPostgres({ sql: [...exampleSql("postgres"), receiptsMigration("postgres", undefined).join(";\n")] }),
  );
  let client: Client | undefined;
  try {
    say(`   2 tenants, 5 customers, 6 invoices, 8 support tickets loaded.  [${clock()} s]`);
    steps.push({ step: "database_started", seconds: clock() });

    say("2. Building examples/support-billing/synapsor.runner.json against that database ...");
    process.env.SUPPORT_DB_READ_URL = pg.url;
    const built = await progress.run("checking, type-checking and bundling the server", "built server.mjs", () =>
      compile({
        configPath: EXAMPLE_CONFIG_PATH,
        schema: { kind: "live", envVar: "SUPPORT_DB_READ_URL", url: pg.url },
      }),
    );
    if (!built.ok) throw new Error(`the example did not build:\n${formatDiagnostics("synapsor.runner.json", built.diagnostics)}`);
    const outDir = join(workDir, "out");
    const written = writeTreeAtomically(outDir, built.files);
    if (!written.ok) throw new Error(`${written.refusal.message} ${written.refusal.fix}`);
    say(`   Checked every table and column, prepared every statement, type-checked, bundled.`);
    say(`   Output: ${outDir}/src (reviewable TypeScript), manifest.json, server.mjs  [${clock()} s]`);
    steps.push({ step: "built", seconds: clock() });

    say(`3. Starting the compiled server over stdio as tenant ${TENANT}, principal ${PRINCIPAL}, with a real MCP client ...`);
    const ledgerPath = join(workDir, "ledger.db");
    const serverEnv = { PATH: process.env.PATH ?? "", SUPPORT_DB_READ_URL: pg.url, SYNAPSOR_TENANT_ID: TENANT, SYNAPSOR_PRINCIPAL: PRINCIPAL, ...ledgerKeyVariable(built.contract) };
    // The server and the review steps below read the ledger keys from this one environment, under
    // the rule both follow (the contract's variable, else SYNAPSOR_LEDGER_KEY, else the key file
    // next to the ledger), so they always agree, and so do review commands run later in this shell.
    // Opened now so a bad key variable stops the demo with its own message, before the server.
    const keys = openKeyRing({ ...keySettings(ledgerPath, {}, built.contract), env: serverEnv });
    const transport = new StdioClientTransport({
      command: process.execPath,
      // PGlite has a single backend session: one connection is all it can serve safely.
      args: [join(outDir, "server.mjs"), "serve", "--transport", "stdio", "--store", ledgerPath, "--pool-size", "1"],
      env: serverEnv,
      stderr: "ignore",
    });
    client = new Client({ name: "synapsor-demo", version: "1.0.0" });
    await client.connect(transport);
    const { tools } = await client.listTools();
    say(`   The model sees ${tools.length} tools: ${tools.map((t) => `${t.name} (${t.annotations?.readOnlyHint ? "read" : "proposal"})`).join(", ")}.`);
    say("   It never sees SQL, execute_sql, approve/apply tools, database URLs or the tenant id as an argument.");
    steps.push({ step: "server_started", seconds: clock() });

    const call = async (label: string, tool: string, args: Record<string, unknown>) => {
      const result = await client!.callTool({ name: tool, arguments: args });
      const envelope = result.structuredContent as Record<string, any>;
      steps.push({ step: label, tool, arguments: args, envelope, seconds: clock() });
      return envelope;
    };

    const tickets = await call("list_tickets", "support.list_open_tickets", { customer_id: "C-101" });
    say(`4. support.list_open_tickets {customer_id: "C-101"} → ${tickets.summary}`);
    for (const t of tickets.data.rows) say(`     ${t.id}  [${t.priority}]  ${t.subject}`);

    const invoice = await call("inspect_invoice", "billing.inspect_invoice", { invoice_id: "INV-3001" });
    say(`5. billing.inspect_invoice {invoice_id: "INV-3001"} → ${invoice.data.status}, amount ${invoice.data.amount_cents}, late fee ${invoice.data.late_fee_cents} (cents)`);
    say(`     evidence handle ${invoice.evidence.bundle_id}; internal_notes is not a visible column, so it never left the database`);

    const foreign = await call("inspect_other_tenant", "billing.inspect_invoice", { invoice_id: "INV-4001" });
    say(`6. billing.inspect_invoice {invoice_id: "INV-4001"} (another tenant's invoice) → ${foreign.error.code}: ${foreign.error.message}`);

    const reason = "Late fee charged during the May 3 outage (ticket T-1001).";
    const proposal = await call("propose_waiver", "billing.propose_late_fee_waiver", { invoice_id: "INV-3001", new_late_fee_cents: 0, reason });
    say(`7. billing.propose_late_fee_waiver {invoice_id: "INV-3001", new_late_fee_cents: 0, reason: ...}`);
    say(`     → proposal ${proposal.proposal.id}, state ${proposal.proposal.state}, evidence ${proposal.evidence.bundle_id}`);
    for (const [column, d] of Object.entries<any>(proposal.proposal.diff)) {
      say(`       ${column.padEnd(16)} ${JSON.stringify(d.before)} → ${JSON.stringify(d.proposed)}`);
    }

    const unchanged = await call("inspect_after_proposal", "billing.inspect_invoice", { invoice_id: "INV-3001" });
    say(`8. The source row is unchanged: INV-3001 late fee ${unchanged.data.late_fee_cents}, status ${unchanged.data.status} (source_database_changed: ${proposal.source_database_changed}).`);

    const policy = await call("propose_on_paid_invoice", "billing.propose_late_fee_waiver", { invoice_id: "INV-3002", new_late_fee_cents: 0, reason: "try a paid invoice" });
    say(`9. The same proposal on a paid invoice → ${policy.error.code}: ${policy.error.message}`);

    say("\nOutside MCP, a person decides and a trusted process writes:");
    const review = await reviewAndApply({
      contract: built.contract,
      plan: built.plan,
      ledgerPath,
      keys,
      readUrl: pg.url,
      // A distinct writer credential; on a real database this is a least-privilege writer role.
      writeUrl: `${pg.url}?application_name=synapsor-demo-writer`,
      say,
      inspect: async (invoiceId) => (await call(`inspect_${invoiceId}_after_apply`, "billing.inspect_invoice", { invoice_id: invoiceId })).data,
      propose: (invoiceId, fee, why) =>
        call(`propose_${invoiceId}`, "billing.propose_late_fee_waiver", { invoice_id: invoiceId, new_late_fee_cents: fee, reason: why }),
      firstProposalId: proposal.proposal.id,
      steps,
      clock,
    });
    // One proposal is left for the reader to review in the console.
    const waiting = await call("propose_for_review", "billing.propose_late_fee_waiver", {
      invoice_id: "INV-3005",
      new_late_fee_cents: 500,
      reason: "Goodwill: second late payment this year, halve the fee.",
    });
    say(`15. The agent proposes halving INV-3005's late fee → ${waiting.proposal.id}, ${waiting.proposal.state}: it waits for you.`);
    say(`\nDone in ${clock()} s. Everything above is in ${workDir}: the generated sources, the ledger, the replay.`);
    say("Review the waiting proposal in your browser (the demo database is gone, so the page shows no live row):");
    say(`  synapsor-runner ui --config ${EXAMPLE_CONFIG_PATH} --schema ${EXAMPLE_SNAPSHOT_PATH} --store ${ledgerPath}`);
    say("Build your own: synapsor-runner start --from-env DATABASE_URL (see README).");
    return { steps, workDir, proposalId: proposal.proposal.id, conflictProposalId: review.conflictProposalId };
  } finally {
    await client?.close().catch(() => undefined);
    await pg.stop();
  }
}

/** The variable the ledger keys are read from, carried into the server's environment when the user's shell sets it. */
function ledgerKeyVariable(contract: Contract): Record<string, string> {
  const name = contract.storage?.ledger_key_env ?? DEFAULT_LEDGER_KEY_ENV;
  const value = process.env[name];
  return value === undefined ? {} : { [name]: value };
}
