// `init` flags → an onboarding selection. The list flags have small grammars of their own
// (`col=fixed:V,col=arg:NAME`, `col=MIN:MAX`, `col=A|B:TO`, `col=A|B`, `col[:asc|desc]`); every
// mistake is collected with the flag it came from. Keys and columns the person left out are taken
// from the inspected table (its primary key, the suggested tenant and version columns), and each
// guess is reported as a note so nothing is decided silently.

import { UNSAFE_CLASS, terminalSafe } from "../../runtime/text/terminal-safe.ts";
import type { Engine, Mode, Scalar } from "../../compiler/config/contract.ts";
import { DEFAULT_PRINCIPAL_ENV, DEFAULT_TENANT_ENV } from "../../compiler/config/contract.ts";
import type { SchemaSnapshot, TableInfo } from "../../compiler/inspect/snapshot.ts";
import { closest } from "../../compiler/config/suggest.ts";
import type { SelectionProblem } from "./problems.ts";
import type { ListToolChoice, OnboardingSelection, PatchChoice, WritebackChoice } from "./selection.ts";

/** The flags as commander hands them over (strings; list flags unparsed). */
export interface InitFlags {
  engine?: "auto" | Engine;
  schema?: string;
  table?: string;
  namespace?: string;
  objectName?: string;
  mode?: Mode;
  visibleColumns?: string;
  allowedColumns?: string;
  tenantColumn?: string;
  primaryKey?: string;
  conflictColumn?: string;
  idArg?: string;
  patch?: string;
  patchBounds?: string;
  statusGuards?: string;
  readTool?: string;
  proposalTool?: string;
  listTool?: string | boolean;
  filters?: string;
  orderBy?: string;
  maxRows?: string;
  writeback?: WritebackChoice["type"];
  handlerUrlEnv?: string;
  handlerTokenEnv?: string;
  handlerCommandEnv?: string;
  writeUrlEnv?: string;
  tenantEnv?: string;
  principalEnv?: string;
  preconditions?: string;
}

/** Context the flags do not carry: where the schema came from, and what an existing config (--append) already says. */
export interface FlagContext {
  readUrlEnv: string;
  schemaSnapshot?: string;
  defaults?: { tenantEnv?: string; principalEnv?: string; writeUrlEnv?: string };
}

export type FlagOutcome = { ok: true; selection: OnboardingSelection; notes: string[] } | { ok: false; problems: SelectionProblem[] };

type Report = (flag: string, message: string, fix: string) => void;

/** "a, b,c" → ["a","b","c"]; empty items are dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Splits `col=rest` at the first "=", so values may contain "=" but column names may not. */
function keyed(item: string): [string, string] | undefined {
  const at = item.indexOf("=");
  if (at <= 0) return undefined;
  return [item.slice(0, at).trim(), item.slice(at + 1)];
}

export function parsePatch(text: string, report: Report): Record<string, PatchChoice> {
  const out: Record<string, PatchChoice> = {};
  for (const item of splitList(text)) {
    const pair = keyed(item);
    const how = pair ? /^(fixed|arg):(.*)$/s.exec(pair[1]) : null;
    if (!pair || !how) {
      report("--patch", `'${item}' is not of the form col=fixed:VALUE or col=arg:NAME.`, "Write e.g. --patch status=fixed:cancelled,cancel_reason=arg:reason.");
      continue;
    }
    const [column] = pair;
    if (column in out) {
      report("--patch", `Column '${column}' is patched twice.`, "Give each column one mapping.");
      continue;
    }
    // Fixed values stay text here; the generator types them from the column (an integer column gets 3, not "3").
    out[column] = how[1] === "fixed" ? { fixed: how[2]! } : { from_arg: how[2]!.trim() };
  }
  return out;
}

export function parseBounds(text: string, report: Report): Record<string, { minimum?: number; maximum?: number }> {
  const out: Record<string, { minimum?: number; maximum?: number }> = {};
  for (const item of splitList(text)) {
    const pair = keyed(item);
    const range = pair ? /^\s*(-?[\d.]*)\s*:\s*(-?[\d.]*)\s*$/.exec(pair[1]) : null;
    const min = range?.[1] ? Number(range[1]) : undefined;
    const max = range?.[2] ? Number(range[2]) : undefined;
    if (!pair || !range || (min === undefined && max === undefined) || Number.isNaN(min) || Number.isNaN(max)) {
      report("--patch-bounds", `'${item}' is not of the form col=MIN:MAX.`, "Write e.g. --patch-bounds duration_minutes=5:120 (leave one side empty for no limit: col=0:).");
      continue;
    }
    out[pair[0]] = { ...(min !== undefined ? { minimum: min } : {}), ...(max !== undefined ? { maximum: max } : {}) };
  }
  return out;
}

