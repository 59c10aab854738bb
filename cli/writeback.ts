// `synapsor-runner writeback migration | grants | doctor`: what an operator runs before
// enabling the sql_update executor. migration and grants only print SQL for a person to
// review and run; doctor probes the writer credential inside transactions that always roll back.

import { Option, type Command } from "commander";
import { randomBytes } from "node:crypto";
import type { Contract, Engine, ProposalCapabilityConfig } from "../compiler/config/contract.ts";
import { loadContractFile } from "../compiler/config/load.ts";
import { validateContract } from "../compiler/config/validate.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import type { Adapter, Transaction } from "../runtime/db/adapter.ts";
import { openAdapter } from "../runtime/db/index.ts";
import { receiptsMigration, receiptsSchemaFor, receiptsTableName } from "../runtime/executors/receipts-table.ts";
import { dialectFor, writerErrorKind } from "../runtime/dialect/index.ts";
import { CliError, EXIT, printJson } from "./program.ts";

const engineOption = () => new Option("--engine <engine>", "database engine").choices(["postgres", "mysql"]).makeOptionMandatory();

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
    .description("Print least-privilege GRANTs for the writer role: the receipts table and, with --config, each proposal's columns")
    .addOption(engineOption())
    .requiredOption("--writer-role <role>", "the role (Postgres) or user/role, optionally user@host (MySQL), that apply connects as")
    .option("--schema <name>", "receipts schema/database, when not the default")
    .option("--config <file>", "also grant UPDATE on the allowed columns of every sql_update proposal in this config")
    .action((flags: { engine: Engine; writerRole: string; schema?: string; config?: string }) => {
      const contract = flags.config ? loadContract(flags.config) : undefined;
      const targets = contract ? writeTargets(contract).filter((t) => t.engine === flags.engine) : [];
      const schemas = flags.schema !== undefined || !contract ? [flags.schema] : receiptsSchemasOf(targets);
      process.stdout.write(sqlScript(writerGrants(flags.engine, flags.writerRole, schemas, targets)));
    });

  group
    .command("doctor")
    .description("Check the writer credential of each source with rollback-only probes; prints safe categories, never URLs")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--json", "print { ok, checks } as JSON")
    .action(async (flags: { config: string; json?: boolean }) => {
      const checks = await runDoctor(loadContract(flags.config), process.env);
      const ok = checks.every((c) => c.status === "ok");
      if (flags.json) printJson({ ok, checks });
      else process.stdout.write(formatChecks(checks));
      if (!ok) process.exitCode = EXIT.environment;
    });
}

function loadContract(path: string): Contract {
  const loaded = loadContractFile(path);
  if (!loaded.ok) throw new CliError(`cannot read the config.\n${formatDiagnostics(path, loaded.diagnostics)}`);
  const validated = validateContract(loaded.raw);
  if (!validated.ok) throw new CliError(`the config is not valid.\n${formatDiagnostics(path, validated.diagnostics)}`);
  return validated.value;
}

function sqlScript(statements: string[]): string {
  return statements.map((s) => `${s};\n`).join("");
}

// ---------------------------------------------------------------------------------------------
// What sql_update writes, from the reviewed config.

/** One proposal carried out by sql_update: the table it updates and the columns it touches. */
export interface WriteTarget {
  capability: string;
  source: string;
  engine: Engine;
  receiptsSchema: string | undefined;
  schema: string | undefined;
  table: string;
  /** Columns the UPDATE and its conflict explanation read: key, tenant, version, transitions. */
  readColumns: string[];
  /** allowed_columns plus the version column the executor bumps. */
  updateColumns: string[];
  allowedColumns: string[];
  primaryKey: string;
  tenantKey: string;
  versionColumn: string | undefined;
}

export function writeTargets(contract: Contract): WriteTarget[] {
  const targets: WriteTarget[] = [];
  for (const capability of contract.capabilities) {
    if (capability.kind !== "proposal") continue;
    const executor = capability.executor === undefined ? { type: "sql_update" as const } : contract.executors?.[capability.executor];
    if (executor?.type !== "sql_update") continue;
    const sourceName = executor.source ?? capability.source;
    const source = contract.sources[sourceName];
    if (!source) continue;
    targets.push(targetOf(capability, sourceName, source.engine, executor.receipts_schema));
  }
  return targets;
}

function targetOf(capability: ProposalCapabilityConfig, source: string, engine: Engine, receiptsSchema: string | undefined): WriteTarget {
  const { target } = capability;
  const version = capability.conflict_guard?.column;
  const unique = (items: Array<string | undefined>) => [...new Set(items.filter((c): c is string => c !== undefined))];
  return {
    capability: capability.name,
    source,
    engine,
    receiptsSchema,
    schema: target.schema,
    table: target.table,
    readColumns: unique([target.primary_key, target.tenant_key, version, ...Object.keys(capability.transition_guards ?? {})]),
    updateColumns: unique([...capability.allowed_columns, version]),
    allowedColumns: capability.allowed_columns,
    primaryKey: target.primary_key,
    tenantKey: target.tenant_key,
    versionColumn: version,
  };
}

