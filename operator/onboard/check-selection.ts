// Checks a selection against the inspected schema before any contract is assembled, so every
// mistake is reported against what the person chose (a table, a column, a flag) with a fix,
// all at once. What passes comes back resolved: the table, its columns, and values typed for them.

import type { Scalar } from "../../compiler/config/contract.ts";
import { NAME_SEGMENT } from "../../compiler/config/rules/names.ts";
import { closest } from "../../compiler/config/suggest.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { versionGuardKind } from "../../compiler/resolve/version-column.ts";
import { typedValue, unpatchableReason } from "./column-args.ts";
import { argNameForColumn } from "./naming.ts";
import type { Problems } from "./problems.ts";
import type { OnboardingSelection } from "./selection.ts";

/** The contract's own rule for env var names (capitals, digits, underscores). */
export const CONTRACT_ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export type ResolvedPatch = { column: ColumnInfo; fixed: Scalar } | { column: ColumnInfo; arg: string };

export interface CheckedSelection {
  table: TableInfo;
  column: (name: string) => ColumnInfo;
  patches: ResolvedPatch[];
  guards: Record<string, { from: Scalar[]; to: Scalar }>;
  preconditions: Record<string, Scalar[]>;
}

export function findTable(snapshot: SchemaSnapshot, schema: string | undefined, name: string): TableInfo | undefined {
  return snapshot.tables.find((t) => t.name === name && (schema === undefined || schema === "" || t.schema === schema));
}

