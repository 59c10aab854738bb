// `synapsor-runner writeback migration | grants | doctor`: what an operator runs before
// enabling the sql_update executor. migration and grants only print SQL for a person to
// review and run; doctor probes the writer credential inside transactions that always roll
// back. grants and doctor read the compiled plan (operator/writeback/), so they name exactly
// the columns and statements apply will use.

import { Option, type Command } from "commander";
import type { Engine } from "../compiler/config/contract.ts";
import { runDoctor, type DoctorCheck } from "../operator/writeback/doctor.ts";
import { receiptsTablesOf, writerGrants } from "../operator/writeback/grants.ts";
import { receiptsMigration, receiptsTableOf } from "../runtime/executors/receipts-table.ts";
import { terminalSafe, terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { compileForCommand } from "./compiled.ts";
import { CliError, EXIT, printJson } from "./program.ts";

const engineOption = () => new Option("--engine <engine>", "database engine").choices(["postgres", "mysql"]).makeOptionMandatory();
const SNAPSHOT_HELP = "schema snapshot to compile the config against (default: build.schema_snapshot, else the live schema of the source's read URL)";
const FROM_ENV_HELP = "env var holding a database URL: compile the config against its live schema";

export function register(program: Command): void {
  const group = program.command("writeback").description("Prepare and check the database path of the sql_update executor");

  group
    .command("migration")
    .description("Print the DDL of the writeback receipts table (review it, then run it as an administrator)")
    .addOption(engineOption())
    .option("--schema <name>", "schema (Postgres, default synapsor) or database (MySQL, default the connection's) for the receipts table")
    .action((flags: { engine: Engine; schema?: string }) => {
      process.stdout.write(sqlScript(receiptsMigration(flags.engine, flags.schema)));
    });

  group
    .command("grants")
    .description("Print least-privilege GRANTs for the writer role: the receipts table and, with --config, the columns each planned UPDATE sets and reads")
    .addOption(engineOption())
    .requiredOption("--writer-role <role>", "the role (Postgres) or user/role, optionally user@host (MySQL), that apply connects as")
    .option("--schema <name>", "receipts schema/database, when not the default (the schema snapshot is --schema-snapshot)")
    .option("--config <file>", "also grant what the planned sql_update writes of this config need")
    .option("--schema-snapshot <file>", SNAPSHOT_HELP)
    .option("--from-env <VAR>", FROM_ENV_HELP)
    .action(async (flags: { engine: Engine; writerRole: string; schema?: string; config?: string; schemaSnapshot?: string; fromEnv?: string }) => {
      const compiled = flags.config ? await compileForCommand(flags.config, { schema: flags.schemaSnapshot, fromEnv: flags.fromEnv }, "--schema-snapshot") : undefined;
      const writes = (compiled?.plan.capabilities ?? []).flatMap((c) => (c.proposal?.write?.engine === flags.engine ? [c.proposal.write] : []));
      const receipts = flags.schema !== undefined || !compiled ? [receiptsTableOf(flags.engine, flags.schema)] : receiptsTablesOf(flags.engine, writes);
      const grants = writerGrants(flags.engine, flags.writerRole, receipts, writes);
      if (!grants.ok) throw new CliError(grants.message);
      process.stdout.write(sqlScript(grants.statements));
    });

  group
    .command("doctor")
    .description("Check the writer credential of each source with the planned statements in rollback-only probes; prints safe categories, never URLs")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--schema <file>", SNAPSHOT_HELP)
    .option("--schema-snapshot <file>", "the same as --schema (the name `writeback grants` uses)")
    .option("--from-env <VAR>", FROM_ENV_HELP)
    .option("--json", "print { ok, checks } as JSON")
    .action(async (flags: { config: string; schema?: string; schemaSnapshot?: string; fromEnv?: string; json?: boolean }) => {
      if (flags.schema && flags.schemaSnapshot && flags.schema !== flags.schemaSnapshot) throw new CliError("Use either --schema or --schema-snapshot, not both.");
      const compiled = await compileForCommand(flags.config, { schema: flags.schema ?? flags.schemaSnapshot, fromEnv: flags.fromEnv });
      const checks = await runDoctor(compiled.plan, process.env);
      const ok = checks.every((c) => c.status === "ok");
      if (flags.json) printJson({ ok, checks });
      else process.stdout.write(formatChecks(checks));
      if (!ok) process.exitCode = EXIT.environment;
    });
}

/**
 * SQL for a person to read and run. Table and column names come from the schema; one holding a
 * control, bidi or invisible character would not read on a terminal as it runs, and escaping it
 * would change the SQL, so such a script is refused instead of printed.
 */
function sqlScript(statements: string[]): string {
  const unsafe = statements.find((s) => terminalSafeLines(s) !== s);
  if (unsafe !== undefined) {
    throw new CliError(
      `A name in this SQL holds a control, bidi or invisible character, so it is not printed: a terminal would not show it as it runs. ` +
        `The statement, escaped: ${terminalSafe(unsafe)}. Rename the table or column, or write this statement by hand.`,
    );
  }
  return statements.map((s) => `${s};\n`).join("");
}

function formatChecks(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines = checks.map((c) => terminalSafe(`${c.status === "ok" ? "ok  " : "FAIL"}  ${c.source}  ${c.check.padEnd(width)}  ${c.message}`));
  const ok = checks.every((c) => c.status === "ok");
  lines.push(ok ? "The writer path is ready." : "The writer path is not ready; fix the lines marked FAIL and run writeback doctor again.");
  return lines.join("\n") + "\n";
}