function receiptsSchemasOf(targets: WriteTarget[]): Array<string | undefined> {
  const schemas = [...new Set(targets.map((t) => t.receiptsSchema))];
  return schemas.length > 0 ? schemas : [undefined];
}

// ---------------------------------------------------------------------------------------------
// grants

const USER_NAME = /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/;
const HOST_NAME = /^[A-Za-z0-9_.%:-]{1,255}$/;
/** user, user@host, 'user'@'host' or `user`@`host` (MySQL's own spellings). */
const MYSQL_ACCOUNT = /^(?:'([^']*)'|`([^`]*)`|([^@'`]*))(?:@(?:'([^']*)'|`([^`]*)`|([^@'`]*)))?$/;

/** The grantee as the engine spells it; names are checked because MySQL quotes them as strings. */
function grantee(engine: Engine, role: string): string {
  const refuse = (): never => {
    throw new CliError(`--writer-role '${role}' is not a plain role name${engine === "mysql" ? " (or user@host)" : ""}.`);
  };
  if (engine === "postgres") return USER_NAME.test(role) ? dialectFor(engine).quote(role) : refuse();
  const m = MYSQL_ACCOUNT.exec(role) ?? refuse();
  const user = m[1] ?? m[2] ?? m[3] ?? "";
  const host = m[4] ?? m[5] ?? m[6];
  if (!USER_NAME.test(user) || (host !== undefined && !HOST_NAME.test(host))) refuse();
  return host !== undefined ? `'${user}'@'${host}'` : `'${user}'`;
}

export function writerGrants(engine: Engine, role: string, receiptsSchemas: Array<string | undefined>, targets: WriteTarget[]): string[] {
  const to = grantee(engine, role);
  const q = dialectFor(engine).quote;
  const columns = (list: string[]) => list.map(q).join(", ");
  const statements: string[] = [];
  for (const schema of receiptsSchemas) {
    const resolved = receiptsSchemaFor(engine, schema);
    if (engine === "postgres" && resolved) statements.push(`GRANT USAGE ON SCHEMA ${q(resolved)} TO ${to}`);
    statements.push(`GRANT SELECT, INSERT, UPDATE ON ${receiptsTableName(engine, schema)} TO ${to}`);
  }
  // One pair of column-level grants per table, merging every proposal that writes it.
  const tables = new Map<string, { schema: string | undefined; table: string; read: Set<string>; update: Set<string> }>();
  for (const t of targets) {
    const key = dialectFor(engine).qualifiedName(t.schema, t.table);
    const entry = tables.get(key) ?? { schema: t.schema, table: t.table, read: new Set<string>(), update: new Set<string>() };
    t.readColumns.forEach((c) => entry.read.add(c));
    t.updateColumns.forEach((c) => entry.update.add(c));
    tables.set(key, entry);
  }
  const usage = new Set<string>();
  for (const [name, entry] of tables) {
    if (engine === "postgres" && entry.schema && !usage.has(entry.schema)) {
      usage.add(entry.schema);
      statements.push(`GRANT USAGE ON SCHEMA ${q(entry.schema)} TO ${to}`);
    }
    statements.push(`GRANT SELECT (${columns([...entry.read])}) ON ${name} TO ${to}`);
    statements.push(`GRANT UPDATE (${columns([...entry.update])}) ON ${name} TO ${to}`);
  }
  return statements;
}

// ---------------------------------------------------------------------------------------------
// doctor

export type CheckStatus =
  | "ok"
  | "not_configured"
  | "connection_failed"
  | "authentication_failed"
  | "permission_denied"
  | "object_not_found"
  | "failed";

export interface DoctorCheck {
  source: string;
  check: string;
  status: CheckStatus;
  message: string;
}

/** Thrown inside every probe transaction so nothing a probe did is ever committed. */
class ProbeRollback extends Error {}

const STATUS_TEXT: Record<Exclude<CheckStatus, "ok" | "not_configured">, string> = {
  connection_failed: "connection failed",
  authentication_failed: "authentication failed",
  permission_denied: "permission denied",
  object_not_found: "configured object not found",
  failed: "failed",
};

function statusOf(err: unknown): Exclude<CheckStatus, "ok" | "not_configured"> {
  switch (writerErrorKind(err)) {
    case "unreachable":
      return "connection_failed";
    case "authentication":
      return "authentication_failed";
    case "permission":
      return "permission_denied";
    case "missing_object":
      return "object_not_found";
    default:
      return "failed";
  }
}

/** Runs `probe` in a transaction that always rolls back; resolves to the failure, if any. */
async function rolledBack(adapter: Adapter, probe: (tx: Transaction) => Promise<void>): Promise<unknown> {
  try {
    await adapter.transaction(async (tx) => {
      await probe(tx);
      throw new ProbeRollback();
    });
  } catch (err) {
    return err instanceof ProbeRollback ? undefined : err;
  }
  return undefined;
}

export async function runDoctor(contract: Contract, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const targets = writeTargets(contract);
  const checks: DoctorCheck[] = [];
  if (targets.length === 0) {
    return [{ source: "-", check: "config", status: "not_configured", message: "No proposal in this config is applied by a sql_update executor." }];
  }
  for (const sourceName of [...new Set(targets.map((t) => t.source))]) {
    const source = contract.sources[sourceName]!;
    const add = (check: string, status: CheckStatus, message: string) => checks.push({ source: sourceName, check, status, message });
    const envName = source.write_url_env;
    const url = envName ? env[envName] : undefined;
    if (!envName || !url) {
      add("credential", "not_configured", envName ? `${envName} is not set; export the writer's URL in it.` : "The source has no write_url_env.");
      continue;
    }
    if (url === env[source.read_url_env]) {
      add("credential", "failed", `${envName} holds the same credential as ${source.read_url_env}; the writer must be a separate login.`);
      continue;
    }
    const adapter = await openAdapter(source.engine, { url, statementTimeoutMs: source.statement_timeout_ms ?? 5000, maxConnections: 1 });
    try {
      const connectErr = await rolledBack(adapter, async (tx) => {
        await tx.execute({ name: "synapsor_doctor_connect", text: "SELECT 1 AS ok" }, []);
      });
      if (connectErr !== undefined) {
        const status = statusOf(connectErr);
        add("connect", status, `Could not open a transaction with the credential in ${envName}: ${STATUS_TEXT[status]}.`);
        continue;
      }
      add("connect", "ok", `Connected with the credential in ${envName}.`);

      for (const receiptsSchema of [...new Set(targets.filter((t) => t.source === sourceName).map((t) => t.receiptsSchema))]) {
        const table = receiptsTableName(source.engine, receiptsSchema);
        const err = await rolledBack(adapter, (tx) => probeReceipts(tx, source.engine, table));
        add(
          "receipts_table",
          err === undefined ? "ok" : statusOf(err),
          err === undefined
            ? `${table} exists and accepts a receipt (probe rolled back).`
            : `${table}: ${STATUS_TEXT[statusOf(err)]}. Run the DDL from \`writeback migration\` and the GRANTs from \`writeback grants\`.`,
        );
      }
      for (const target of targets.filter((t) => t.source === sourceName)) {
        const err = await rolledBack(adapter, (tx) => probeUpdate(tx, target));
        const table = [target.schema, target.table].filter(Boolean).join(".");
        add(
          `update ${target.capability}`,
          err === undefined ? "ok" : statusOf(err),
          err === undefined
            ? `${table} accepts an UPDATE of ${target.updateColumns.join(", ")} (probe matched no row and rolled back).`
            : `${table}: ${STATUS_TEXT[statusOf(err)]} for an UPDATE of ${target.updateColumns.join(", ")}.`,
        );
      }
    } finally {
      await adapter.close();
    }
  }
  return checks;
}

/** Inserts, updates and reads back a probe receipt: every privilege apply uses on the table. */
async function probeReceipts(tx: Transaction, engine: Engine, table: string): Promise<void> {
  const key = `synapsor-doctor-probe:${randomBytes(8).toString("hex")}`;
  const p = dialectFor(engine).placeholder;
  await tx.execute(
    {
      name: "synapsor_doctor_claim",
      text:
        `INSERT INTO ${table} (idempotency_key, proposal_id, capability, tenant_id, object_id, status, rows_affected) ` +
        `VALUES (${p(1)}, 'doctor-probe', 'doctor-probe', 'doctor-probe', 'doctor-probe', 'pending', 0)`,
    },
    [key],
  );
  await tx.execute({ name: "synapsor_doctor_complete", text: `UPDATE ${table} SET status = 'applied' WHERE idempotency_key = ${p(1)}` }, [key]);
  await tx.execute({ name: "synapsor_doctor_read", text: `SELECT status FROM ${table} WHERE idempotency_key = ${p(1)}` }, [key]);
}

/**
 * An UPDATE of every column apply may write, guarded by a condition no row meets (a primary key
 * is never NULL): the database checks privileges and names without changing anything.
 */
async function probeUpdate(tx: Transaction, target: WriteTarget): Promise<void> {
  const d = dialectFor(target.engine);
  const q = d.quote;
  const sets = [
    ...target.allowedColumns.filter((c) => c !== target.versionColumn).map((c) => `${q(c)} = NULL`),
    ...(target.versionColumn ? [`${q(target.versionColumn)} = ${q(target.versionColumn)}`] : []),
  ];
  const where = target.readColumns.map((c) => `${q(c)} IS NULL`).join(" AND ");
  await tx.execute({ name: "synapsor_doctor_update", text: `UPDATE ${d.qualifiedName(target.schema, target.table)} SET ${sets.join(", ")} WHERE ${where}` }, []);
}

function formatChecks(checks: DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines = checks.map((c) => `${c.status === "ok" ? "ok  " : "FAIL"}  ${c.source}  ${c.check.padEnd(width)}  ${c.message}`);
  const ok = checks.every((c) => c.status === "ok");
  lines.push(ok ? "The writer path is ready." : "The writer path is not ready; fix the lines marked FAIL and run writeback doctor again.");
  return lines.join("\n") + "\n";
}
