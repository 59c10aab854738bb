// Plans the write of a proposal capability whose executor is sql_update: the guarded UPDATE,
// the conflict explanation, MySQL's version read-back and the receipt statements, for the
// capability's engine. Every value is a bound parameter whose source the plan names; the
// values a build fixes (fixed patch values, transition states, the capability's name) are
// bound too, so no configured string is ever spliced into SQL.

import { createHash } from "node:crypto";
import type { ProposalCapabilityConfig } from "../config/contract.ts";
import { dialectFor, Placeholders, type Dialect } from "../../runtime/dialect/index.ts";
import { receiptsTableName, receiptsTableOf } from "../../runtime/executors/receipts-table.ts";
import {
  NEW_VERSION_ALIAS,
  ROW_FOUND_FLAG,
  VERSION_FLAG,
  type SqlUpdatePlan,
  type VersionGuardKind,
  type WriteParamSource,
  type WriteStatementName,
  type WriteStatementPlan,
} from "../../runtime/executors/write-plan.ts";
import type { Scalar } from "../../runtime/values.ts";
import type { ResolvedCapability } from "../resolve/resolved.ts";
import { versionGuardKind } from "../resolve/version-column.ts";
import { RECEIPT_KEY_COLUMN, keyEquality } from "./key-equality.ts";
import { sqlStatementComment } from "../emit/comment-text.ts";

type Bind = Placeholders<WriteParamSource>;

/** Short statement-kind labels for names (Postgres identifiers stop at 63 characters). */
const NAME_PART: Record<WriteStatementName, string> = {
  update: "update",
  explainConflict: "explain",
  readNewVersion: "version",
  claimReceipt: "claim",
  completeReceipt: "complete",
  readReceipt: "receipt",
};

