// `writeback doctor`: probes each source's write credential with the statements the build
// planned, inside transactions that always roll back. Results are safe categories; the URL and
// the driver's text are never part of them.

import { randomBytes } from "node:crypto";
import type { BuildPlan } from "../../compiler/plan/capability-plan.ts";
import type { Adapter, Transaction } from "../../runtime/db/adapter.ts";
import { openAdapter } from "../../runtime/db/index.ts";
import { dialectFor, writerErrorKind, type WriterErrorKind } from "../../runtime/dialect/index.ts";
import { plannedWriteFrom, type WriteValues } from "../../runtime/executors/planned-write.ts";
import type { SqlUpdatePlan } from "../../runtime/executors/write-plan.ts";
import { terminalName } from "../../runtime/text/terminal-safe.ts";

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

type Failure = { status: Exclude<CheckStatus, "ok" | "not_configured">; text: string };

const FAILURES: Record<WriterErrorKind, Failure> = {
  unreachable: { status: "connection_failed", text: "connection failed" },
  // A connection failure too, but one that waiting will not fix: the URL names another database.
  missing_database: { status: "connection_failed", text: "the URL names a database the server does not have" },
  authentication: { status: "authentication_failed", text: "authentication failed" },
  permission: { status: "permission_denied", text: "permission denied" },
  missing_object: { status: "object_not_found", text: "configured object not found" },
  duplicate_key: { status: "failed", text: "failed" },
  other: { status: "failed", text: "failed" },
};

function failureOf(err: unknown): Failure {
  return FAILURES[writerErrorKind(err)];
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

interface PlannedTarget {
  capability: string;
  source: string;
  write: SqlUpdatePlan;
}

export async function runDoctor(plan: BuildPlan, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const targets: PlannedTarget[] = plan.capabilities.flatMap((c) => (c.proposal?.write ? [{ capability: c.name, source: c.source, write: c.proposal.write }] : []));
  const checks: DoctorCheck[] = [];
  if (targets.length === 0) {
    return [{ source: "-", check: "config", status: "not_configured", message: "No proposal in this config is applied by a sql_update executor." }];
  }
  for (const sourceName of [...new Set(targets.map((t) => t.source))]) {
    const source = plan.sources[sourceName]!;
    const add = (check: string, status: CheckStatus, message: string) => checks.push({ source: sourceName, check, status, message });
    const envName = source.writeUrlEnv;
    const url = envName ? env[envName] : undefined;
    if (!envName || !url) {
      add("credential", "not_configured", envName ? `${envName} is not set; export the writer's URL in it.` : "The source has no write_url_env.");
      continue;
    }
    if (url === env[source.readUrlEnv]) {
      add("credential", "failed", `${envName} holds the same credential as ${source.readUrlEnv}; the writer must be a separate login.`);
      continue;
    }
    const adapter = await openAdapter(source.engine, { url, statementTimeoutMs: source.statementTimeoutMs, maxConnections: 1 });
    try {
      const connectErr = await rolledBack(adapter, async (tx) => {
        await tx.execute({ name: "synapsor_doctor_connect", text: "SELECT 1 AS ok" }, []);
      });
      if (connectErr !== undefined) {
        const failure = failureOf(connectErr);
        add("connect", failure.status, `Could not open a transaction with the credential in ${envName}: ${failure.text}.`);
        continue;
      }
      add("connect", "ok", `Connected with the credential in ${envName}.`);

      const mine = targets.filter((t) => t.source === sourceName);
      // One receipts probe per receipts table, with the statements of the first write that uses it.
      const byReceiptsTable = new Map<string, SqlUpdatePlan>();
      for (const { write } of mine) {
        const table = dialectFor(write.engine).qualifiedName(write.receiptsTable.schema, write.receiptsTable.name);
        if (!byReceiptsTable.has(table)) byReceiptsTable.set(table, write);
      }
      for (const write of byReceiptsTable.values()) {
        const err = await rolledBack(adapter, (tx) => probeReceipts(tx, write));
        const table = [write.receiptsTable.schema, write.receiptsTable.name].filter((n): n is string => n !== undefined).map(terminalName).join(".");
        const failure = err === undefined ? undefined : failureOf(err);
        add(
          "receipts_table",
          failure?.status ?? "ok",
          failure === undefined
            ? `${table} accepts a receipt (probe rolled back).`
            : `${table}: ${failure.text}. Run the DDL from \`writeback migration\` and the GRANTs from \`writeback grants\`.`,
        );
      }
      for (const { capability, write } of mine) {
        const err = await rolledBack(adapter, (tx) => probeUpdate(tx, write));
        const table = [write.table.schema, write.table.name].filter((n): n is string => n !== undefined).map(terminalName).join(".");
        const columns = write.setColumns.map(terminalName).join(", ");
        const failure = err === undefined ? undefined : failureOf(err);
        add(
          `update ${capability}`,
          failure?.status ?? "ok",
          failure === undefined
            ? `${table} accepts the planned UPDATE of ${columns} (probe matched no row and rolled back).`
            : `${table}: ${failure.text} for the planned UPDATE of ${columns}.`,
        );
      }
    } finally {
      await adapter.close();
    }
  }
  return checks;
}

/** Claims, completes and reads back a probe receipt with the planned statements: every privilege apply uses on the table. */
async function probeReceipts(tx: Transaction, plan: SqlUpdatePlan): Promise<void> {
  const write = plannedWriteFrom(plan);
  const values: WriteValues = {
    objectId: "doctor-probe",
    tenantId: "doctor-probe",
    patch: {},
    version: { expected: null, lower: null, upper: null },
    receipt: {
      idempotencyKey: `synapsor-doctor-probe:${randomBytes(8).toString("hex")}`,
      proposalId: "doctor-probe",
      previousVersion: null,
      newVersion: null,
      json: JSON.stringify({ probe: true }),
    },
  };
  for (const statement of [write.claimReceipt, write.completeReceipt, write.readReceipt]) await tx.execute(statement, statement.params(values));
}

/**
 * The planned UPDATE, its conflict explanation and (MySQL) its version read-back, every value
 * NULL: `key = NULL` matches no row, so the database checks names and privileges and changes nothing.
 */
async function probeUpdate(tx: Transaction, plan: SqlUpdatePlan): Promise<void> {
  const { update, explainConflict, readNewVersion } = plan.statements;
  for (const statement of [update, explainConflict, ...(readNewVersion ? [readNewVersion] : [])]) {
    await tx.execute(statement, statement.params.map(() => null));
  }
}

