// Turns one writeback request into the values the planned statements bind. The request must be
// about exactly the planned write (capability, table, key and tenant columns, patch columns,
// version column); `apply` has re-checked the proposal against the compiled capability already,
// and this is the executor's own last look before anything reaches the database.

import type { PlannedWrite, WriteValues } from "./planned-write.ts";
import type { WritebackRequest } from "./protocol.ts";
import { versionValues, type VersionValues } from "./version.ts";

export type BoundValues = { ok: true; values: WriteValues } | { ok: false; message: string };

const NONE = { expected: null, lower: null, upper: null };

export function writeValuesFor(write: PlannedWrite, request: WritebackRequest): BoundValues {
  const cs = request.change_set;
  const mismatch = (what: string): BoundValues => ({
    ok: false,
    message: `The change set does not match the planned write (${what}); nothing was sent to the database.`,
  });
  if (cs.action !== write.capability) return mismatch("capability");
  if (cs.target.table !== write.table.name || (cs.target.schema ?? null) !== (write.table.schema ?? null)) return mismatch("table");
  if (cs.target.primary_key.column !== write.primaryKey || cs.target.primary_key.value !== cs.scope.object_id) return mismatch("primary key");
  if (cs.guards.tenant.column !== write.tenantKey || cs.guards.tenant.value !== cs.scope.tenant_id) return mismatch("tenant");
  // Every column is a planned one; only those an optional argument feeds may be missing, and
  // a patch that changes nothing is not a write.
  const optional = new Set(write.optionalPatchColumns ?? []);
  const columns = Object.keys(cs.patch);
  if (
    columns.length === 0 ||
    !columns.every((c) => write.patchColumns.includes(c)) ||
    !write.patchColumns.every((c) => optional.has(c) || Object.hasOwn(cs.patch, c))
  ) {
    return mismatch("patch columns");
  }
  const expected = cs.guards.expected_version;
  if ((expected?.column ?? null) !== (write.versionGuard?.column ?? null)) return mismatch("version column");
  let version: VersionValues = NONE;
  if (write.versionGuard && expected) {
    const values = versionValues(write.versionGuard.kind, expected.value, write.engine);
    if (!values) {
      return {
        ok: false,
        message: `The expected version is not a ${write.versionGuard.kind === "timestamp" ? "timestamp" : "whole number"}, so it cannot guard the update; nothing was sent to the database.`,
      };
    }
    version = values;
  }
  return {
    ok: true,
    values: {
      objectId: cs.scope.object_id,
      tenantId: cs.scope.tenant_id,
      patch: cs.patch,
      version,
      receipt: { idempotencyKey: request.idempotency_key, proposalId: request.proposal_id, previousVersion: null, newVersion: null, json: null },
    },
  };
}
