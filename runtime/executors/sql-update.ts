// The built-in sql_update executor: carries out one approved proposal as one guarded UPDATE
// on the source's write credential, exactly once. Inside a single transaction it first claims
// the idempotency key in synapsor_writeback_receipts (a second apply of the same proposal
// collides there and waits for the first), then updates the row only if primary key, tenant,
// version and transition guards all still hold, then marks the receipt applied and commits.

import { unappliedReceipt } from "./receipts.ts";
import type { Adapter, Engine, Transaction } from "../db/adapter.ts";
import { describeCause } from "../errors.ts";
import type { Scalar } from "../values.ts";
import type { ExecutionResult, Executor } from "./executor.ts";
import type { ChangeSet, Receipt, SafeErrorCode, WritebackRequest } from "./protocol.ts";
import { createHash } from "node:crypto";
import { dialectFor, Placeholders, writerErrorKind } from "../dialect/index.ts";
import type { FixedStatement } from "../db/adapter.ts";
import { receiptsTableName } from "./receipts-table.ts";
import { versionGuardFor, type VersionGuard } from "./version.ts";

export interface SqlUpdateExecutorOptions {
  engine: Engine;
  /** The source's write_url_env value; never the read credential. */
  writeUrl: string;
  statementTimeoutMs: number;
  /** Schema (Postgres, default "synapsor") or database (MySQL, default the connection's) of the receipts table. */
  receiptsSchema?: string;
  /** The capability's reviewed allowed_columns; a patch outside them is refused before any SQL. */
  allowedColumns: readonly string[];
  /** An already open write adapter (the caller keeps ownership and closes it). */
  adapter?: Adapter;
}

const NEW_VERSION_ALIAS = "synapsor_new_version";

/** The guarded UPDATE and the read that explains a zero-row result, built from one change set. */
interface UpdatePlan {
  table: string;
  update: { text: string; params: unknown[] };
  /** Reads the row again (pk + tenant) with one 0/1 column per guard. */
  explain: { text: string; params: unknown[]; transitionAliases: string[] };
  /** MySQL has no RETURNING: the new version is read in the same transaction. */
  readVersion?: { text: string; params: unknown[] };
  versionColumn: string | undefined;
}

type Planned = { ok: true; plan: UpdatePlan } | { ok: false; code: SafeErrorCode; message: string };

/** Raised inside the transaction to roll it back with a known outcome. */
class RollBack extends Error {
  readonly rowsMatched: number;
  constructor(rowsMatched: number) {
    super(`rolled back after ${rowsMatched} matching rows`);
    this.rowsMatched = rowsMatched;
  }
}

type Step = "connect" | "claim" | "update" | "record" | "commit";