export function checkSelection(selection: OnboardingSelection, snapshot: SchemaSnapshot, problems: Problems): CheckedSelection | undefined {
  const problem = (field: string, message: string, fix: string) => problems.push({ field, message, fix });
  checkEnvNames(selection, problem);
  checkNames(selection, problem);

  if (snapshot.engine !== selection.engine) {
    problem("engine", `The selection is for ${selection.engine} but the schema was inspected from ${snapshot.engine}.`, `Set engine to ${snapshot.engine}, or inspect the ${selection.engine} database.`);
  }
  const table = findTable(snapshot, selection.schema, selection.table);
  if (!table) {
    const inSchema = snapshot.tables.filter((t) => !selection.schema || t.schema === selection.schema).map((t) => t.name);
    const guess = closest(selection.table, inSchema);
    problem(
      "table",
      `Table '${selection.table}' does not exist${selection.schema ? ` in schema '${selection.schema}'` : ""}.`,
      guess ? `Did you mean '${guess}'?` : inSchema.length > 0 ? `Use one of: ${inSchema.slice(0, 20).join(", ")}.` : "Check the schema name, or inspect the right database.",
    );
    return undefined;
  }

  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const where = `${table.schema}.${table.name}`;
  /** The column, or a problem with the closest real name. */
  const need = (field: string, name: string): ColumnInfo | undefined => {
    const found = byName.get(name);
    if (found) return found;
    const guess = closest(name, byName.keys());
    problem(field, `Column '${name}' does not exist in ${where}.`, guess ? `Did you mean '${guess}'?` : `Use one of: ${[...byName.keys()].join(", ")}.`);
    return undefined;
  };
  const typed = (field: string, value: Scalar, column: ColumnInfo): Scalar | undefined => {
    const result = typedValue(value, column, selection.engine);
    if (result.ok) return result.value;
    problem(field, `${result.message}.`, "Use a value in the form the column takes.");
    return undefined;
  };

  const pk = need("primary_key", selection.primary_key);
  if (pk && table.primary_key.length > 0 && !table.primary_key.includes(pk.name)) {
    problem("primary_key", `'${pk.name}' is not the primary key of ${where} (its key is ${table.primary_key.join(", ")}).`, `Use --primary-key ${table.primary_key[0]}.`);
  }
  const tenant = need("tenant_column", selection.tenant_column);
  if (pk && tenant && pk.name === tenant.name) {
    problem("tenant_column", `The tenant column cannot be the primary key ('${pk.name}').`, "Name the column that scopes rows to a tenant (a customer, clinic or account id).");
  }
  selection.visible_columns.forEach((c, i) => need(`visible_columns.${i}`, c));
  if (selection.conflict_column !== undefined) {
    const conflict = need("conflict_column", selection.conflict_column);
    if (conflict && versionGuardKind(conflict) === undefined) {
      problem("conflict_column", `Column '${conflict.name}' is ${conflict.data_type}; a conflict column must be a timestamp or an integer version.`, `Use a column such as ${table.suggestions.version_column ?? "updated_at"}, or leave it out.`);
    }
  }

  const keyColumns = new Map([
    [selection.primary_key, "the primary key"],
    [selection.tenant_column, "the tenant column"],
    ...(selection.conflict_column !== undefined ? [[selection.conflict_column, "the conflict column (the database sets it on every write)"] as const] : []),
  ]);
  const patchable = (field: string, column: ColumnInfo): boolean => {
    const role = keyColumns.get(column.name);
    const reason = role !== undefined ? `it is ${role}` : unpatchableReason(column);
    if (reason === undefined) return true;
    problem(field, `Column '${column.name}' cannot be changed by a proposal: ${reason}.`, "Choose another column to patch.");
    return false;
  };

  const patches: ResolvedPatch[] = [];
  const argColumns = new Map<string, string>();
  for (const [name, choice] of Object.entries(selection.patch ?? {})) {
    const field = `patch.${name}`;
    const column = need(field, name);
    if (!column || !patchable(field, column)) continue;
    if ("fixed" in choice) {
      const value = typed(field, choice.fixed, column);
      if (value !== undefined) patches.push({ column, fixed: value });
      continue;
    }
    const arg = choice.from_arg;
    if (!NAME_SEGMENT.test(arg) || arg.length > 64) {
      problem(field, `Argument name '${arg}' is not a valid argument name.`, "Use lowercase letters, digits and underscores, starting with a letter, e.g. new_status.");
      continue;
    }
    // The id argument the tool will have, named or defaulted: a patch argument of that name would replace it.
    const idArg = selection.id_arg ?? argNameForColumn(selection.primary_key);
    const other = argColumns.get(arg);
    if (other !== undefined || arg === idArg) {
      problem(field, `Argument '${arg}' is already used${other !== undefined ? ` for column '${other}'` : " for the row id"}.`, "Give each patched column its own argument name.");
      continue;
    }
    argColumns.set(arg, name);
    patches.push({ column, arg });
  }

  const guards: CheckedSelection["guards"] = {};
  for (const [name, guard] of Object.entries(selection.status_guards ?? {})) {
    const field = `status_guards.${name}`;
    const column = need(field, name);
    if (!column || !patchable(field, column)) continue;
    const from = guard.from.map((v) => typed(field, v, column));
    const to = typed(field, guard.to, column);
    if (to === undefined || from.some((v) => v === undefined)) continue;
    const existing = patches.find((p) => p.column.name === name);
    if (existing && !("fixed" in existing && existing.fixed === to)) {
      problem(field, `Column '${name}' is both patched and guarded; the guard already sets it to ${JSON.stringify(to)}.`, `Remove '${name}' from the patch.`);
      continue;
    }
    if (!existing) patches.push({ column, fixed: to });
    guards[name] = { from: from as Scalar[], to };
  }

  if (selection.mode === "review" && patches.length === 0 && problems.every((p) => !p.field.startsWith("patch") && !p.field.startsWith("status_guards"))) {
    problem(
      "patch",
      "Review mode creates a proposal tool, and a proposal needs at least one column to change.",
      "Add --patch col=arg:NAME (or col=fixed:VALUE) or --status-guards col=FROM:TO, or use --mode read_only for a read tool only.",
    );
  }

  if (selection.mode === "read_only" && patches.length > 0) {
    problem("mode", "The selection patches columns, but read_only mode has no proposal tool to carry the change.", "Set mode to review (with a writeback), or remove the patch and status guards.");
  }

  const patched = new Set(patches.map((p) => p.column.name));
  for (const [name, bounds] of Object.entries(selection.patch_bounds ?? {})) {
    const field = `patch_bounds.${name}`;
    const column = need(field, name);
    if (!column) continue;
    if (!["integer", "bigint", "number", "decimal"].includes(column.type_class)) {
      problem(field, `Column '${name}' is ${column.data_type}; bounds apply to numeric columns only.`, "Remove the bounds, or bound a numeric column.");
    } else if (!patched.has(name)) {
      problem(field, `Column '${name}' has bounds but is not patched.`, `Add --patch ${name}=arg:NAME, or remove its bounds.`);
    }
    if (bounds.minimum !== undefined && bounds.maximum !== undefined && bounds.minimum > bounds.maximum) {
      problem(field, `The minimum ${bounds.minimum} is greater than the maximum ${bounds.maximum}.`, "Write the bounds as MIN:MAX.");
    }
    const fixed = patches.find((p) => p.column.name === name && "fixed" in p);
    if (fixed && "fixed" in fixed && typeof fixed.fixed === "number") {
      if ((bounds.minimum !== undefined && fixed.fixed < bounds.minimum) || (bounds.maximum !== undefined && fixed.fixed > bounds.maximum)) {
        problem(field, `The fixed value ${fixed.fixed} of '${name}' is outside its own bounds.`, "Change the value or the bounds.");
      }
    }
  }

  const preconditions: CheckedSelection["preconditions"] = {};
  for (const [name, values] of Object.entries(selection.preconditions ?? {})) {
    const field = `preconditions.${name}`;
    const column = need(field, name);
    if (!column) continue;
    if (patched.has(name)) {
      problem(field, `Column '${name}' is patched; a precondition only reads a column.`, `Use --status-guards ${name}=FROM:TO to require a value and change it.`);
      continue;
    }
    if (values.length === 0) {
      problem(field, `The precondition on '${name}' lists no values.`, `Write it as ${name}=A|B.`);
      continue;
    }
    const checked = values.map((v) => typed(field, v, column));
    if (checked.every((v) => v !== undefined)) preconditions[name] = checked as Scalar[];
  }

  if (selection.allowed_columns !== undefined) {
    selection.allowed_columns.forEach((c, i) => need(`allowed_columns.${i}`, c));
    const missing = [...patched].filter((c) => !selection.allowed_columns!.includes(c));
    if (missing.length > 0) {
      problem("allowed_columns", `Patched column(s) ${missing.join(", ")} are not in the allowed columns.`, `Add them to --allowed-columns, or leave --allowed-columns out (it defaults to the patched columns).`);
    }
  }

  const list = selection.list_tool;
  if (list) {
    // Each filter becomes an argument named after its column; two columns whose names make the
    // same argument name would silently share one argument.
    const filterArgs = new Map<string, string>();
    list.filters.forEach((c, i) => {
      const column = need(`list_tool.filters.${i}`, c);
      if (column && column.name === selection.tenant_column) {
        problem(`list_tool.filters.${i}`, `'${c}' is the tenant column; every list is already limited to the current tenant.`, "Remove it from --filters.");
      }
      const arg = argNameForColumn(c);
      const other = filterArgs.get(arg);
      if (other !== undefined) {
        problem(`list_tool.filters.${i}`, `Filters '${other}' and '${c}' would both be the argument '${arg}'.`, "Filter on only one of these columns.");
      }
      filterArgs.set(arg, c);
    });
    list.order_by?.forEach((o, i) => need(`list_tool.order_by.${i}`, o.column));
    if (list.max_rows !== undefined && (!Number.isInteger(list.max_rows) || list.max_rows < 1 || list.max_rows > 100)) {
      problem("list_tool.max_rows", `max_rows ${list.max_rows} is out of range.`, "Use a whole number from 1 to 100.");
    }
  }

  if (selection.mode === "review") checkWriteback(selection, problem);
  if (Object.keys(preconditions).length > 0 && selection.writeback !== undefined && selection.writeback.type !== "sql_update") {
    // The runner holds a precondition in its own UPDATE's WHERE; an app-owned handler writes with its own statement.
    problem("preconditions", `Preconditions are checked in the runner's guarded UPDATE, but approved changes go to your ${selection.writeback.type}.`, "Use --writeback sql_update with --write-url-env, or check the condition in your handler and drop --preconditions.");
  }

  if (problems.length > 0) return undefined;
  return { table, column: (name) => byName.get(name)!, patches, guards, preconditions };
}