export function parseStatusGuards(text: string, report: Report): Record<string, { from: Scalar[]; to: Scalar }> {
  const out: Record<string, { from: Scalar[]; to: Scalar }> = {};
  for (const item of splitList(text)) {
    const pair = keyed(item);
    const at = pair ? pair[1].lastIndexOf(":") : -1;
    const from = pair && at > 0 ? pair[1].slice(0, at).split("|").map((s) => s.trim()).filter((s) => s !== "") : [];
    const to = pair && at > 0 ? pair[1].slice(at + 1).trim() : "";
    if (!pair || from.length === 0 || to === "") {
      report("--status-guards", `'${item}' is not of the form col=FROM:TO.`, "Write e.g. --status-guards status=scheduled|checked_in:cancelled.");
      continue;
    }
    out[pair[0]] = { from, to };
  }
  return out;
}

export function parsePreconditions(text: string, report: Report): Record<string, Scalar[]> {
  const out: Record<string, Scalar[]> = {};
  for (const item of splitList(text)) {
    const pair = keyed(item);
    const values = pair ? pair[1].split("|").map((s) => s.trim()).filter((s) => s !== "") : [];
    if (!pair || values.length === 0) {
      report("--preconditions", `'${item}' is not of the form col=A|B.`, "Write e.g. --preconditions status=scheduled|checked_in.");
      continue;
    }
    out[pair[0]] = values;
  }
  return out;
}

export function parseOrderBy(text: string, report: Report): Array<{ column: string; direction: "asc" | "desc" }> {
  const out: Array<{ column: string; direction: "asc" | "desc" }> = [];
  for (const item of splitList(text)) {
    const m = /^(.+?)(?::(asc|desc))?$/i.exec(item);
    if (!m) {
      report("--order-by", `'${item}' is not of the form col[:asc|desc].`, "Write e.g. --order-by scheduled_at:desc.");
      continue;
    }
    out.push({ column: m[1]!.trim(), direction: (m[2]?.toLowerCase() as "asc" | "desc" | undefined) ?? "asc" });
  }
  return out;
}

/** The table the flags name, found in the snapshot (schema given or guessed), or a problem. */
export function chooseTable(snapshot: SchemaSnapshot, flags: Pick<InitFlags, "schema" | "table">, report: Report): TableInfo | undefined {
  if (flags.table === undefined) {
    report("--table", "No table was chosen.", `Pass --table NAME (tables: ${tableNames(snapshot).slice(0, 20).join(", ") || "none found"}).`);
    return undefined;
  }
  const matches = snapshot.tables.filter((t) => t.name === flags.table && (flags.schema === undefined || t.schema === flags.schema));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const preferred = matches.find((t) => t.schema === "public");
    if (preferred) return preferred;
    report("--schema", `Table '${flags.table}' exists in several schemas (${matches.map((t) => t.schema).join(", ")}).`, "Pass --schema to choose one.");
    return undefined;
  }
  const guess = closest(flags.table, tableNames(snapshot));
  report("--table", `Table '${flags.table}' does not exist${flags.schema ? ` in schema '${flags.schema}'` : ""}.`, guess ? `Did you mean '${guess}'?` : `Use one of: ${tableNames(snapshot).slice(0, 20).join(", ")}.`);
  return undefined;
}

function tableNames(snapshot: SchemaSnapshot): string[] {
  return [...new Set(snapshot.tables.map((t) => t.name))];
}

/** Columns a person would not want a model to read by default. */
const LIKELY_SECRET_COLUMN = /pass(word)?|secret|token|hash|salt|api_?key|ssn/i;
/** A name holding a control, line-break, bidi or invisible character. */
const UNSAFE_NAME = new RegExp(UNSAFE_CLASS, "u");