export function createSqlUpdateExecutor(options: SqlUpdateExecutorOptions): Executor {
  const { engine } = options;
  const receipts = receiptsTableName(engine, options.receiptsSchema);
  const now = dialectFor(engine).now;
  const claimSql = writerStatement(
    `INSERT INTO ${receipts} (idempotency_key, proposal_id, capability, tenant_id, object_id, status, rows_affected) ` +
      `VALUES (${placeholders(engine, 5)}, 'pending', 0)`,
  );
  const recordSql = (() => {
    const b = new Placeholders<unknown>(dialectFor(engine));
    const sets = `status = 'applied', rows_affected = 1, previous_version = ${b.bind(0)}, new_version = ${b.bind(0)}, receipt = ${b.bind(0)}, applied_at = ${now}`;
    return writerStatement(`UPDATE ${receipts} SET ${sets} WHERE idempotency_key = ${b.bind(0)}`);
  })();
  const storedSql = writerStatement(
    `SELECT status, previous_version, new_version, receipt FROM ${receipts} WHERE idempotency_key = ${placeholders(engine, 1)}`,
  );

  let opened: Promise<Adapter> | undefined;
  const adapter = (): Promise<Adapter> => {
    if (options.adapter) return Promise.resolve(options.adapter);
    opened ??= (async () => {
      const { openAdapter } = await import("../db/index.ts");
      // Two connections: the transaction, and the read that explains a conflict afterwards.
      return openAdapter(engine, { url: options.writeUrl, statementTimeoutMs: options.statementTimeoutMs, maxConnections: 2 });
    })();
    return opened;
  };

  async function execute(request: WritebackRequest): Promise<ExecutionResult> {
    const changeSet = request.change_set;
    const planned = planUpdate(engine, changeSet, options.allowedColumns);
    if (!planned.ok) return { receipt: failed(planned.code, planned.message) };
    const { plan } = planned;
    const expected = changeSet.guards.expected_version?.value ?? null;

    let step: Step = "connect";
    try {
      const db = await adapter();
      const receipt = await db.transaction(async (tx: Transaction) => {
        step = "claim";
        await tx.execute(claimSql, [
          request.idempotency_key,
          request.proposal_id,
          changeSet.action,
          changeSet.scope.tenant_id,
          changeSet.scope.object_id,
        ]);
        step = "update";
        const updated = await tx.execute(writerStatement(plan.update.text), plan.update.params);
        if (updated.rowCount !== 1) throw new RollBack(updated.rowCount);
        step = "record";
        const newVersion = await readNewVersion(tx, plan, updated.rows);
        const applied = appliedReceipt(plan, changeSet, expected, newVersion);
        await tx.execute(recordSql, [
          versionText(expected),
          versionText(newVersion),
          JSON.stringify(applied),
          request.idempotency_key,
        ]);
        step = "commit";
        return applied;
      });
      return { receipt };
    } catch (err) {
      if (err instanceof RollBack) {
        if (err.rowsMatched > 1) {
          return { receipt: failed("MULTI_ROW_BLOCKED", `The update matched ${err.rowsMatched} rows instead of one and was rolled back; nothing changed.`) };
        }
        return explainConflict(plan, expected);
      }
      return failureFor(err, step, request.idempotency_key);
    }
  }

  async function readNewVersion(tx: Transaction, plan: UpdatePlan, returned: Array<Record<string, unknown>>): Promise<Scalar> {
    if (!plan.versionColumn) return null;
    if (!plan.readVersion) return toScalar(returned[0]?.[NEW_VERSION_ALIAS]);
    const read = await tx.execute(writerStatement(plan.readVersion.text), plan.readVersion.params);
    return toScalar(read.rows[0]?.[NEW_VERSION_ALIAS]);
  }

  /** Zero rows matched: the row is gone, in another tenant, or no longer passes a guard. */
  async function explainConflict(plan: UpdatePlan, expected: Scalar): Promise<ExecutionResult> {
    let row: Record<string, unknown> | undefined;
    try {
      const db = await adapter();
      row = (await db.query(writerStatement(plan.explain.text), plan.explain.params))[0];
    } catch (err) {
      return {
        receipt: conflict("ROW_CHANGED_AFTER_PROPOSAL", "The row no longer matches the proposal's guards; the update was rolled back and nothing changed.", expected),
        internal: `conflict explanation read failed: ${describeCause(err)}`,
      };
    }
    if (!row) {
      return { receipt: conflict("ROW_NOT_FOUND_OR_WRONG_TENANT", "No row with this id exists in the proposal's tenant; nothing changed.", expected) };
    }
    if (plan.explain.transitionAliases.some((alias) => Number(row[alias]) !== 1)) {
      return { receipt: conflict("TRANSITION_NOT_ALLOWED", "The row's state is no longer one the proposal may move it from; nothing changed.", expected) };
    }
    return { receipt: conflict("ROW_CHANGED_AFTER_PROPOSAL", "The row was changed after the proposal was made; nothing changed. Review a fresh proposal.", expected) };
  }

  async function failureFor(err: unknown, step: Step, idempotencyKey: string): Promise<ExecutionResult> {
    const internal = describeCause(err);
    const kind = writerErrorKind(err);
    if (kind === "duplicate_key" && step === "claim") return alreadyApplied(idempotencyKey, internal);
    if (kind === "missing_object" && step === "claim") {
      return {
        receipt: failed("RECEIPTS_TABLE_MISSING", "The writeback receipts table is missing; create it with the DDL from `synapsor-runner writeback migration`. Nothing changed."),
        internal,
      };
    }
    if (kind === "permission" || kind === "authentication") {
      return {
        receipt: failed("WRITE_PERMISSION_DENIED", "The write credential may not perform this writeback; compare its grants with `synapsor-runner writeback grants`. Nothing changed."),
        internal,
      };
    }
    if (kind === "unreachable") {
      const message =
        step === "commit"
          ? "The writer database stopped answering while committing; apply again: the receipt decides whether it was written."
          : "The writer database is unreachable or timed out; nothing changed. Try again shortly.";
      return { receipt: failed("WRITER_UNAVAILABLE", message), internal };
    }
    if (kind === "missing_object") {
      return { receipt: failed("INTERNAL", "A configured table or column is missing for the writer; nothing changed."), internal };
    }
    return { receipt: failed("INTERNAL", "The database refused the update; it was rolled back and nothing changed."), internal };
  }

  /** Another apply holds or committed this idempotency key; its receipt is the answer. */
  async function alreadyApplied(idempotencyKey: string, claimError: string): Promise<ExecutionResult> {
    try {
      const db = await adapter();
      const [stored] = await db.query(storedSql, [idempotencyKey]);
      if (!stored) return { receipt: failed("INTERNAL", "The receipt of an earlier apply could not be read back."), internal: claimError };
      const earlier = parseStoredReceipt(stored.receipt);
      return {
        receipt: {
          status: "already_applied",
          rows_affected: 0,
          source_database_mutated: false,
          previous_version: earlier?.previous_version ?? toScalar(stored.previous_version),
          new_version: earlier?.new_version ?? toScalar(stored.new_version),
          safe_error_code: null,
          message: "This proposal was already applied; nothing was written again.",
          details: { effects: earlier?.details.effects ?? [] },
        },
      };
    } catch (err) {
      return { receipt: failed("WRITER_UNAVAILABLE", "The receipt of an earlier apply could not be read; try again shortly."), internal: describeCause(err) };
    }
  }

  return {
    type: "sql_update",
    execute,
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

/** Builds the statements from the change set, refusing anything the reviewed config did not allow. */
export function planUpdate(engine: Engine, changeSet: ChangeSet, allowedColumns: readonly string[]): Planned {
  const d = dialectFor(engine);
  const q = d.quote;
  const { target, guards, patch } = changeSet;
  const columns = Object.keys(patch);
  if (columns.length === 0) return { ok: false, code: "INTERNAL", message: "The proposal has no columns to change." };
  const outside = columns.filter((c) => !allowedColumns.includes(c));
  if (outside.length > 0) {
    return { ok: false, code: "INTERNAL", message: `The proposal changes columns outside the reviewed allowed_columns (${outside.join(", ")}); nothing was sent to the database.` };
  }
  if (guards.tenant.value !== changeSet.scope.tenant_id) {
    return { ok: false, code: "INTERNAL", message: "The proposal's tenant guard does not match its scope; nothing was sent to the database." };
  }
  const versionColumn = guards.expected_version?.column;
  if (versionColumn !== undefined && columns.includes(versionColumn)) {
    return { ok: false, code: "INTERNAL", message: "The proposal patches its own version column; nothing was sent to the database." };
  }
  let version: VersionGuard | undefined;
  if (guards.expected_version) {
    version = versionGuardFor(guards.expected_version.value, engine);
    if (version.kind === "unsupported") {
      return { ok: false, code: "INTERNAL", message: "The expected version is neither a timestamp nor an integer, so it cannot guard the update." };
    }
  }

  const table = d.qualifiedName(target.schema, target.table);
  const rowMatch = (b: Placeholders<unknown>) =>
    `${q(target.primary_key.column)} = ${b.bind(target.primary_key.value)} AND ${q(guards.tenant.column)} = ${b.bind(guards.tenant.value)}`;
  const versionMatch = (b: Placeholders<unknown>): string | undefined => {
    if (!version || version.kind === "unsupported" || !versionColumn) return undefined;
    const col = q(versionColumn);
    return version.kind === "timestamp"
      ? `${col} >= ${b.bind(version.lo)} AND ${col} < ${b.bind(version.hi)}`
      : `${col} = ${b.bind(version.value)}`;
  };
  const transitionMatch = (b: Placeholders<unknown>, t: { column: string; from: Scalar[] }) =>
    t.from.length === 0 ? "1 = 0" : `${q(t.column)} IN (${t.from.map((v) => b.bind(v)).join(", ")})`;

  // UPDATE … SET patch, version bump WHERE pk AND tenant AND version AND transitions.
  const u = new Placeholders<unknown>(dialectFor(engine));
  const sets = columns.map((c) => `${q(c)} = ${u.bind(patch[c])}`);
  if (versionColumn && version) {
    sets.push(`${q(versionColumn)} = ${version.kind === "timestamp" ? d.now : `${q(versionColumn)} + 1`}`);
  }
  const conditions = [rowMatch(u), versionMatch(u), ...guards.transitions.map((t) => transitionMatch(u, t))].filter(Boolean);
  const returning = engine === "postgres" && versionColumn ? ` RETURNING ${q(versionColumn)} AS ${q(NEW_VERSION_ALIAS)}` : "";
  const update = { text: `UPDATE ${table} SET ${sets.join(", ")} WHERE ${conditions.join(" AND ")}${returning}`, params: u.items };

  // The explanation read: one 0/1 column per guard, for the row with this id in this tenant.
  const e = new Placeholders<unknown>(dialectFor(engine));
  const flag = (condition: string | undefined, alias: string) => `CASE WHEN ${condition ?? "1 = 1"} THEN 1 ELSE 0 END AS ${q(alias)}`;
  const transitionAliases = guards.transitions.map((_, i) => `transition_ok_${i}`);
  const flags = [flag(versionMatch(e), "version_ok"), ...guards.transitions.map((t, i) => flag(transitionMatch(e, t), transitionAliases[i]!))];
  const explain = { text: `SELECT ${flags.join(", ")} FROM ${table} WHERE ${rowMatch(e)}`, params: e.items, transitionAliases };

  let readVersion: UpdatePlan["readVersion"];
  if (engine === "mysql" && versionColumn) {
    const r = new Placeholders<unknown>(dialectFor(engine));
    readVersion = { text: `SELECT ${q(versionColumn)} AS ${q(NEW_VERSION_ALIAS)} FROM ${table} WHERE ${rowMatch(r)}`, params: r.items };
  }
  return { ok: true, plan: { table, update, explain, readVersion, versionColumn } };
}

function appliedReceipt(plan: UpdatePlan, changeSet: ChangeSet, previous: Scalar, next: Scalar): Receipt {
  return {
    status: "applied",
    rows_affected: 1,
    source_database_mutated: true,
    previous_version: previous,
    new_version: next,
    safe_error_code: null,
    message: "The approved change was written to the row and its receipt recorded in the same transaction.",
    details: {
      effects: [
        {
          type: "sql_update",
          table: [changeSet.target.schema, changeSet.target.table].filter(Boolean).join("."),
          primary_key: changeSet.target.primary_key,
          columns: Object.keys(changeSet.patch),
        },
      ],
    },
  };
}

const conflict = (code: SafeErrorCode, message: string, expected: Scalar): Receipt => unappliedReceipt("conflict", code, message, expected);
const failed = (code: SafeErrorCode, message: string): Receipt => unappliedReceipt("failed", code, message);

function placeholders(engine: Engine, count: number): string {
  const b = new Placeholders<unknown>(dialectFor(engine));
  return Array.from({ length: count }, () => b.bind(null)).join(", ");
}

function toScalar(value: unknown): Scalar {
  return value === undefined ? null : (value as Scalar);
}

function versionText(value: Scalar): string | null {
  return value === null ? null : String(value);
}

/** Postgres returns jsonb parsed; MariaDB's JSON is text. */
function parseStoredReceipt(value: unknown): Receipt | undefined {
  try {
    const parsed = typeof value === "string" ? JSON.parse(value) : value;
    return parsed && typeof parsed === "object" ? (parsed as Receipt) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Names a statement by its text: the same text always gets the same Postgres prepared-statement
 * name on a connection, and different texts never share one.
 */
function writerStatement(text: string): FixedStatement {
  return { name: `synapsor_w_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`, text };
}
