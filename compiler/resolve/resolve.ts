// Stage 3: resolve. Checks every table and column a capability names against the
// schema snapshot (or the live database's snapshot) and records what it found.

import type { CapabilityConfig, Contract, Scalar } from "../config/contract.ts";
import { pointer, type Diagnostic, type StageResult } from "../diagnostics.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../inspect/snapshot.ts";
import { closest } from "./names.ts";
import type { ResolvedCapability, ResolvedContract } from "./resolved.ts";
import { NUMERIC_CLASSES, argFitsColumn, argTypeForColumn, fixedValueFitsColumn } from "./type-fit.ts";
import { versionGuardKind } from "./version-column.ts";
import { dialectFor } from "../../runtime/dialect/index.ts";

/** One snapshot per source name (the CLI usually passes the same snapshot for every source). */
export type SnapshotsBySource = Readonly<Record<string, SchemaSnapshot>>;

export function resolveContract(contract: Contract, snapshots: SnapshotsBySource): StageResult<ResolvedContract> {
  const diagnostics: Diagnostic[] = [];
  const capabilities: ResolvedCapability[] = [];
  contract.capabilities.forEach((capability, index) => {
    const resolved = resolveCapability(contract, capability, index, snapshots, diagnostics);
    if (resolved) capabilities.push(resolved);
  });
  return diagnostics.length > 0 ? { ok: false, diagnostics } : { ok: true, value: { capabilities } };
}

