// The wizard's questions, one step per decision. Each step reads and fills the draft selection;
// `applies` says whether the step is asked at all (review-only steps in read_only mode), `done`
// whether its answers are already there (so after a revision only what became missing is asked).
// Every schema name or value put on screen goes through terminalName/terminalValue: whoever can
// run DDL on the database chooses them.

import type { Scalar } from "../../../compiler/config/contract.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../../../compiler/inspect/snapshot.ts";
import { terminalName, terminalValue } from "../../../runtime/text/terminal-safe.ts";
import type { OnboardingSelection, PatchChoice } from "../selection.ts";
import {
  argumentProblem,
  defaultNames,
  defaultVisibleColumns,
  envNameProblem,
  NUMERIC,
  parseValue,
  parseValues,
  patchableColumns,
  segmentProblem,
  toolNameProblem,
} from "./defaults.ts";
import { argNameForColumn } from "../naming.ts";
import type { Asker, Choice } from "./prompt.ts";

export type Draft = Partial<OnboardingSelection> & Pick<OnboardingSelection, "version" | "engine" | "read_url_env">;

export interface StepContext {
  ask: Asker;
  snapshot: SchemaSnapshot;
}

export interface Step {
  id: string;
  title: string;
  applies(d: Draft, ctx: StepContext): boolean;
  done(d: Draft): boolean;
  run(d: Draft, ctx: StepContext): Promise<void>;
}

const REVIEW_FIELDS = ["proposal_tool", "patch", "patch_bounds", "status_guards", "preconditions", "writeback", "write_url_env", "allowed_columns"] as const;
const TABLE_FIELDS = ["primary_key", "tenant_column", "conflict_column", "visible_columns", "namespace", "object_name", "id_arg", "read_tool", ...REVIEW_FIELDS] as const;

function schemasOf(snapshot: SchemaSnapshot): string[] {
  return [...new Set(snapshot.tables.map((t) => t.schema))];
}

export function tableOf(d: Draft, snapshot: SchemaSnapshot): TableInfo {
  const table = snapshot.tables.find((t) => t.schema === d.schema && t.name === d.table);
  if (!table) throw new Error("the wizard lost its table");
  return table;
}

function column(table: TableInfo, name: string): ColumnInfo {
  return table.columns.find((c) => c.name === name)!;
}

function columnChoice(c: ColumnInfo, note?: string): Choice<string> {
  const hint = [terminalValue(c.data_type), note].filter(Boolean).join(", ");
  return { label: terminalName(c.name), hint, value: c.name };
}

function clear(d: Draft, fields: readonly (keyof OnboardingSelection)[]): void {
  for (const f of fields) delete d[f];
}

const schemaStep: Step = {
  id: "schema",
  title: "schema",
  applies: (_d, ctx) => schemasOf(ctx.snapshot).length > 1,
  done: (d) => d.schema !== undefined,
  async run(d, { ask, snapshot }) {
    const schemas = schemasOf(snapshot);
    const previous = d.schema;
    d.schema = await ask.select(
      "Which schema?",
      schemas.map((s) => ({ label: terminalName(s), hint: `${snapshot.tables.filter((t) => t.schema === s).length} tables and views`, value: s })),
      Math.max(0, schemas.indexOf(previous ?? "")),
    );
    if (d.schema !== previous) clear(d, ["table", ...TABLE_FIELDS]);
  },
};

const tableStep: Step = {
  id: "table",
  title: "table",
  applies: () => true,
  done: (d) => d.table !== undefined,
  async run(d, { ask, snapshot }) {
    d.schema ??= schemasOf(snapshot)[0]!;
    const tables = snapshot.tables.filter((t) => t.schema === d.schema);
    const previous = d.table;
    d.table = await ask.select(
      "Which table should the model work with?",
      tables.map((t) => ({ label: terminalName(t.name), hint: `${t.kind}, ${t.columns.length} columns`, value: t.name })),
      Math.max(0, tables.findIndex((t) => t.name === previous)),
    );
    if (d.table !== previous) clear(d, TABLE_FIELDS);
  },
};

