// The one generator every onboarding path uses: a selection plus the inspected schema becomes
// synapsor.runner.json. The selection is checked against the schema first (problems name the
// chosen field and the fix), then the assembled contract goes through the same validation and
// resolution `build` runs, so a selection that would not build never yields a file.

import type {
  ArgConfig,
  CapabilityConfig,
  Contract,
  ExecutorConfig,
  ProposalCapabilityConfig,
  ReadCapabilityConfig,
  TargetConfig,
} from "../../compiler/config/contract.ts";
import { DEFAULT_STORE_PATH, MAX_LIST_ROWS } from "../../compiler/config/contract.ts";
import { validateContract } from "../../compiler/config/validate.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import type { ColumnInfo, SchemaSnapshot } from "../../compiler/inspect/snapshot.ts";
import { resolveContract } from "../../compiler/resolve/resolve.ts";
import { checkSelection, type CheckedSelection } from "./check-selection.ts";
import { argForColumn } from "./column-args.ts";
import * as words from "./describe.ts";
import { argNameForColumn, defaultNamespace, defaultObjectName, toolNames } from "./naming.ts";
import type { SelectionProblem } from "./problems.ts";
import type { OnboardingSelection, WritebackChoice } from "./selection.ts";

export type GenerateResult =
  | { ok: true; contract: Contract; notes: string[] }
  | { ok: false; problems: SelectionProblem[] };

export const DEFAULT_SOURCE_NAME = "app_db";
export const DEFAULT_OUT_DIR = "./.synapsor/build";
export const DEFAULT_LIST_ROWS = 20;

export function generateContract(selection: OnboardingSelection, snapshot: SchemaSnapshot): GenerateResult {
  const problems: SelectionProblem[] = [];
  const checked = checkSelection(selection, snapshot, problems);
  if (!checked) return { ok: false, problems };
  const notes: string[] = [];
  const contract = assemble(selection, snapshot, checked, notes);
  const invalid = contractProblems(contract, snapshot);
  return invalid.length > 0 ? { ok: false, problems: invalid } : { ok: true, contract, notes };
}

/** What `build` would say about the contract: the schema and rules, then every name against the schema. */
export function contractProblems(contract: Contract, snapshot: SchemaSnapshot): SelectionProblem[] {
  const asProblems = (diagnostics: Diagnostic[]) =>
    diagnostics.map((d) => ({ field: `config${d.pointer}`, message: `${d.code}: ${d.message}`, fix: d.fix }));
  const validated = validateContract(structuredClone(contract));
  if (!validated.ok) return asProblems(validated.diagnostics);
  const snapshots = Object.fromEntries(Object.keys(contract.sources).map((name) => [name, snapshot]));
  const resolved = resolveContract(contract, snapshots);
  return resolved.ok ? [] : asProblems(resolved.diagnostics);
}