export function selectionFromFlags(flags: InitFlags, snapshot: SchemaSnapshot, context: FlagContext): FlagOutcome {
  const problems: SelectionProblem[] = [];
  const notes: string[] = [];
  const report: Report = (field, message, fix) => problems.push({ field, message, fix });

  if (flags.engine !== undefined && flags.engine !== "auto" && flags.engine !== snapshot.engine) {
    report("--engine", `--engine ${flags.engine} was given, but the schema comes from ${snapshot.engine}.`, `Pass --engine ${snapshot.engine} or auto.`);
  }
  const table = chooseTable(snapshot, flags, report);
  if (!table) return { ok: false, problems };

  const patch = flags.patch !== undefined ? parsePatch(flags.patch, report) : undefined;
  const statusGuards = flags.statusGuards !== undefined ? parseStatusGuards(flags.statusGuards, report) : undefined;
  const patchBounds = flags.patchBounds !== undefined ? parseBounds(flags.patchBounds, report) : undefined;
  const preconditions = flags.preconditions !== undefined ? parsePreconditions(flags.preconditions, report) : undefined;

  const changes = Object.keys(patch ?? {}).length + Object.keys(statusGuards ?? {}).length > 0;
  const mode: Mode = flags.mode ?? (changes ? "review" : "read_only");
  if (flags.mode === undefined) notes.push(`mode ${mode} (${changes ? "a patch was given" : "no patch was given"}; pass --mode to choose)`);
  if (mode === "read_only" && changes) {
    report("--mode", "A patch or status guard was given in read_only mode, where no proposal tool exists.", "Pass --mode review, or drop --patch and --status-guards.");
  }

  const primaryKey = flags.primaryKey ?? guessPrimaryKey(table, flags.tenantColumn);
  if (primaryKey === undefined) {
    report("--primary-key", `${table.name} has no single-column primary key to use.`, "Pass --primary-key COLUMN (a column whose value is unique per row).");
  } else if (flags.primaryKey === undefined) notes.push(`primary key '${terminalSafe(primaryKey)}' taken from the table`);

  const tenantColumn = flags.tenantColumn ?? table.suggestions.tenant_key;
  if (tenantColumn === undefined) {
    report("--tenant-column", `No tenant column was given and none was recognised in ${table.name}.`, `Pass --tenant-column COLUMN, the column that scopes rows to one customer (columns: ${table.columns.map((c) => c.name).join(", ")}).`);
  } else if (flags.tenantColumn === undefined) notes.push(`tenant column '${terminalSafe(tenantColumn)}' guessed from its name; pass --tenant-column to choose another`);

  let conflictColumn = flags.conflictColumn;
  if (conflictColumn === undefined && mode === "review" && table.suggestions.version_column !== undefined) {
    conflictColumn = table.suggestions.version_column;
    notes.push(`conflict column '${terminalSafe(conflictColumn)}' guessed from its name; pass --conflict-column to choose another`);
  }

  let visible = flags.visibleColumns !== undefined ? splitList(flags.visibleColumns) : undefined;
  if (visible === undefined) {
    // A name with control, bidi or invisible characters would land in the descriptions the model
    // reads; such a column is shown only when named in --visible-columns.
    const unsafeNamed = table.columns.filter((c) => UNSAFE_NAME.test(c.name)).length;
    visible = table.columns.filter((c) => c.type_class !== "binary" && !LIKELY_SECRET_COLUMN.test(c.name) && !UNSAFE_NAME.test(c.name)).map((c) => c.name);
    const hidden = table.columns.length - visible.length;
    const why = unsafeNamed > 0 ? `binary, secret-looking or with control, bidi or invisible characters in the name (${unsafeNamed})` : "binary or secret-looking";
    notes.push(`visible columns: all ${visible.length} columns${hidden > 0 ? ` (${hidden} ${why} column(s) left out)` : ""}; pass --visible-columns to show fewer`);
  }

  const writeback = writebackFromFlags(flags, mode, report);
  const listTool = listToolFromFlags(flags, report);
  if (problems.length > 0 || primaryKey === undefined || tenantColumn === undefined) return { ok: false, problems };

  const writeUrlEnv = flags.writeUrlEnv ?? (writeback === undefined || writeback.type === "sql_update" ? context.defaults?.writeUrlEnv : undefined);
  const selection: OnboardingSelection = {
    version: 1,
    engine: snapshot.engine,
    mode,
    read_url_env: context.readUrlEnv,
    ...(writeUrlEnv !== undefined ? { write_url_env: writeUrlEnv } : {}),
    schema: table.schema,
    table: table.name,
    primary_key: primaryKey,
    tenant_column: tenantColumn,
    ...(conflictColumn !== undefined ? { conflict_column: conflictColumn } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.objectName !== undefined ? { object_name: flags.objectName } : {}),
    ...(flags.idArg !== undefined ? { id_arg: flags.idArg } : {}),
    ...(flags.readTool !== undefined ? { read_tool: flags.readTool } : {}),
    ...(flags.proposalTool !== undefined ? { proposal_tool: flags.proposalTool } : {}),
    ...(listTool !== undefined ? { list_tool: listTool } : {}),
    visible_columns: visible,
    ...(flags.allowedColumns !== undefined ? { allowed_columns: splitList(flags.allowedColumns) } : {}),
    ...(patch !== undefined && Object.keys(patch).length > 0 ? { patch } : {}),
    ...(patchBounds !== undefined ? { patch_bounds: patchBounds } : {}),
    ...(statusGuards !== undefined ? { status_guards: statusGuards } : {}),
    ...(preconditions !== undefined ? { preconditions } : {}),
    ...(writeback !== undefined && mode === "review" ? { writeback } : {}),
    tenant_env: flags.tenantEnv ?? context.defaults?.tenantEnv ?? DEFAULT_TENANT_ENV,
    principal_env: flags.principalEnv ?? context.defaults?.principalEnv ?? DEFAULT_PRINCIPAL_ENV,
    ...(context.schemaSnapshot !== undefined ? { schema_snapshot: context.schemaSnapshot } : {}),
  };
  return { ok: true, selection, notes };
}

