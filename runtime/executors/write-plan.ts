// The sql_update write as the build plans it: every statement apply may run, its text per
// engine, and where the value of each placeholder comes from. The compiler produces it
// (compiler/plan/write-statements.ts), manifest.json and the generated module show it, and the
// executor only binds values into it. Nothing here is assembled from ledger data.

import type { Engine } from "../db/adapter.ts";
import type { Scalar } from "../values.ts";

/** Where one placeholder's value comes from when apply binds an approved proposal. */
export type WriteParamSource =
  /**
   * The approved proposal's value for this patch column, which an argument fed. `optional`: the
   * argument may be left out, and then the column is absent from the patch (bound as null, unused).
   */
  | { from: "patch"; column: string; arg: string; optional?: true }
  /** Whether the approved patch carries this column: an optional argument's column is set only then. */
  | { from: "patch_given"; column: string; arg: string }
  /** A value fixed by the build: a fixed patch value, a transition's `from` state, the capability name. */
  | { from: "fixed"; value: Scalar }
  /** The proposal's row: its primary-key value. */
  | { from: "object_id" }
  /** The proposal's tenant (the trusted context it was made in). */
  | { from: "tenant" }
  /** The version the proposal saw: the counter itself, or the bounds of a timestamp's range. */
  | { from: "version"; part: "expected" | "lower" | "upper" }
  /** The receipt being written for this apply. */
  | { from: "receipt"; field: ReceiptField };

export type ReceiptField = "idempotency_key" | "proposal_id" | "previous_version" | "new_version" | "receipt";

export interface WriteStatementPlan {
  /** Stable name; changes when the text changes. */
  name: string;
  engine: Engine;
  text: string;
  params: WriteParamSource[];
  sha256: string;
}

/**
 * How the row's version is guarded, decided from the conflict column's type in the schema:
 * a timestamp matches the half-open range of the instant the proposal saw (at that value's own
 * precision) and becomes the database's now; a counter matches exactly and is incremented.
 */
export type VersionGuardKind = "timestamp" | "counter";

export interface SqlUpdatePlan {
  executor: "sql_update";
  engine: Engine;
  /** The capability's name: the receipt's `capability` column and the request's `action`. */
  capability: string;
  table: { schema?: string; name: string };
  primaryKey: string;
  tenantKey: string;
  receiptsTable: { schema?: string; name: string };
  /** The patch columns, in patch order. */
  patchColumns: string[];
  /**
   * The patch columns fed by an optional argument (absent when there are none): an approved patch
   * may lack them, and the UPDATE then leaves them as they are (`CASE WHEN <given> THEN <value> ELSE col END`).
   */
  optionalPatchColumns?: string[];
  /** Every column the UPDATE may set: the patch columns, then the version column it moves on. */
  setColumns: string[];
  /** Every column the UPDATE reads (its WHERE, an optional column's CASE), its version read-back and the conflict explanation read. */
  readColumns: string[];
  versionGuard: { column: string; kind: VersionGuardKind } | null;
  /** Each transition guard: the column, its build-time `from` states and its flag in the explanation. */
  transitions: Array<{ column: string; from: Scalar[]; flag: string }>;
  /**
   * Each read-only precondition (absent when there are none): the column, the values it must hold
   * (in the UPDATE's WHERE) and its flag in the explanation. Its column is read, never set.
   */
  preconditions?: Array<{ column: string; oneOf: Scalar[]; flag: string }>;
  statements: {
    /** SET the patch and the version; WHERE key, tenant, version, transition states and preconditions. */
    update: WriteStatementPlan;
    /** One 0/1 flag per guard for the row with this key in this tenant, read after zero rows matched. */
    explainConflict: WriteStatementPlan;
    /** MySQL has no RETURNING: the new version is read back in the same transaction. */
    readNewVersion: WriteStatementPlan | null;
    /** INSERT the pending receipt: the idempotency claim, first thing in the transaction. */
    claimReceipt: WriteStatementPlan;
    /** UPDATE the claimed receipt to applied, with the versions and the receipt JSON. */
    completeReceipt: WriteStatementPlan;
    /** The stored receipt of an earlier apply of the same idempotency key. */
    readReceipt: WriteStatementPlan;
  };
}

/** The alias under which the update (RETURNING) or the read-back returns the new version. */
export const NEW_VERSION_ALIAS = "synapsor_new_version";
/** The explanation's flag for the version guard. */
export const VERSION_FLAG = "version_ok";
/** The explanation's only column when the capability has no version and no transition guard. */
export const ROW_FOUND_FLAG = "row_found";

export type WriteStatementName = keyof SqlUpdatePlan["statements"];
