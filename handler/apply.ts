// One approved change, start to finish, inside one transaction: claim the idempotency key,
// lock the target row inside the tenant, check version and transition guards, run the
// app's business function through a scoped tx, store the receipt, commit. Anything short of
// success rolls back, so the business rows and the receipt move together or not at all.

import type { Receipt, WritebackRequest } from "../runtime/executors/protocol.ts";
import type { Scalar } from "../runtime/values.ts";
import type { HandlerDatabase, SqlSession } from "./database.ts";
import { alreadyAppliedReceipt, appliedReceipt, refusedReceipt } from "./receipt.ts";
import type { ReceiptStore } from "./receipts.ts";
import { createScopedTx, describeTable } from "./scoped-tx.ts";
import { dialectFor, Placeholders } from "../runtime/dialect/index.ts";
import type { CapabilityBinding, Effect, Job, Row } from "./types.ts";
import { versionsMatch } from "./version.ts";

/** Raised when the business function throws; carries the cause for onError only. */
export class BusinessFunctionError extends Error {
  override name = "BusinessFunctionError";
}

export async function applyRequest(options: {
  db: HandlerDatabase;
  receipts: ReceiptStore;
  binding: CapabilityBinding;
  request: WritebackRequest;
  versionColumn: string | undefined;
}): Promise<Receipt> {
  const { db, receipts, binding, request, versionColumn } = options;
  const cs = request.change_set;
  await receipts.ensure();
  return db.transaction(async (session) => {
    const stored = await receipts.claim(session, {
      key: request.idempotency_key,
      proposalId: request.proposal_id,
      action: cs.action,
      tenantId: cs.scope.tenant_id,
    });
    if (stored) return { commit: false, value: alreadyAppliedReceipt(stored) };

    const row = await lockTargetRow(session, db, binding, cs.scope.object_id, cs.scope.tenant_id);
    if (!row) {
      return rollback(refusedReceipt("conflict", "ROW_NOT_FOUND_OR_WRONG_TENANT", "The target row does not exist in this tenant."));
    }
    const previous = versionColumn ? toScalar(row[versionColumn]) : null;
    const expected = cs.guards.expected_version;
    if (expected && !versionsMatch(expected.value, row[expected.column])) {
      return rollback(refusedReceipt("conflict", "ROW_CHANGED_AFTER_PROPOSAL", "The row changed after the proposal was made.", previous));
    }
    for (const t of cs.guards.transitions ?? []) {
      if (!t.from.some((allowed) => String(allowed) === String(row[t.column]))) {
        return rollback(refusedReceipt("conflict", "TRANSITION_NOT_ALLOWED", `The row's ${t.column} no longer allows this change.`, previous));
      }
    }

    const scoped = createScopedTx({ engine: db.engine, session, target: binding.table, extraTables: binding.tables ?? [], tenantId: cs.scope.tenant_id });
    let effects: Effect[];
    try {
      const result = await binding.apply(toJob(request, row), scoped.tx);
      effects = result?.effects ?? [];
    } catch (err) {
      throw new BusinessFunctionError("The business function failed.", { cause: err });
    }

    const current = versionColumn ? await lockTargetRow(session, db, binding, cs.scope.object_id, cs.scope.tenant_id) : undefined;
    const next = versionColumn ? toScalar(current?.[versionColumn]) : null;
    const receipt = appliedReceipt(scoped.rowsAffected(), previous, next, effects);
    await receipts.complete(session, request.idempotency_key, receipt);
    return { commit: true, value: receipt };
  });
}

function rollback(receipt: Receipt): { commit: false; value: Receipt } {
  return { commit: false, value: receipt };
}

async function lockTargetRow(session: SqlSession, db: HandlerDatabase, binding: CapabilityBinding, id: string, tenant: string): Promise<Row | undefined> {
  const d = dialectFor(db.engine);
  const t = binding.table;
  const values = new Placeholders<string>(d);
  // Text keys match exactly whatever the collation; other types (uuid, integer) with their own `=`, as sql_update does.
  const { columns } = await describeTable(session, d, t.schema ? { schema: t.schema, name: t.name } : { name: t.name });
  const match = (column: string, value: string) => d.exactMatch(d.quote(column), () => values.bind(value), columns.get(column) ?? "unknown");
  const sql =
    `SELECT * FROM ${d.qualifiedName(t.schema, t.name)} ` +
    `WHERE ${match(t.primaryKey, id)} AND ${match(t.tenantKey, tenant)} FOR UPDATE`;
  const result = await session.run(sql, values.items);
  return result.rows[0];
}

function toJob(request: WritebackRequest, row: Row): Job {
  const cs = request.change_set;
  return {
    action: cs.action,
    proposalId: request.proposal_id,
    idempotencyKey: request.idempotency_key,
    issuedAt: request.issued_at,
    tenantId: cs.scope.tenant_id,
    objectId: cs.scope.object_id,
    principal: cs.principal.id,
    patch: cs.patch,
    before: cs.before,
    after: cs.after,
    row,
    approval: { actor: request.approval.actor, role: request.approval.role ?? null, approvedAt: request.approval.approved_at },
    evidenceBundleId: cs.evidence.bundle_id,
  };
}

function toScalar(value: unknown): Scalar {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