const NO_VERSION = "\u0000none";

const keysStep: Step = {
  id: "keys",
  title: "primary key, tenant key and version column",
  applies: () => true,
  done: (d) => d.primary_key !== undefined && d.tenant_column !== undefined,
  async run(d, { ask, snapshot }) {
    const table = tableOf(d, snapshot);
    const pkFirst = [...table.columns].sort((a, b) => Number(table.primary_key.includes(b.name)) - Number(table.primary_key.includes(a.name)));
    d.primary_key = await ask.select(
      "Primary key (identifies one row):",
      pkFirst.map((c) => columnChoice(c, table.primary_key.includes(c.name) ? "primary key" : undefined)),
      Math.max(0, pkFirst.findIndex((c) => c.name === d.primary_key)),
    );
    const tenantCandidates = table.columns.filter((c) => c.name !== d.primary_key);
    const tenantDefault = d.tenant_column ?? table.suggestions.tenant_key;
    d.tenant_column = await ask.select(
      "Tenant key (every query is scoped to the tenant in the server's environment):",
      tenantCandidates.map((c) => columnChoice(c, c.name === table.suggestions.tenant_key ? "suggested" : undefined)),
      Math.max(0, tenantCandidates.findIndex((c) => c.name === tenantDefault)),
    );
    const versionCandidates = table.columns.filter((c) => c.name !== d.primary_key && c.name !== d.tenant_column && ["timestamp", "integer", "bigint"].includes(c.type_class));
    const versionDefault = d.conflict_column ?? table.suggestions.version_column;
    const versionChoices: Array<Choice<string>> = [
      ...versionCandidates.map((c) => columnChoice(c, c.name === table.suggestions.version_column ? "suggested" : undefined)),
      { label: "(none)", hint: "no stale-row guard", value: NO_VERSION },
    ];
    const version = await ask.select(
      "Version column (a proposal is refused if the row changed since it was read):",
      versionChoices,
      Math.max(0, versionChoices.findIndex((c) => c.value === (versionDefault ?? NO_VERSION))),
    );
    if (version === NO_VERSION) delete d.conflict_column;
    else d.conflict_column = version;
  },
};

const columnsStep: Step = {
  id: "columns",
  title: "visible columns",
  applies: () => true,
  done: (d) => d.visible_columns !== undefined,
  async run(d, { ask, snapshot }) {
    const table = tableOf(d, snapshot);
    const chosen = new Set(d.visible_columns ?? defaultVisibleColumns(table));
    const candidates = table.columns.filter((c) => c.name !== d.primary_key);
    const picked = await ask.multiselect(
      `Columns the model may see (the primary key ${terminalName(d.primary_key!)} always is)`,
      candidates.map((c) => ({ ...columnChoice(c), selected: chosen.has(c.name) })),
      { allowNone: true },
    );
    d.visible_columns = [d.primary_key!, ...picked];
  },
};

const modeStep: Step = {
  id: "mode",
  title: "mode",
  applies: () => true,
  done: (d) => d.mode !== undefined,
  async run(d, { ask, snapshot }) {
    const table = tableOf(d, snapshot);
    // Review needs a table with at least one column a proposal may change; otherwise it is not offered.
    const why =
      table.kind === "view"
        ? "a view can only be read"
        : patchableColumns(table, { primary_key: d.primary_key!, tenant_column: d.tenant_column!, conflict_column: d.conflict_column }).length === 0
          ? "no column of this table can be changed by a proposal"
          : undefined;
    const choices: Array<Choice<"read_only" | "review">> = [
      { label: "read_only", hint: "the model can read scoped rows", value: "read_only" },
      ...(why === undefined ? [{ label: "review", hint: "the model can also propose changes a person approves", value: "review" as const }] : []),
    ];
    const previous = d.mode;
    d.mode = await ask.select(why === undefined ? "Mode:" : `Mode (${why}):`, choices, previous === "review" && why === undefined ? 1 : 0);
    if (d.mode === "read_only") clear(d, REVIEW_FIELDS);
  },
};