/** The table's key; with a composite (tenant, id) key, the part that is not the tenant column. */
function guessPrimaryKey(table: TableInfo, tenantColumn: string | undefined): string | undefined {
  const key = table.primary_key.filter((k) => k !== (tenantColumn ?? table.suggestions.tenant_key));
  return key.length === 1 ? key[0] : undefined;
}

function writebackFromFlags(flags: InitFlags, mode: Mode, report: Report): WritebackChoice | undefined {
  const type = flags.writeback;
  const handlerFlags = flags.handlerUrlEnv ?? flags.handlerTokenEnv ?? flags.handlerCommandEnv;
  if (type === undefined) {
    if (handlerFlags !== undefined) report("--writeback", "Handler variables were given without --writeback.", "Add --writeback http_handler or --writeback command_handler.");
    return undefined;
  }
  if (mode === "read_only") {
    report("--writeback", "--writeback was given in read_only mode, where nothing is written.", "Pass --mode review with a --patch, or drop --writeback.");
    return undefined;
  }
  if (type === "http_handler") {
    if (flags.handlerUrlEnv === undefined) {
      report("--handler-url-env", "--writeback http_handler needs the variable holding the handler's URL.", "Pass --handler-url-env NAME, e.g. APP_WRITEBACK_URL.");
      return undefined;
    }
    return { type, url_env: flags.handlerUrlEnv, ...(flags.handlerTokenEnv !== undefined ? { token_env: flags.handlerTokenEnv } : {}) };
  }
  if (type === "command_handler") {
    if (flags.handlerCommandEnv === undefined) {
      report("--handler-command-env", "--writeback command_handler needs the variable holding the handler's command line.", "Pass --handler-command-env NAME, e.g. APP_WRITEBACK_COMMAND.");
      return undefined;
    }
    return { type, command_env: flags.handlerCommandEnv };
  }
  return { type: "sql_update" };
}

function listToolFromFlags(flags: InitFlags, report: Report): ListToolChoice | undefined {
  const asked = flags.listTool !== undefined && flags.listTool !== false;
  if (!asked) {
    if (flags.filters !== undefined || flags.orderBy !== undefined || flags.maxRows !== undefined) {
      report("--list-tool", "--filters, --order-by and --max-rows shape a list tool, but --list-tool was not given.", "Add --list-tool (optionally with a name, e.g. --list-tool clinic.list_appointments).");
    }
    return undefined;
  }
  let maxRows: number | undefined;
  if (flags.maxRows !== undefined) {
    maxRows = Number(flags.maxRows);
    if (!/^\d+$/.test(flags.maxRows) || maxRows < 1 || maxRows > 100) {
      report("--max-rows", `--max-rows must be a whole number from 1 to 100.`, "Pass e.g. --max-rows 20.");
      maxRows = undefined;
    }
  }
  const orderBy = flags.orderBy !== undefined ? parseOrderBy(flags.orderBy, report) : undefined;
  return {
    ...(typeof flags.listTool === "string" ? { name: flags.listTool } : {}),
    filters: flags.filters !== undefined ? splitList(flags.filters) : [],
    ...(orderBy !== undefined && orderBy.length > 0 ? { order_by: orderBy } : {}),
    ...(maxRows !== undefined ? { max_rows: maxRows } : {}),
  };
}