function assemble(selection: OnboardingSelection, snapshot: SchemaSnapshot, checked: CheckedSelection, notes: string[]): Contract {
  const namespace = selection.namespace ?? defaultNamespace(selection.table);
  const object = selection.object_name ?? defaultObjectName(selection.table);
  const idArg = selection.id_arg ?? argNameForColumn(selection.primary_key);

  const visible = [selection.primary_key, ...selection.visible_columns.filter((c) => c !== selection.primary_key)];
  if (!selection.visible_columns.includes(selection.primary_key)) notes.push(`primary key '${selection.primary_key}' added to the visible columns`);

  const target: TargetConfig = {
    // MySQL configs name no schema when the table is in the connection's own database, so the
    // config keeps working against a staging copy under another database name.
    ...(snapshot.engine === "mysql" && checked.table.schema === snapshot.database ? {} : { schema: checked.table.schema }),
    table: selection.table,
    primary_key: selection.primary_key,
    tenant_key: selection.tenant_column,
  };
  const described: words.Described = { object, table: selection.table, primaryKey: selection.primary_key, idArg, visible };
  const idArgConfig = idArgument(checked.column(selection.primary_key));
  const common = { source: DEFAULT_SOURCE_NAME, target };
  const shown = { visible_columns: visible, evidence: "required" as const };

  const capabilities: CapabilityConfig[] = [];
  const read: ReadCapabilityConfig = {
    name: selection.read_tool ?? toolNames.read(namespace, object),
    kind: "read",
    description: words.readDescription(described),
    returns_hint: words.readReturnsHint(described),
    ...common,
    args: { [idArg]: idArgConfig },
    lookup: { id_from_arg: idArg },
    ...shown,
    max_rows: 1,
  };
  capabilities.push(read);
  const derivedNames = [selection.read_tool, selection.proposal_tool].some((n) => n === undefined) || (selection.list_tool !== undefined && selection.list_tool.name === undefined);
  if (derivedNames && selection.namespace === undefined) notes.push(`namespace '${namespace}' derived from the table name`);
  if (derivedNames && selection.object_name === undefined) notes.push(`object name '${object}' derived from the table name`);

  if (selection.list_tool) capabilities.push(listCapability(selection, checked, described, common, shown, namespace));

  const executors: Record<string, ExecutorConfig> = {};
  if (selection.mode === "review") {
    const writeback = selection.writeback ?? { type: "sql_update" };
    const [executorName, executor] = executorFor(writeback);
    executors[executorName] = executor;
    capabilities.push(proposalCapability(selection, checked, described, common, shown, idArg, idArgConfig, namespace, object, executorName));
  } else if (selection.writeback !== undefined) {
    notes.push("the writeback choice is ignored in read_only mode (there is nothing to apply)");
  }

  const contract: Contract = {
    version: 1,
    mode: selection.mode,
    storage: { sqlite_path: selection.store_path ?? DEFAULT_STORE_PATH },
    sources: {
      [DEFAULT_SOURCE_NAME]: {
        engine: selection.engine,
        read_url_env: selection.read_url_env,
        // A handler applies changes itself, so the source stays read-only unless a writer was named.
        ...(selection.write_url_env !== undefined ? { write_url_env: selection.write_url_env } : {}),
      },
    },
    trusted_context: { provider: "environment", values: { tenant_id_env: selection.tenant_env, principal_env: selection.principal_env } },
    ...(Object.keys(executors).length > 0 ? { executors } : {}),
    capabilities,
    build: {
      out_dir: selection.out_dir ?? DEFAULT_OUT_DIR,
      ...(selection.schema_snapshot !== undefined ? { schema_snapshot: selection.schema_snapshot } : {}),
    },
  };
  return contract;
}

type Common = Pick<ReadCapabilityConfig, "source" | "target">;
type Shown = Pick<ReadCapabilityConfig, "visible_columns" | "evidence">;

/** The key argument: typed from the column; an id is looked up, never written, so enum labels add nothing. */
function idArgument(column: ColumnInfo): ArgConfig {
  const arg = argForColumn(column, words.argDescription(column.name, "id"), undefined);
  if (arg.type !== "string") return arg;
  const { enum: _labels, ...rest } = arg;
  return { ...rest, max_length: column.max_length ?? ID_MAX_LENGTH };
}

/** A key stored as unbounded text still gets a limit a reviewer can read. */
const ID_MAX_LENGTH = 256;