export function planWrite(cap: ResolvedCapability, receiptsSchema: string | undefined): SqlUpdatePlan {
  const c = cap.config as ProposalCapabilityConfig;
  const engine = cap.engine;
  const d = dialectFor(engine);
  const q = d.quote;
  const table = d.qualifiedName(cap.schema, c.target.table);
  const versionColumn = c.conflict_guard?.column;
  const versionKind = versionColumn ? versionGuardKind(cap.columns.get(versionColumn)!) : undefined;
  const version = versionColumn && versionKind ? { column: versionColumn, kind: versionKind } : null;
  const transitions = Object.entries(c.transition_guards ?? {}).map(([column, guard], i) => ({
    column,
    from: [...guard.from],
    flag: `transition_ok_${i}`,
  }));
  // Read-only preconditions: matched like a transition's `from` states, never set.
  const preconditions = Object.entries(c.preconditions ?? {}).map(([column, p], i) => ({
    column,
    oneOf: [...p.one_of],
    flag: `precondition_ok_${i}`,
  }));
  const patch = Object.entries(c.patch);
  // A column an optional argument feeds is set only when the approved patch carries it.
  const optionalArg = (column: string): string | undefined => {
    const value = c.patch[column]!;
    return "from_arg" in value && c.args?.[value.from_arg]?.required !== true ? value.from_arg : undefined;
  };
  const optionalColumns = patch.map(([column]) => column).filter((column) => optionalArg(column) !== undefined);

  // The row this proposal is about, in the proposal's tenant.
  // Exact on every engine (key-equality.ts): a collation's "alike" must never reach another row or tenant.
  const exact = (b: Bind, column: string, source: WriteParamSource) =>
    d.exactMatch(q(column), () => b.bind(source), keyEquality(engine, cap.columns.get(column)));
  const rowMatch = (b: Bind) => `${exact(b, c.target.primary_key, { from: "object_id" })} AND ${exact(b, c.target.tenant_key, { from: "tenant" })}`;
  const versionMatch = (b: Bind) => (version ? versionCondition(q(version.column), version.kind, b) : undefined);
  const states = (b: Bind, t: { column: string; from: Scalar[] }) => inStates(q(t.column), t.from, b);
  const holds = (b: Bind, p: { column: string; oneOf: Scalar[] }) => inStates(q(p.column), p.oneOf, b);

  const statement = (name: WriteStatementName, build: (b: Bind) => string): WriteStatementPlan => {
    const b = new Placeholders<WriteParamSource>(d);
    // Named after the capability, like its read (statements.ts), for the DBA's views of running SQL.
    const text = `${sqlStatementComment(c.name)} ${build(b)}`;
    const sha256 = createHash("sha256").update(text).digest("hex");
    const stem = c.name.replace(/\./g, "_").slice(0, 30);
    return { name: `sw_${stem}_${NAME_PART[name]}_${sha256.slice(0, 8)}`, engine, text, params: b.items, sha256 };
  };

  const update = statement("update", (b) => {
    const sets = patch.map(([column, value]) => {
      const arg = optionalArg(column);
      // One fixed statement for every proposal: a column left out keeps its own value. Each CASE
      // reads only its own column, so MySQL's left-to-right SET order cannot change what it sees.
      if (arg !== undefined) {
        const given = b.bind({ from: "patch_given", column, arg });
        return `${q(column)} = CASE WHEN ${given} THEN ${b.bind({ from: "patch", column, arg, optional: true })} ELSE ${q(column)} END`;
      }
      const source: WriteParamSource = "from_arg" in value ? { from: "patch", column, arg: value.from_arg } : { from: "fixed", value: value.fixed };
      return `${q(column)} = ${b.bind(source)}`;
    });
    if (version) sets.push(`${q(version.column)} = ${versionBump(q(version.column), version.kind, d)}`);
    const where = [rowMatch(b), versionMatch(b), ...transitions.map((t) => states(b, t)), ...preconditions.map((p) => holds(b, p))].filter((w): w is string => w !== undefined);
    const returning = version && d.supportsReturning ? ` RETURNING ${q(version.column)} AS ${q(NEW_VERSION_ALIAS)}` : "";
    return `UPDATE ${table} SET ${sets.join(", ")} WHERE ${where.join(" AND ")}${returning}`;
  });

  const explainConflict = statement("explainConflict", (b) => {
    const flag = (condition: string, alias: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END AS ${q(alias)}`;
    const flags = [
      ...(version ? [flag(versionMatch(b)!, VERSION_FLAG)] : []),
      ...transitions.map((t) => flag(states(b, t), t.flag)),
      ...preconditions.map((p) => flag(holds(b, p), p.flag)),
    ];
    if (flags.length === 0) flags.push(`1 AS ${q(ROW_FOUND_FLAG)}`);
    return `SELECT ${flags.join(", ")} FROM ${table} WHERE ${rowMatch(b)}`;
  });

  const readNewVersion =
    version && !d.supportsReturning
      ? statement("readNewVersion", (b) => `SELECT ${q(version.column)} AS ${q(NEW_VERSION_ALIAS)} FROM ${table} WHERE ${rowMatch(b)}`)
      : null;

  const receipts = receiptsTableName(engine, receiptsSchema);
  const receiptKeyMatch = (b: Bind) =>
    d.exactMatch("idempotency_key", () => b.bind({ from: "receipt", field: "idempotency_key" }), keyEquality(engine, RECEIPT_KEY_COLUMN));
  const claimReceipt = statement("claimReceipt", (b) => {
    const values = [
      b.bind({ from: "receipt", field: "idempotency_key" }),
      b.bind({ from: "receipt", field: "proposal_id" }),
      b.bind({ from: "fixed", value: c.name }),
      b.bind({ from: "tenant" }),
      b.bind({ from: "object_id" }),
    ];
    return (
      `INSERT INTO ${receipts} (idempotency_key, proposal_id, capability, tenant_id, object_id, status, rows_affected) ` +
      `VALUES (${values.join(", ")}, 'pending', 0)`
    );
  });
  const completeReceipt = statement("completeReceipt", (b) => {
    const sets = [
      "status = 'applied'",
      "rows_affected = 1",
      `previous_version = ${b.bind({ from: "receipt", field: "previous_version" })}`,
      `new_version = ${b.bind({ from: "receipt", field: "new_version" })}`,
      `receipt = ${b.bind({ from: "receipt", field: "receipt" })}`,
      `applied_at = ${d.now}`,
    ];
    return `UPDATE ${receipts} SET ${sets.join(", ")} WHERE ${receiptKeyMatch(b)}`;
  });
  const readReceipt = statement(
    "readReceipt",
    (b) => `SELECT status, previous_version, new_version, receipt FROM ${receipts} WHERE ${receiptKeyMatch(b)}`,
  );

  const unique = (names: Array<string | undefined>) => [...new Set(names.filter((n): n is string => n !== undefined))];
  return {
    executor: "sql_update",
    engine,
    capability: c.name,
    table: { ...(cap.schema !== undefined ? { schema: cap.schema } : {}), name: c.target.table },
    primaryKey: c.target.primary_key,
    tenantKey: c.target.tenant_key,
    receiptsTable: receiptsTableOf(engine, receiptsSchema),
    patchColumns: patch.map(([column]) => column),
    ...(optionalColumns.length > 0 ? { optionalPatchColumns: optionalColumns } : {}),
    setColumns: unique([...patch.map(([column]) => column), version?.column]),
    // An optional column's CASE reads its current value, which Postgres grants separately (SELECT).
    // A precondition's column is read, never written: SELECT is all its grant needs.
    readColumns: unique([
      c.target.primary_key,
      c.target.tenant_key,
      version?.column,
      ...transitions.map((t) => t.column),
      ...preconditions.map((p) => p.column),
      ...optionalColumns,
    ]),
    versionGuard: version,
    transitions,
    ...(preconditions.length > 0 ? { preconditions } : {}),
    statements: { update, explainConflict, readNewVersion, claimReceipt, completeReceipt, readReceipt },
  };
}

/** A timestamp matches the half-open range of the instant the proposal saw; a counter matches exactly. */
function versionCondition(column: string, kind: VersionGuardKind, b: Bind): string {
  return kind === "timestamp"
    ? `${column} >= ${b.bind({ from: "version", part: "lower" })} AND ${column} < ${b.bind({ from: "version", part: "upper" })}`
    : `${column} = ${b.bind({ from: "version", part: "expected" })}`;
}

/** A timestamp becomes the database's now (with microseconds); a counter goes up by one. */
function versionBump(column: string, kind: VersionGuardKind, d: Dialect): string {
  return kind === "timestamp" ? d.now : `${column} + 1`;
}

/** The column is one of the build's `from` states; NULL is matched with IS NULL, since IN never matches it. */
function inStates(column: string, from: readonly Scalar[], b: Bind): string {
  const parts: string[] = [];
  const present = from.filter((v) => v !== null);
  if (present.length > 0) parts.push(`${column} IN (${present.map((value) => b.bind({ from: "fixed", value })).join(", ")})`);
  if (from.includes(null)) parts.push(`${column} IS NULL`);
  if (parts.length === 0) return "1 = 0";
  return parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
}