const namesStep: Step = {
  id: "names",
  title: "capability names",
  applies: () => true,
  done: (d) => d.read_tool !== undefined && (d.mode !== "review" || d.proposal_tool !== undefined),
  async run(d, { ask }) {
    const base = defaultNames(d.table!);
    d.namespace = await ask.input("Tool namespace:", { initial: d.namespace ?? base.namespace, validate: segmentProblem });
    d.object_name = await ask.input("Object name (one row is a …):", { initial: d.object_name ?? base.object_name, validate: segmentProblem });
    const names = defaultNames(d.table!, { namespace: d.namespace, object_name: d.object_name });
    d.read_tool = await ask.input("Read tool name:", { initial: keepIfSameNamespace(d.read_tool, d.namespace) ?? names.read_tool, validate: toolNameProblem });
    d.id_arg = await ask.input("Argument carrying the primary key:", { initial: d.id_arg ?? d.primary_key!, validate: argumentProblem });
    if (d.mode === "review") {
      d.proposal_tool = await ask.input("Proposal tool name:", {
        initial: keepIfSameNamespace(d.proposal_tool, d.namespace) ?? names.proposal_tool,
        validate: (t) => toolNameProblem(t) ?? (t === d.read_tool ? "Must differ from the read tool." : undefined),
      });
    }
  },
};

/** A tool name typed earlier survives a revision unless the namespace it was in changed. */
function keepIfSameNamespace(tool: string | undefined, namespace: string): string | undefined {
  return tool?.startsWith(`${namespace}.`) ? tool : undefined;
}

