// The planned write as the sql_update executor runs it: each statement's fixed text and a bind
// function that says which value goes into which placeholder. A generated capability module
// spells these out for review (`defineSqlUpdate`); `plannedWriteFrom` derives the same from the
// plan's data, which is what `apply` uses after compiling the capability. Either way the
// executor never builds SQL.

import type { Engine, FixedStatement } from "../db/adapter.ts";
import type { Scalar } from "../values.ts";
import type { VersionValues } from "./version.ts";
import type { SqlUpdatePlan, VersionGuardKind, WriteParamSource, WriteStatementName } from "./write-plan.ts";

/** Everything a bind function may draw on: the approved proposal, the version values and this apply's receipt. */
export interface WriteValues {
  /** The proposal's row: its primary-key value. */
  objectId: string;
  /** The proposal's tenant. */
  tenantId: string;
  /** The approved patch. */
  patch: Readonly<Record<string, Scalar>>;
  version: VersionValues;
  receipt: {
    idempotencyKey: string;
    proposalId: string;
    /** Set once the update matched its row; null before. */
    previousVersion: string | null;
    newVersion: string | null;
    json: string | null;
  };
}

export interface PlannedStatement extends FixedStatement {
  /** The bound values in placeholder order. */
  params: (w: WriteValues) => unknown[];
}

export interface PlannedWrite {
  capability: string;
  engine: Engine;
  table: { schema?: string; name: string };
  primaryKey: string;
  tenantKey: string;
  /** The columns an approved patch carries: all of them, except those listed as optional. */
  patchColumns: readonly string[];
  /** Patch columns an optional argument feeds: a patch may lack them, and the UPDATE leaves them unchanged. */
  optionalPatchColumns?: readonly string[];
  versionGuard: { column: string; kind: VersionGuardKind } | null;
  /** The explanation's 0/1 flag of each transition guard. */
  transitionFlags: readonly string[];
  /** The explanation's 0/1 flag of each read-only precondition (absent when there are none). */
  preconditionFlags?: readonly string[];
  update: PlannedStatement;
  explainConflict: PlannedStatement;
  readNewVersion: PlannedStatement | null;
  claimReceipt: PlannedStatement;
  completeReceipt: PlannedStatement;
  readReceipt: PlannedStatement;
}

/** What a generated capability module hands over: its planned write, frozen. */
export function defineSqlUpdate(write: PlannedWrite): PlannedWrite {
  return Object.freeze(write);
}

/** The same planned write, bound by reading each placeholder's source from the plan's data. */
export function plannedWriteFrom(plan: SqlUpdatePlan): PlannedWrite {
  const statement = (name: WriteStatementName): PlannedStatement => {
    const s = plan.statements[name]!;
    return { name: s.name, text: s.text, params: (w) => s.params.map((source) => valueOf(source, w)) };
  };
  return {
    capability: plan.capability,
    engine: plan.engine,
    table: plan.table,
    primaryKey: plan.primaryKey,
    tenantKey: plan.tenantKey,
    patchColumns: plan.patchColumns,
    ...(plan.optionalPatchColumns ? { optionalPatchColumns: plan.optionalPatchColumns } : {}),
    versionGuard: plan.versionGuard,
    transitionFlags: plan.transitions.map((t) => t.flag),
    ...(plan.preconditions ? { preconditionFlags: plan.preconditions.map((p) => p.flag) } : {}),
    update: statement("update"),
    explainConflict: statement("explainConflict"),
    readNewVersion: plan.statements.readNewVersion ? statement("readNewVersion") : null,
    claimReceipt: statement("claimReceipt"),
    completeReceipt: statement("completeReceipt"),
    readReceipt: statement("readReceipt"),
  };
}

function valueOf(source: WriteParamSource, w: WriteValues): unknown {
  switch (source.from) {
    case "patch":
      // An optional column left out is bound as null; its CASE keeps the row's value.
      return source.optional ? (Object.hasOwn(w.patch, source.column) ? w.patch[source.column] : null) : w.patch[source.column];
    case "patch_given":
      return Object.hasOwn(w.patch, source.column);
    case "fixed":
      return source.value;
    case "object_id":
      return w.objectId;
    case "tenant":
      return w.tenantId;
    case "version":
      return w.version[source.part];
    case "receipt":
      switch (source.field) {
        case "idempotency_key":
          return w.receipt.idempotencyKey;
        case "proposal_id":
          return w.receipt.proposalId;
        case "previous_version":
          return w.receipt.previousVersion;
        case "new_version":
          return w.receipt.newVersion;
        case "receipt":
          return w.receipt.json;
      }
  }
}
