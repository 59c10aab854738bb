// `synapsor-runner inspect`: read a live schema and print it, or save it as the snapshot builds use.
// The URL only ever comes from an env var named by --from-env; it is never a flag or printed.

import { Option, type Command } from "commander";
import { findTenantRoot, inspectDatabase, type TenantRoot } from "../compiler/inspect/index.ts";
import { snapshotJson, writeSnapshotFile } from "../compiler/inspect/snapshot-file.ts";
import type { ColumnInfo, SchemaSnapshot, TableInfo } from "../compiler/inspect/snapshot.ts";
import { terminalName, terminalSafe, terminalSafeJson, terminalValue } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT, printJson, readEnvVar } from "./program.ts";

interface InspectFlags {
  engine: "auto" | "postgres" | "mysql";
  fromEnv: string;
  schema?: string;
  json?: boolean;
  output?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DEFAULT_SNAPSHOT_FILE = "synapsor.schema.json";

export function register(program: Command): void {
  program
    .command("inspect")
    .description("Inspect a live Postgres or MySQL schema: tables, views, columns, enum labels, keys and suggested tenant/version columns")
    .addOption(new Option("--engine <engine>", "database engine").choices(["auto", "postgres", "mysql"]).default("auto"))
    .requiredOption("--from-env <VAR>", "name of the environment variable holding the database URL")
    .option("--schema <name>", "Postgres: only this schema; MySQL: this database instead of the URL's")
    .option("--json", "print the schema snapshot as JSON (with --output: a JSON summary of what was written)")
    .option("--output <file>", `write the schema snapshot JSON to this file (e.g. ${DEFAULT_SNAPSHOT_FILE}) and print one summary line`)
    .action(async (flags: InspectFlags) => {
      await runInspect(flags);
    });
}

async function runInspect(flags: InspectFlags): Promise<void> {
  // Someone pasting the URL here would otherwise see it echoed in the "not set" message.
  if (!ENV_NAME.test(flags.fromEnv)) {
    throw new CliError("--from-env takes the NAME of an environment variable that holds the URL (e.g. DATABASE_URL), not the URL itself.");
  }
  const url = readEnvVar(flags.fromEnv, "the database URL to inspect (postgres://… or mysql://…)");
  const outcome = await inspectDatabase({
    engine: flags.engine,
    url,
    urlEnvName: flags.fromEnv,
    ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
  });
  if (!outcome.ok) throw new CliError(outcome.message, EXIT.environment);
  const snapshot = outcome.snapshot;

  if (flags.output !== undefined) {
    let written: string;
    try {
      written = await writeSnapshotFile(flags.output, snapshot);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new CliError(`could not write ${flags.output}${typeof code === "string" ? ` (${code})` : ""}`, EXIT.environment);
    }
    // The file is the snapshot; echoing it too would bury the one line that says where it went.
    // With --json, the summary is a JSON object, so a script reads the path without parsing prose.
    const views = snapshot.tables.filter((t) => t.kind === "view").length;
    if (flags.json) {
      printJson({ output: written, tables: snapshot.tables.length - views, views });
    } else {
      const what = `${count(snapshot.tables.length - views, "table")}, ${count(views, "view")}`;
      process.stdout.write(terminalSafe(`Wrote the schema snapshot (${what}) to ${written}`) + "\n");
    }
    return;
  }
  if (flags.json) {
    process.stdout.write(terminalSafeJson(snapshotJson(snapshot)));
    return;
  }
  process.stdout.write(formatSummary(snapshot, flags));
}

/**
 * The human summary. Every name and type comes from the database's catalog, which anyone with DDL
 * rights there controls: names are shown by terminalName (quoted when not a plain identifier),
 * types by terminalValue, and every line is guarded, so a name cannot redraw or reorder the report.
 */
function formatSummary(snapshot: SchemaSnapshot, flags: InspectFlags): string {
  const views = snapshot.tables.filter((t) => t.kind === "view").length;
  const lines = [
    `${snapshot.engine} database ${JSON.stringify(snapshot.database)}: ${count(snapshot.tables.length - views, "table")}, ${count(views, "view")}`,
  ];
  if (snapshot.tables.length === 0) {
    lines.push(flags.schema !== undefined ? `No tables or views in schema ${JSON.stringify(flags.schema)}.` : "No tables or views found.");
  }
  const root = findTenantRoot(snapshot.tables);
  if (root !== undefined) lines.push(tenantRootLine(root));
  for (const table of snapshot.tables) lines.push("", ...formatTable(table));
  const schemaFlag = flags.schema !== undefined ? ` --schema ${flags.schema}` : "";
  lines.push(
    "",
    `Save this as a snapshot for builds: synapsor-runner inspect --from-env ${flags.fromEnv}${schemaFlag} --output ${DEFAULT_SNAPSHOT_FILE}`,
  );
  return lines.map(terminalSafe).join("\n") + "\n";
}

function formatTable(table: TableInfo): string[] {
  const pk = new Set(table.primary_key);
  const names = (list: readonly string[]) => list.map(terminalName).join(", ");
  const shown = table.columns.map((c) => ({ name: terminalName(c.name), type: terminalValue(c.data_type), notes: columnNotes(c, pk).join(", ") }));
  const nameWidth = Math.max(...shown.map((c) => c.name.length), 4);
  const typeWidth = Math.max(...shown.map((c) => c.type.length), 4);
  const lines = [`${table.kind} ${terminalName(table.schema)}.${terminalName(table.name)}`];
  shown.forEach((column, i) => {
    lines.push(`  ${column.name.padEnd(nameWidth)}  ${column.type.padEnd(typeWidth)}  ${column.notes}`.trimEnd());
    const labels = table.columns[i]!.enum_values;
    if (labels !== undefined) lines.push(`      values: ${enumLabels(labels)}`);
  });
  lines.push(`  primary key: ${table.primary_key.length > 0 ? names(table.primary_key) : "(none)"}`);
  for (const fk of table.foreign_keys) {
    const ref = fk.references;
    lines.push(`  foreign key: (${names(fk.columns)}) -> ${terminalName(ref.schema)}.${terminalName(ref.table)} (${names(ref.columns)})`);
  }
  const suggested = (name: string | null | undefined) => (name ? terminalName(name) : "(none found)");
  lines.push(`  suggested tenant key: ${suggested(table.suggestions.tenant_key)}`);
  lines.push(`  suggested version column: ${suggested(table.suggestions.version_column)}`);
  return lines;
}

function tenantRootLine(root: TenantRoot): string {
  return (
    `Tenant root: ${terminalName(root.schema)}.${terminalName(root.table)} ` +
    `(a NOT NULL foreign key ${terminalName(root.column)} points at it from ${root.referencedBy} of ${root.otherTables} other tables)`
  );
}

// Labels are untrusted text: each is shown JSON-quoted (a comma or quote inside one stays
// readable) and escaped; a very long list is cut, the snapshot file has them all.
const SHOWN_LABELS = 20;
function enumLabels(labels: readonly string[]): string {
  if (labels.length === 0) return "(none)";
  const shown = labels.slice(0, SHOWN_LABELS).map((label) => terminalSafe(JSON.stringify(label)));
  const more = labels.length - shown.length;
  return shown.join(", ") + (more > 0 ? `, … (${more} more)` : "");
}

function columnNotes(column: ColumnInfo, pk: ReadonlySet<string>): string[] {
  const notes: string[] = [column.type_class, column.nullable ? "null" : "not null"];
  if (pk.has(column.name)) notes.push("primary key");
  if (column.generated) notes.push("generated");
  else if (column.has_default) notes.push("default");
  return notes;
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
