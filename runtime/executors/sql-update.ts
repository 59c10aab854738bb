// The built-in sql_update executor: carries out one approved proposal with the statements the
// build planned for its capability, on the source's write credential, exactly once. It only
// binds values. Inside a single transaction it first claims the idempotency key in the receipts
// table (a second apply of the same proposal collides there and waits for the first), then runs
// the guarded UPDATE, which matches the row only if primary key, tenant, version and transition
// guards all still hold, then marks the receipt applied and commits.

import type { Adapter, Transaction } from "../db/adapter.ts";
import { writerErrorKind } from "../dialect/index.ts";
import { describeCause } from "../errors.ts";
import type { Scalar } from "../values.ts";
import type { ExecutionResult, Executor } from "./executor.ts";
import type { PlannedWrite, WriteValues } from "./planned-write.ts";
import type { Receipt, SafeErrorCode, WritebackRequest } from "./protocol.ts";
import { unappliedReceipt } from "./receipts.ts";
import { parseStoredReceipt, readTargetReceipt, toScalar, type TargetReceipt } from "./receipts-read.ts";
import { writeValuesFor } from "./write-values.ts";
import { NEW_VERSION_ALIAS } from "./write-plan.ts";
import { tableLabel } from "../table-label.ts";

export interface SqlUpdateExecutorOptions {
  /**
   * The capability's planned write, bound from its compiled plan (plannedWriteFrom): apply and
   * doctor compile the capability and never load its generated module, whose `write` spells
   * out the same statements for review (test/unit/emit-write-params.test.ts holds them equal).
   */
  write: PlannedWrite;
  /** The source's write_url_env value; never the read credential. */
  writeUrl: string;
  statementTimeoutMs: number;
  /** An already open write adapter (the caller keeps ownership and closes it). */
  adapter?: Adapter;
}

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
  const { write } = options;

  let opened: Promise<Adapter> | undefined;
  const adapter = (): Promise<Adapter> => {
    if (options.adapter) return Promise.resolve(options.adapter);
    opened ??= (async () => {
      const { openAdapter } = await import("../db/index.ts");
      // Two connections: the transaction, and the read that explains a conflict afterwards.
      return openAdapter(write.engine, { url: options.writeUrl, statementTimeoutMs: options.statementTimeoutMs, maxConnections: 2 });
    })();
    return opened;
  };

  async function execute(request: WritebackRequest): Promise<ExecutionResult> {
    const bound = writeValuesFor(write, request);
    if (!bound.ok) return { receipt: failed("INTERNAL", bound.message) };
    const values = bound.values;
    const expected = request.change_set.guards.expected_version?.value ?? null;

    let step: Step = "connect";
    try {
      const db = await adapter();
      const receipt = await db.transaction(async (tx: Transaction) => {
        step = "claim";
        await tx.execute(write.claimReceipt, write.claimReceipt.params(values));
        step = "update";
        const updated = await tx.execute(write.update, write.update.params(values));
        if (updated.rowCount !== 1) throw new RollBack(updated.rowCount);
        step = "record";
        const newVersion = await readNewVersion(tx, values, updated.rows);
        const applied = appliedReceipt(request, expected, newVersion);
        const recorded: WriteValues = {
          ...values,
          receipt: { ...values.receipt, previousVersion: versionText(expected), newVersion: versionText(newVersion), json: JSON.stringify(applied) },
        };
        await tx.execute(write.completeReceipt, write.completeReceipt.params(recorded));
        step = "commit";
        return applied;
      });
      return { receipt };
    } catch (err) {
      if (err instanceof RollBack) {
        if (err.rowsMatched > 1) {
          return { receipt: failed("MULTI_ROW_BLOCKED", `The update matched ${err.rowsMatched} rows instead of one and was rolled back; nothing changed.`) };
        }
        return explainConflict(values, expected);
      }
      return failureFor(err, step, values);
    }
  }

  async function readNewVersion(tx: Transaction, values: WriteValues, returned: Array<Record<string, unknown>>): Promise<Scalar> {
    if (!write.versionGuard) return null;
    if (!write.readNewVersion) return toScalar(returned[0]?.[NEW_VERSION_ALIAS]);
    const read = await tx.execute(write.readNewVersion, write.readNewVersion.params(values));
    return toScalar(read.rows[0]?.[NEW_VERSION_ALIAS]);
  }

  /** Zero rows matched: the row is gone, in another tenant, or no longer passes a guard. */
  async function explainConflict(values: WriteValues, expected: Scalar): Promise<ExecutionResult> {
    let row: Record<string, unknown> | undefined;
    try {
      const db = await adapter();
      row = (await db.query(write.explainConflict, write.explainConflict.params(values)))[0];
    } catch (err) {
      return {
        receipt: conflict("ROW_CHANGED_AFTER_PROPOSAL", "The row no longer matches the proposal's guards; the update was rolled back and nothing changed.", expected),
        internal: `conflict explanation read failed: ${describeCause(err)}`,
      };
    }
    if (!row) {
      return { receipt: conflict("ROW_NOT_FOUND_OR_WRONG_TENANT", "No row with this id exists in the proposal's tenant; nothing changed.", expected) };
    }
    if (write.transitionFlags.some((flag) => Number(row[flag]) !== 1)) {
      return { receipt: conflict("TRANSITION_NOT_ALLOWED", "The row's state is no longer one the proposal may move it from; nothing changed.", expected) };
    }
    if ((write.preconditionFlags ?? []).some((flag) => Number(row[flag]) !== 1)) {
      return { receipt: conflict("PRECONDITION_NOT_MET", "The row no longer meets the proposal's preconditions (a column it only reads changed); nothing changed.", expected) };
    }
    return { receipt: conflict("ROW_CHANGED_AFTER_PROPOSAL", "The row was changed after the proposal was made; nothing changed. Review a fresh proposal.", expected) };
  }

  async function failureFor(err: unknown, step: Step, values: WriteValues): Promise<ExecutionResult> {
    const internal = describeCause(err);
    const kind = writerErrorKind(err);
    if (kind === "duplicate_key" && step === "claim") return alreadyApplied(values, internal);
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
    if (kind === "missing_database") {
      return {
        receipt: failed("WRITER_UNAVAILABLE", "The write URL names a database the server does not have; fix the source's write_url_env. Nothing changed."),
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
  async function alreadyApplied(values: WriteValues, claimError: string): Promise<ExecutionResult> {
    try {
      const db = await adapter();
      const [stored] = await db.query(write.readReceipt, write.readReceipt.params(values));
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
        // Kept for the operator: the versions then come from the row's columns, the effects are lost.
        ...(earlier ? {} : { internal: "The stored receipt of the earlier apply is not a valid receipt; its versions were read from the row's columns." }),
      };
    } catch (err) {
      return { receipt: failed("WRITER_UNAVAILABLE", "The receipt of an earlier apply could not be read; try again shortly."), internal: describeCause(err) };
    }
  }

  function appliedReceipt(request: WritebackRequest, previous: Scalar, next: Scalar): Receipt {
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
            table: tableLabel(write.table.schema, write.table.name),
            primary_key: request.change_set.target.primary_key,
            // The columns this patch changed: an optional argument left out changed nothing.
            columns: write.patchColumns.filter((c) => Object.hasOwn(request.change_set.patch, c)),
          },
        ],
      },
    };
  }

  /** What the receipts table holds for this request's idempotency key; never writes. */
  async function findReceipt(request: WritebackRequest): Promise<TargetReceipt> {
    const bound = writeValuesFor(write, request);
    if (!bound.ok) return { status: "unavailable", internal: bound.message };
    try {
      return await readTargetReceipt(await adapter(), write, bound.values);
    } catch (err) {
      return { status: "unavailable", internal: describeCause(err) };
    }
  }

  return {
    type: "sql_update",
    execute,
    findReceipt,
    async close() {
      if (opened) await (await opened.catch(() => undefined))?.close();
    },
  };
}

const conflict = (code: SafeErrorCode, message: string, expected: Scalar): Receipt => unappliedReceipt("conflict", code, message, expected);
const failed = (code: SafeErrorCode, message: string): Receipt => unappliedReceipt("failed", code, message);

function versionText(value: Scalar): string | null {
  return value === null ? null : String(value);
}