type Report = (field: string, message: string, fix: string) => void;

function checkWriteback(selection: OnboardingSelection, problem: Report): void {
  const writeback = selection.writeback ?? { type: "sql_update" as const };
  if (writeback.type === "sql_update" && selection.write_url_env === undefined) {
    problem(
      "write_url_env",
      "Approved proposals are applied with a direct SQL UPDATE, which needs a variable holding a write credential.",
      "Pass --write-url-env NAME (a variable with a different user than the read URL), or --writeback http_handler|command_handler to let your app apply changes.",
    );
  }
  if (selection.write_url_env !== undefined && selection.write_url_env === selection.read_url_env) {
    problem("write_url_env", "The write URL variable is the same as the read URL variable.", "Use a separate variable for a user that may write; the read user should only read.");
  }
}

function checkEnvNames(selection: OnboardingSelection, problem: Report): void {
  const names: Array<[string, string | undefined]> = [
    ["read_url_env", selection.read_url_env],
    ["write_url_env", selection.write_url_env],
    ["tenant_env", selection.tenant_env],
    ["principal_env", selection.principal_env],
  ];
  const writeback = selection.writeback;
  if (writeback?.type === "http_handler") names.push(["writeback.url_env", writeback.url_env], ["writeback.token_env", writeback.token_env]);
  if (writeback?.type === "command_handler") names.push(["writeback.command_env", writeback.command_env]);
  for (const [field, name] of names) {
    // The value is never repeated: a URL or token pasted here would otherwise be printed.
    if (name !== undefined && !CONTRACT_ENV_NAME.test(name)) {
      problem(field, `${field} must be the NAME of an environment variable (capital letters, digits and underscores), not a value.`, "Use a name such as DATABASE_URL, and put the value in the env file.");
    }
  }
}

function checkNames(selection: OnboardingSelection, problem: Report): void {
  const segments: Array<[string, string | undefined]> = [
    ["namespace", selection.namespace],
    ["object_name", selection.object_name],
    ["id_arg", selection.id_arg],
  ];
  for (const [field, value] of segments) {
    if (value !== undefined && (!NAME_SEGMENT.test(value) || value.length > 40)) {
      problem(field, `'${value}' is not a valid ${field.replace("_", " ")}.`, "Use lowercase letters, digits and underscores, starting with a letter (at most 40 characters).");
    }
  }
  const tools: Array<[string, string | undefined]> = [
    ["read_tool", selection.read_tool],
    ["proposal_tool", selection.proposal_tool],
    ["list_tool.name", selection.list_tool?.name],
  ];
  for (const [field, value] of tools) {
    if (value === undefined) continue;
    const parts = value.split(".");
    if (parts.length !== 2 || !parts.every((p) => NAME_SEGMENT.test(p)) || value.length > 64) {
      problem(field, `Tool name '${value}' is not of the form namespace.action_object.`, "Use two lowercase segments joined by one dot, e.g. clinic.inspect_appointment.");
    }
  }
}
