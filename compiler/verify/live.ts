// With a live database, every planned statement is prepared against it: proof that the
// SQL parses and that its parameters and result columns are what the plan expects.
// Runs inside a read-only transaction that is always rolled back. The planned writes' UPDATE,
// conflict explanation and version read-back are prepared too (never executed); the receipt
// statements are not, because the receipts table belongs to the writer's set-up, which
// `writeback doctor` checks with the write credential.

import { CONNECT_TIMEOUT_MS } from "../../runtime/db/limits.ts";
import type { Diagnostic } from "../diagnostics.ts";
import { pointer } from "../diagnostics.ts";
import type { BuildPlan, CapabilityPlan, WriteStatementPlan } from "../plan/capability-plan.ts";
import { writerErrorKind, type WriterErrorKind } from "../../runtime/dialect/index.ts";

/** The write statements that touch the capability's own table, with a label for messages. */
function plannedWrites(c: CapabilityPlan): Array<{ label: string; statement: WriteStatementPlan }> {
  const w = c.proposal?.write;
  if (!w) return [];
  const { update, explainConflict, readNewVersion } = w.statements;
  return [
    { label: "UPDATE", statement: update },
    { label: "conflict explanation", statement: explainConflict },
    ...(readNewVersion ? [{ label: "version read-back", statement: readNewVersion }] : []),
  ];
}

/** One statement that did not prepare as planned; `kind` sorts a driver failure (doctor names it). */
export interface PrepareProblem {
  capability: CapabilityPlan;
  message: string;
  kind?: WriterErrorKind;
}

/**
 * Prepares every planned statement; `progress` hears what could not be checked with this
 * credential (MySQL: a read credential's UPDATE statements).
 */
export async function verifyStatementsLive(
  plan: BuildPlan,
  url: string,
  capabilityIndex: (name: string) => number,
  progress: (message: string) => void = () => undefined,
): Promise<Diagnostic[]> {
  const problems = await prepareStatementsLive(plan, url, progress);
  return problems.map(({ capability: c, message }) => ({
    code: "STATEMENT_DOES_NOT_PREPARE",
    pointer: pointer("capabilities", capabilityIndex(c.name)),
    message: `${c.name}: ${message}`,
    fix: "Re-run inspect and fix the capability's table or columns; the database schema differs from the snapshot.",
  }));
}

/** The same preparation as verifyStatementsLive, with each failure's kind kept for callers that sort them. */
export async function prepareStatementsLive(plan: BuildPlan, url: string, progress: (message: string) => void = () => undefined): Promise<PrepareProblem[]> {
  const byEngine = { postgres: [] as CapabilityPlan[], mysql: [] as CapabilityPlan[] };
  for (const c of plan.capabilities) byEngine[c.engine].push(c);
  const problems: PrepareProblem[] = [];
  if (byEngine.postgres.length > 0) problems.push(...(await verifyPostgres(url, byEngine.postgres)));
  if (byEngine.mysql.length > 0) problems.push(...(await verifyMysql(url, byEngine.mysql, progress)));
  return problems;
}

function problem(capability: CapabilityPlan, message: string, err?: unknown): PrepareProblem {
  return err === undefined ? { capability, message } : { capability, message, kind: writerErrorKind(err) };
}