function resolveCapability(
  contract: Contract,
  cap: CapabilityConfig,
  index: number,
  snapshots: SnapshotsBySource,
  out: Diagnostic[],
): ResolvedCapability | undefined {
  const at = (...rest: Array<string | number>) => pointer("capabilities", index, ...rest);
  const source = contract.sources[cap.source];
  const snapshot = snapshots[cap.source];
  if (!source || !snapshot) {
    out.push({
      code: "NO_SCHEMA_FOR_SOURCE",
      pointer: at("source"),
      message: `No schema snapshot is available for source '${cap.source}'.`,
      fix: "Pass --schema with a snapshot from `synapsor-runner inspect --json`, or --from-env with the database URL variable.",
    });
    return undefined;
  }
  if (snapshot.engine !== source.engine) {
    out.push({
      code: "ENGINE_MISMATCH",
      pointer: pointer("sources", cap.source, "engine"),
      message: `Source '${cap.source}' says engine '${source.engine}' but the schema snapshot was taken from ${snapshot.engine}.`,
      fix: "Inspect the right database, or correct the source's engine.",
    });
    return undefined;
  }

  const schema = cap.target.schema ?? dialectFor(source.engine).defaultSchema;
  const table = findTable(snapshot, schema, cap.target.table);
  if (!table) {
    const names = snapshot.tables.filter((t) => schema === undefined || t.schema === schema).map((t) => t.name);
    const guess = closest(cap.target.table, names);
    out.push({
      code: "UNKNOWN_TABLE",
      pointer: at("target", "table"),
      message: `Table '${schema ? `${schema}.` : ""}${cap.target.table}' does not exist in the schema snapshot.`,
      fix: guess ? `Did you mean '${guess}'?` : "Check the table name and schema, or re-run inspect if the table is new.",
    });
    return undefined;
  }

  const columns = new Map<string, ColumnInfo>();
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const need = (name: string, where: string): ColumnInfo | undefined => {
    const column = byName.get(name);
    if (!column) {
      const guess = closest(name, byName.keys());
      out.push({
        code: "UNKNOWN_COLUMN",
        pointer: where,
        message: `Column '${name}' does not exist in ${table.schema}.${table.name}.`,
        fix: guess ? `Did you mean '${guess}'?` : `Use one of: ${[...byName.keys()].join(", ")}.`,
      });
      return undefined;
    }
    columns.set(name, column);
    return column;
  };

  const pk = need(cap.target.primary_key, at("target", "primary_key"));
  // A composite key of (tenant, id) is fine: lookups always bind both columns.
  const keyIsAddressable =
    table.primary_key.includes(cap.target.primary_key) &&
    table.primary_key.every((k) => k === cap.target.primary_key || k === cap.target.tenant_key);
  if (pk && table.kind === "table" && !keyIsAddressable) {
    out.push({
      code: "NOT_THE_PRIMARY_KEY",
      pointer: at("target", "primary_key"),
      message:
        table.primary_key.length === 0
          ? `${table.schema}.${table.name} has no primary key, so single rows cannot be addressed safely.`
          : `'${pk.name}' is not the primary key of ${table.schema}.${table.name} (its key is ${table.primary_key.join(", ")}).`,
      fix:
        table.primary_key.length === 1
          ? `Set primary_key to '${table.primary_key[0]}'.`
          : "Capabilities address rows by one key column (optionally together with the tenant key); use a table with such a key.",
    });
  }
  need(cap.target.tenant_key, at("target", "tenant_key"));
  cap.visible_columns.forEach((c, i) => need(c, at("visible_columns", i)));

  const args = cap.args ?? {};
  const checkArgFeeds = (argName: string, column: ColumnInfo | undefined, where: string) => {
    const arg = args[argName];
    if (!arg || !column) return;
    if (!argFitsColumn(arg.type, column.type_class)) {
      out.push({
        code: "ARG_TYPE_MISMATCH",
        pointer: where,
        message: `Argument '${argName}' is a ${arg.type} but feeds column '${column.name}' (${column.data_type}).`,
        fix: `Declare '${argName}' as type "${argTypeForColumn(column.type_class)}".`,
      });
    }
  };
  const checkFixedFeeds = (value: Scalar, column: ColumnInfo | undefined, where: string) => {
    if (!column) return;
    if (!fixedValueFitsColumn(value, column.type_class) || (value === null && !column.nullable)) {
      out.push({
        code: "FIXED_VALUE_MISMATCH",
        pointer: where,
        message: `Fixed value ${JSON.stringify(value)} does not fit column '${column.name}' (${column.data_type}${column.nullable ? "" : ", not null"}).`,
        fix: "Use a value of the column's type.",
      });
    }
  };

  if (cap.lookup.id_from_arg) checkArgFeeds(cap.lookup.id_from_arg, pk, at("lookup", "id_from_arg"));
  cap.lookup.filters?.forEach((filter, i) => {
    const column = need(filter.column, at("lookup", "filters", i, "column"));
    if ("from_arg" in filter) checkArgFeeds(filter.from_arg, column, at("lookup", "filters", i, "from_arg"));
    else checkFixedFeeds(filter.fixed, column, at("lookup", "filters", i, "fixed"));
  });
  cap.lookup.order_by?.forEach((o, i) => need(o.column, at("lookup", "order_by", i, "column")));

  if (cap.kind === "proposal") {
    if (table.kind === "view") {
      out.push({
        code: "PROPOSAL_ON_VIEW",
        pointer: at("target", "table"),
        message: `${table.schema}.${table.name} is a view; proposals must target a table so the change can be applied.`,
        fix: "Point the proposal at the underlying table.",
      });
    }
    cap.allowed_columns.forEach((c, i) => need(c, at("allowed_columns", i)));
    for (const [column, value] of Object.entries(cap.patch)) {
      const info = need(column, at("patch", column));
      if (!info) continue;
      if (info.generated) {
        out.push({
          code: "COLUMN_NOT_WRITABLE",
          pointer: at("patch", column),
          message: `Column '${column}' is generated by the database and cannot be patched.`,
          fix: "Remove it from patch and allowed_columns.",
        });
      }
      if ("from_arg" in value) {
        // An optional argument is fine: left out, its column stays as it is (the planned UPDATE sets it only when given).
        checkArgFeeds(value.from_arg, info, at("patch", column, "from_arg"));
      } else checkFixedFeeds(value.fixed, info, at("patch", column, "fixed"));
    }
    for (const column of Object.keys(cap.numeric_bounds ?? {})) {
      const info = need(column, at("numeric_bounds", column));
      if (info && !NUMERIC_CLASSES.has(info.type_class)) {
        out.push({
          code: "BOUNDS_ON_NON_NUMERIC",
          pointer: at("numeric_bounds", column),
          message: `numeric_bounds names '${column}', which is ${info.data_type}, not a number.`,
          fix: "Put bounds only on numeric columns; constrain text with the argument's max_length or enum.",
        });
      }
    }
    for (const [column, guard] of Object.entries(cap.transition_guards ?? {})) {
      const info = need(column, at("transition_guards", column));
      guard.from.forEach((v, i) => checkFixedFeeds(v, info, at("transition_guards", column, "from", i)));
      guard.to.forEach((v, i) => checkFixedFeeds(v, info, at("transition_guards", column, "to", i)));
    }
    for (const [column, precondition] of Object.entries(cap.preconditions ?? {})) {
      const info = need(column, at("preconditions", column));
      precondition.one_of.forEach((v, i) => {
        const where = at("preconditions", column, "one_of", i);
        checkFixedFeeds(v, info, where);
        if (info?.enum_values && typeof v === "string" && !info.enum_values.includes(v)) {
          out.push({
            code: "FIXED_VALUE_MISMATCH",
            pointer: where,
            message: `Precondition value ${JSON.stringify(v)} is not a label of enum column '${info.name}' (${info.data_type}), so no row can ever hold it.`,
            fix: `Use one of: ${info.enum_values.map((label) => JSON.stringify(label)).join(", ")}.`,
          });
        }
      });
    }
    if (cap.conflict_guard) {
      const info = need(cap.conflict_guard.column, at("conflict_guard", "column"));
      if (info && !versionGuardKind(info)) {
        out.push({
          code: "CONFLICT_GUARD_NOT_A_VERSION",
          pointer: at("conflict_guard", "column"),
          message: `Conflict guard column '${info.name}' is ${info.data_type}; a version must be a timestamp or an integer counter.`,
          fix: "Guard on a timestamp the application sets on every change (e.g. updated_at) or an integer version column, or remove conflict_guard.",
        });
      }
    }
  }

  return { config: cap, index, engine: source.engine, schema: table.schema && schema !== undefined ? table.schema : undefined, table, columns };
}

function findTable(snapshot: SchemaSnapshot, schema: string | undefined, name: string): TableInfo | undefined {
  return snapshot.tables.find((t) => t.name === name && (schema === undefined || t.schema === schema));
}