function proposalCapability(
  selection: OnboardingSelection,
  checked: CheckedSelection,
  described: words.Described,
  common: Common,
  shown: Shown,
  idArg: string,
  idArgConfig: ArgConfig,
  namespace: string,
  object: string,
  executorName: string,
): ProposalCapabilityConfig {
  const args: Record<string, ArgConfig> = { [idArg]: idArgConfig };
  const patch: ProposalCapabilityConfig["patch"] = {};
  const bounds = selection.patch_bounds ?? {};
  for (const p of checked.patches) {
    if ("fixed" in p) {
      patch[p.column.name] = { fixed: p.fixed };
    } else {
      patch[p.column.name] = { from_arg: p.arg };
      args[p.arg] = argForColumn(p.column, words.argDescription(p.column.name, "patch"), bounds[p.column.name]);
    }
  }
  const patchedColumns = checked.patches.map((p) => p.column.name);
  const proposal: ProposalCapabilityConfig = {
    name: selection.proposal_tool ?? toolNames.proposal(namespace, object),
    kind: "proposal",
    description: words.proposalDescription(
      described,
      checked.patches.map((p) => ("fixed" in p ? { column: p.column.name, fixed: p.fixed } : { column: p.column.name, arg: p.arg })),
      Object.fromEntries(Object.entries(checked.guards).map(([c, g]) => [c, g.from])),
      checked.preconditions,
    ),
    returns_hint: words.proposalReturnsHint(described, patchedColumns),
    ...common,
    args,
    lookup: { id_from_arg: idArg },
    ...shown,
    max_rows: 1,
    patch,
    allowed_columns: selection.allowed_columns ?? patchedColumns,
  };
  if (Object.keys(bounds).length > 0) proposal.numeric_bounds = structuredClone(bounds);
  if (Object.keys(checked.guards).length > 0) {
    proposal.transition_guards = Object.fromEntries(Object.entries(checked.guards).map(([c, g]) => [c, { from: g.from, to: [g.to] }]));
  }
  if (selection.conflict_column !== undefined) proposal.conflict_guard = { column: selection.conflict_column };
  if (Object.keys(checked.preconditions).length > 0) {
    proposal.preconditions = Object.fromEntries(Object.entries(checked.preconditions).map(([c, values]) => [c, { one_of: values }]));
  }
  proposal.approval = { mode: "human", ...(selection.approval_role !== undefined ? { required_role: selection.approval_role } : {}) };
  proposal.executor = executorName;
  return proposal;
}

function listCapability(
  selection: OnboardingSelection,
  checked: CheckedSelection,
  described: words.Described,
  common: Common,
  shown: Shown,
  namespace: string,
): ReadCapabilityConfig {
  const list = selection.list_tool!;
  const maxRows = Math.min(list.max_rows ?? DEFAULT_LIST_ROWS, MAX_LIST_ROWS);
  const args: Record<string, ArgConfig> = {};
  const filters = list.filters.map((column) => {
    const arg = argNameForColumn(column);
    args[arg] = argForColumn(checked.column(column), words.argDescription(column, "filter"), undefined);
    return { column, from_arg: arg };
  });
  const order = list.order_by?.map((o) => `${o.column} ${o.direction === "desc" ? "descending" : "ascending"}`).join(", ");
  return {
    name: list.name ?? toolNames.list(namespace, selection.table),
    kind: "read",
    description: words.listDescription(described, list.filters, order, maxRows),
    returns_hint: words.listReturnsHint(described, maxRows),
    ...common,
    ...(filters.length > 0 ? { args } : {}),
    lookup: { filters, ...(list.order_by && list.order_by.length > 0 ? { order_by: list.order_by.map((o) => ({ ...o })) } : {}) },
    ...shown,
    max_rows: maxRows,
  };
}

/** The executor a writeback choice declares, under a name that says what it is. */
export function executorFor(writeback: WritebackChoice): [string, ExecutorConfig] {
  switch (writeback.type) {
    case "sql_update":
      return ["direct_sql", { type: "sql_update" }];
    case "http_handler":
      return [
        "app_http_handler",
        {
          type: "http_handler",
          url_env: writeback.url_env,
          ...(writeback.token_env !== undefined ? { auth: { type: "bearer_env" as const, token_env: writeback.token_env } } : {}),
        },
      ];
    case "command_handler":
      return ["app_command_handler", { type: "command_handler", command_env: writeback.command_env }];
  }
}