async function verifyPostgres(url: string, caps: CapabilityPlan[]): Promise<PrepareProblem[]> {
  const { openPostgresClient } = await import("../inspect/postgres.ts");
  const client = await openPostgresClient(url, CONNECT_TIMEOUT_MS, "synapsor-runner build");
  const out: PrepareProblem[] = [];
  try {
    await client.query("BEGIN READ ONLY");
    for (const c of caps) {
      await client.query("SAVEPOINT verify");
      try {
        // All-NULL parameters match no row, so the statement runs without reading data
        // and the driver still reports every result column's type.
        const result = await client.query({ text: c.statement.text, values: c.statement.params.map(() => null) });
        const returned = result.fields.map((f) => f.name);
        const expected = c.columns.map((col) => col.name);
        if (returned.join(",") !== expected.join(",")) {
          out.push(problem(c, `the database returns columns (${returned.join(", ")}) but the plan expects (${expected.join(", ")}).`));
        }
        await client.query("RELEASE SAVEPOINT verify");
      } catch (err) {
        await client.query("ROLLBACK TO SAVEPOINT verify");
        out.push(problem(c, `the statement does not prepare${errorCode(err)}`, err));
      }
      for (const { label, statement } of plannedWrites(c)) {
        await client.query("SAVEPOINT verify");
        try {
          // PREPARE parses and plans without running, so a read-only session can check an UPDATE.
          await client.query(`PREPARE synapsor_verify_write AS ${statement.text}`);
          const described = await client.query("SELECT cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = 'synapsor_verify_write'");
          const seen = Number(described.rows[0]?.n ?? -1);
          if (seen !== statement.params.length) {
            out.push(problem(c, `the database sees ${seen} parameters in the planned ${label} but the plan binds ${statement.params.length}.`));
          }
          await client.query("DEALLOCATE synapsor_verify_write");
          await client.query("RELEASE SAVEPOINT verify");
        } catch (err) {
          await client.query("ROLLBACK TO SAVEPOINT verify");
          out.push(problem(c, `the planned ${label} does not prepare${errorCode(err)}`, err));
        }
      }
    }
  } finally {
    await client.query("ROLLBACK").catch(() => undefined);
    await client.end();
  }
  return out;
}

async function verifyMysql(url: string, caps: CapabilityPlan[], progress: (message: string) => void): Promise<PrepareProblem[]> {
  const { openMysqlConnection } = await import("../inspect/mysql.ts");
  const conn = await openMysqlConnection(url, CONNECT_TIMEOUT_MS);
  const out: PrepareProblem[] = [];
  const unverified = new Set<string>();
  try {
    for (const c of caps) {
      try {
        const statement = await conn.prepare(c.statement.text);
        const { params, columns } = preparedShape(statement);
        const expected = c.columns.map((col) => col.name);
        if (params !== c.statement.params.length) {
          out.push(problem(c, `the database sees ${params} parameters but the plan binds ${c.statement.params.length}.`));
        }
        if (columns.length > 0 && columns.join(",") !== expected.join(",")) {
          out.push(problem(c, `the database returns columns (${columns.join(", ")}) but the plan expects (${expected.join(", ")}).`));
        }
        await statement.close();
      } catch (err) {
        out.push(problem(c, `the statement does not prepare${errorCode(err)}`, err));
      }
      for (const { label, statement } of plannedWrites(c)) {
        try {
          const prepared = await conn.prepare(statement.text);
          const { params } = preparedShape(prepared);
          if (params !== statement.params.length) {
            out.push(problem(c, `the database sees ${params} parameters in the planned ${label} but the plan binds ${statement.params.length}.`));
          }
          await prepared.close();
        } catch (err) {
          // MySQL checks privileges when it prepares, and a read credential may not UPDATE:
          // that is expected here, and `writeback doctor` checks the writer's grants.
          if (writerErrorKind(err) === "permission") {
            unverified.add(c.name);
            continue;
          }
          out.push(problem(c, `the planned ${label} does not prepare${errorCode(err)}`, err));
        }
      }
    }
  } finally {
    await conn.end();
  }
  if (unverified.size > 0) {
    progress(
      `the planned write statements of ${[...unverified].join(", ")} were not verified: MySQL checks privileges when it prepares, ` +
        "and the read credential may not UPDATE; `synapsor-runner writeback doctor` checks them with the writer credential",
    );
  }
  return out;
}

/** What the server reported for a prepared statement (mysql2 keeps it on the wrapped statement). */
function preparedShape(prepared: unknown): { params: number; columns: string[] } {
  const info = (prepared as { statement?: { parameters?: unknown[]; columns?: Array<{ name: string }> } }).statement;
  return { params: info?.parameters?.length ?? -1, columns: (info?.columns ?? []).map((f) => f.name) };
}

/**
 * The driver's short error code, for a diagnostic: the driver's text is left out (it can quote
 * hosts, users or data), the code is enough to look the failure up.
 */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (error code ${code})` : "";
}