async function askValue(ask: Asker, c: ColumnInfo, message: string): Promise<Scalar> {
  if (c.enum_values && c.enum_values.length > 0) {
    return ask.select(message, c.enum_values.map((v) => ({ label: terminalValue(v), value: v })));
  }
  if (c.type_class === "boolean") return ask.select(message, [true, false].map((v) => ({ label: String(v), value: v })));
  const text = await ask.input(`${message} (${terminalValue(c.data_type)})`, { validate: (t) => { const p = parseValue(c, t); return p.ok ? undefined : p.problem; } });
  const parsed = parseValue(c, text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

async function askValues(ask: Asker, c: ColumnInfo, message: string): Promise<Scalar[]> {
  if (c.enum_values && c.enum_values.length > 0) return ask.multiselect(message, c.enum_values.map((v) => ({ label: terminalValue(v), value: v })));
  const text = await ask.input(`${message}, comma-separated (${terminalValue(c.data_type)})`, { validate: (t) => { const p = parseValues(c, t); return p.ok ? undefined : p.problem; } });
  const parsed = parseValues(c, text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.values;
}

const changesStep: Step = {
  id: "changes",
  title: "proposed changes (patch, bounds)",
  applies: (d) => d.mode === "review",
  done: (d) => d.patch !== undefined && Object.keys(d.patch).length > 0,
  async run(d, { ask, snapshot }) {
    const table = tableOf(d, snapshot);
    const candidates = patchableColumns(table, { primary_key: d.primary_key!, tenant_column: d.tenant_column!, conflict_column: d.conflict_column });
    const before = d.patch ?? {};
    const picked = await ask.multiselect(
      "Columns a proposal may change",
      candidates.map((c) => ({ ...columnChoice(c, c.enum_values ? "enum" : undefined), selected: c.name in before })),
    );
    const patch: Record<string, PatchChoice> = {};
    const bounds: NonNullable<OnboardingSelection["patch_bounds"]> = {};
    for (const name of picked) {
      const c = column(table, name);
      const how = await ask.select(`How does a proposal set ${terminalName(name)}?`, [
        { label: "from an argument the model passes", value: "arg" as const },
        { label: "to a fixed value", value: "fixed" as const },
      ], before[name] && "fixed" in before[name] ? 1 : 0);
      if (how === "fixed") {
        patch[name] = { fixed: await askValue(ask, c, `Fixed value for ${terminalName(name)}`) };
        continue;
      }
      const previousArg = before[name] && "from_arg" in before[name] ? before[name].from_arg : undefined;
      const arg = await ask.input(`Argument name for ${terminalName(name)}:`, {
        initial: previousArg ?? argNameForColumn(name),
        validate: (t) => argumentProblem(t) ?? (t === d.id_arg ? "The id argument already has this name." : Object.values(patch).some((p) => "from_arg" in p && p.from_arg === t) ? "Another column already uses this argument." : undefined),
      });
      patch[name] = { from_arg: arg };
      if (NUMERIC.has(c.type_class)) {
        const old = d.patch_bounds?.[name];
        const bound = (label: string, initial: number | undefined) =>
          ask.input(`${label} for ${terminalName(name)} (blank: none):`, {
            initial: initial === undefined ? "" : String(initial),
            validate: (t) => (t === "" || Number.isFinite(Number(t)) ? undefined : "Type a number, or leave it blank."),
          });
        const min = await bound("Minimum", old?.minimum);
        const max = await bound("Maximum", old?.maximum);
        if (min !== "" || max !== "") bounds[name] = { ...(min !== "" ? { minimum: Number(min) } : {}), ...(max !== "" ? { maximum: Number(max) } : {}) };
      }
    }
    d.patch = patch;
    if (Object.keys(bounds).length > 0) d.patch_bounds = bounds;
    else delete d.patch_bounds;
    // A guard on a column now patched directly would set it twice.
    for (const name of Object.keys(d.status_guards ?? {})) if (name in patch) delete d.status_guards![name];
  },
};

type GuardAction = "done" | "guard" | "precondition";

const guardsStep: Step = {
  id: "guards",
  title: "transition guards and preconditions",
  applies: (d) => d.mode === "review",
  done: (d) => d.status_guards !== undefined || d.preconditions !== undefined,
  async run(d, { ask, snapshot }) {
    const table = tableOf(d, snapshot);
    const guards: NonNullable<OnboardingSelection["status_guards"]> = {};
    const preconditions: NonNullable<OnboardingSelection["preconditions"]> = {};
    const enumFirst = (cs: ColumnInfo[]) => [...cs].sort((a, b) => Number(Boolean(b.enum_values)) - Number(Boolean(a.enum_values)));
    const taken = () => new Set([...Object.keys(guards), ...Object.keys(preconditions), ...Object.keys(d.patch ?? {})]);
    const poolFor = (action: "guard" | "precondition") =>
      enumFirst(
        (action === "guard"
          ? patchableColumns(table, { primary_key: d.primary_key!, tenant_column: d.tenant_column!, conflict_column: d.conflict_column })
          : table.columns.filter((c) => c.name !== d.primary_key && c.name !== d.tenant_column)
        ).filter((c) => !taken().has(c.name)),
      );
    for (;;) {
      const summary = [
        ...Object.entries(guards).map(([c, g]) => `${terminalName(c)}: ${g.from.map(show).join("|")} -> ${show(g.to)}`),
        ...Object.entries(preconditions).map(([c, v]) => `${terminalName(c)} is ${v.map(show).join("|")}`),
      ];
      // Only the kinds that still have a column to put them on are offered.
      const kinds: Array<Choice<GuardAction>> = [
        { label: "a transition guard", hint: "the column must hold one of some values; the proposal sets it to another", value: "guard" },
        { label: "a read-only precondition", hint: "the proposal is refused unless the column holds one of some values", value: "precondition" },
      ];
      const offered = kinds.filter((k) => poolFor(k.value as "guard" | "precondition").length > 0);
      if (offered.length === 0) break;
      const action: GuardAction = await ask.select(summary.length > 0 ? `Guards so far: ${summary.join("; ")}. Add another?` : "Add a guard on the row's current state?", [
        { label: "no more guards", value: "done" },
        ...offered,
      ]);
      if (action === "done") break;
      const candidates = poolFor(action);
      const name = await ask.select("Which column?", candidates.map((c) => columnChoice(c, c.enum_values ? "enum" : undefined)));
      const c = column(table, name);
      if (action === "guard") {
        const from = await askValues(ask, c, `Allowed current values of ${terminalName(name)}`);
        guards[name] = { from, to: await askValue(ask, c, `Value the proposal sets ${terminalName(name)} to`) };
      } else {
        preconditions[name] = await askValues(ask, c, `Values ${terminalName(name)} must hold`);
      }
    }
    d.status_guards = guards;
    d.preconditions = preconditions;
  },
};

function show(v: Scalar): string {
  return typeof v === "string" ? terminalValue(v) : String(v);
}

const executorStep: Step = {
  id: "executor",
  title: "executor (how an approved change is written)",
  applies: (d) => d.mode === "review",
  done: (d) => d.writeback !== undefined,
  async run(d, { ask }) {
    const type = await ask.select("How is an approved proposal written?", [
      { label: "sql_update", hint: "a guarded UPDATE through a separate writer URL", value: "sql_update" as const },
      { label: "http_handler", hint: "your application's HTTP endpoint applies it", value: "http_handler" as const },
      { label: "command_handler", hint: "a command you provide applies it", value: "command_handler" as const },
    ], ["sql_update", "http_handler", "command_handler"].indexOf(d.writeback?.type ?? "sql_update"));
    delete d.write_url_env;
    const env = (message: string, initial: string) =>
      ask.input(message, { initial, validate: (t) => envNameProblem(t) ?? (t === d.read_url_env ? "Must differ from the read URL's variable: the read credential never writes." : undefined) });
    if (type === "sql_update") {
      d.write_url_env = await env("Env var holding the writer URL:", "SYNAPSOR_DATABASE_WRITE_URL");
      d.writeback = { type };
    } else if (type === "http_handler") {
      const url_env = await env("Env var holding the handler URL:", "SYNAPSOR_HANDLER_URL");
      const token = await ask.input("Env var holding its bearer token (blank: none):", { initial: "SYNAPSOR_HANDLER_TOKEN", validate: (t) => (t === "" ? undefined : envNameProblem(t)) });
      d.writeback = { type, url_env, ...(token !== "" ? { token_env: token } : {}) };
    } else {
      d.writeback = { type, command_env: await env("Env var holding the handler command:", "SYNAPSOR_HANDLER_COMMAND") };
    }
  },
};

const contextStep: Step = {
  id: "context",
  title: "trusted tenant and principal env vars",
  applies: () => true,
  done: (d) => d.tenant_env !== undefined && d.principal_env !== undefined,
  async run(d, { ask }) {
    d.tenant_env = await ask.input("Env var the server reads the tenant id from:", { initial: d.tenant_env ?? "SYNAPSOR_TENANT_ID", validate: envNameProblem });
    d.principal_env = await ask.input("Env var naming who is acting (the principal):", {
      initial: d.principal_env ?? "SYNAPSOR_PRINCIPAL",
      validate: (t) => envNameProblem(t) ?? (t === d.tenant_env ? "Must differ from the tenant variable." : undefined),
    });
  },
};

export const STEPS: readonly Step[] = [schemaStep, tableStep, keysStep, columnsStep, modeStep, namesStep, changesStep, guardsStep, executorStep, contextStep];

/** The draft as a selection; undefined when a required answer is still missing. */
export function selectionOf(d: Draft): OnboardingSelection | undefined {
  if (!d.schema || !d.table || !d.primary_key || !d.tenant_column || !d.mode || !d.visible_columns || !d.tenant_env || !d.principal_env) return undefined;
  const s: OnboardingSelection = { ...d, schema: d.schema, table: d.table, primary_key: d.primary_key, tenant_column: d.tenant_column, mode: d.mode, visible_columns: d.visible_columns, tenant_env: d.tenant_env, principal_env: d.principal_env };
  for (const key of ["status_guards", "preconditions"] as const) if (s[key] && Object.keys(s[key]).length === 0) delete s[key];
  return s;
}
