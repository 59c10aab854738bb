// `synapsor-runner init`: writes synapsor.runner.json, .env.example (names only) and MCP client
// snippets from inspected metadata and the person's choices (explicit flags, --spec FILE, or
// --wizard). One generator (operator/onboard/generate.ts) turns every choice into the config and
// refuses what would not build, so a file is only written when `build` would accept it.

import { Option, type Command } from "commander";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { DEFAULT_STORE_PATH, type Contract } from "../compiler/config/contract.ts";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { engineFromUrl, inspectDatabase } from "../compiler/inspect/index.ts";
import { readSnapshotFile } from "../compiler/inspect/read-snapshot.ts";
import type { SchemaSnapshot } from "../compiler/inspect/snapshot.ts";
import { loadContract, planContract } from "../compiler/pipeline.ts";
import { buildHandlerStubs } from "../operator/handler-stub/stub.ts";
import { appendContract } from "../operator/onboard/append.ts";
import { contractProblems, generateContract } from "../operator/onboard/generate.ts";
import { selectionFromFlags, type InitFlags } from "../operator/onboard/flags.ts";
import { APPLY_ENV_EXAMPLE_FILE, ENV_EXAMPLE_FILE } from "../operator/onboard/env-example.ts";
import { DEFAULT_SNAPSHOT_FILE, SNIPPET_DIR, planOnboardingFiles } from "../operator/onboard/outputs.ts";
import { shellWord } from "../operator/smoke/summary.ts";
import type { SelectionProblem } from "../operator/onboard/problems.ts";
import type { OnboardingSelection } from "../operator/onboard/selection.ts";
import { readSelectionFile, selectionFile } from "../operator/onboard/spec.ts";
import { runWizard } from "../operator/onboard/wizard/index.ts";
import { writeAllOrNothing } from "../operator/onboard/write-files.ts";
import { terminalName, terminalSafe, terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { envNameOrRefuse } from "./env-name.ts";
import { CliError, EXIT, printJson, readEnvVar } from "./program.ts";

interface Flags extends InitFlags {
  fromEnv?: string;
  inspectionJson?: string;
  out: string;
  force?: boolean;
  nonInteractive?: boolean;
  append?: boolean;
  spec?: string;
  saveSpec?: string;
  json?: boolean;
  wizard?: boolean;
  emitHandler?: boolean;
}

const DEFAULT_CONFIG_FILE = "synapsor.runner.json";
/** The read variable a config gets when the schema came from a file and no --from-env named one. */
const DEFAULT_READ_URL_ENV = "DATABASE_URL";

/** Selection fields as init's flags spell them, so a problem names what to change on the command line. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  engine: "--engine",
  table: "--table",
  primary_key: "--primary-key",
  tenant_column: "--tenant-column",
  conflict_column: "--conflict-column",
  visible_columns: "--visible-columns",
  allowed_columns: "--allowed-columns",
  patch: "--patch",
  patch_bounds: "--patch-bounds",
  status_guards: "--status-guards",
  preconditions: "--preconditions",
  namespace: "--namespace",
  object_name: "--object-name",
  id_arg: "--id-arg",
  read_tool: "--read-tool",
  proposal_tool: "--proposal-tool",
  list_tool: "--list-tool",
  read_url_env: "--from-env",
  write_url_env: "--write-url-env",
  tenant_env: "--tenant-env",
  principal_env: "--principal-env",
  "writeback.url_env": "--handler-url-env",
  "writeback.token_env": "--handler-token-env",
  "writeback.command_env": "--handler-command-env",
  "list_tool.filters": "--filters",
  "list_tool.order_by": "--order-by",
  "list_tool.max_rows": "--max-rows",
};

/** The flag for a selection field, by its longest known prefix ("list_tool.filters.0" → --filters). */
function flagOf(field: string): string {
  const parts = field.split(".");
  for (let n = parts.length; n > 0; n--) {
    const flag = FLAG_OF_FIELD[parts.slice(0, n).join(".")];
    if (flag !== undefined) return flag;
  }
  return field;
}

export function register(program: Command): void {
  program
    .command("init")
    .description("Write synapsor.runner.json, .env.example and MCP client snippets for one table, from explicit flags, --spec FILE or --wizard")
    .option("--from-env <VAR>", "inspect the live database whose URL is in this env var (the snapshot is written too)")
    .option("--inspection-json <file>", "use a saved schema snapshot (from `inspect --json --output`) instead of connecting")
    .addOption(new Option("--engine <engine>", "database engine").choices(["auto", "postgres", "mysql"]))
    .option("--schema <name>", "Postgres schema (default: public, or the one schema holding the table); MySQL: the database")
    .option("--table <name>", "the table the capabilities read and change")
    .option("--namespace <name>", "tool namespace (default: from the table name)")
    .option("--object-name <name>", "singular object name in tool names (default: from the table name)")
    .addOption(new Option("--mode <mode>", "read_only: read tools; review: also a proposal tool (default: review when --patch is given)").choices(["read_only", "review"]))
    .option("--visible-columns <a,b,c>", "columns the model may see (the primary key is always added)")
    .option("--allowed-columns <a,b>", "columns a proposal may change (default: the patched columns)")
    .option("--tenant-column <col>", "the column that scopes rows to a tenant (default: the inspected suggestion)")
    .option("--primary-key <col>", "the row's key (default: the table's primary key)")
    .option("--conflict-column <col>", "timestamp or integer version column guarding against stale rows (default in review: the inspected suggestion)")
    .option("--id-arg <name>", "argument carrying the primary key (default: named after the primary key)")
    .option("--patch <col=fixed:V,col=arg:NAME>", "how each changed column gets its value")
    .option("--patch-bounds <col=MIN:MAX,…>", "numeric limits of patched columns")
    .option("--status-guards <col=FROM:TO,…>", "transition guard: the column must hold FROM (A|B for several) and is set to TO")
    .option("--preconditions <col=A|B,…>", "read-only preconditions: the row must hold one of these values")
    .option("--read-tool <ns.name>", "read tool name (default: NS.inspect_OBJECT)")
    .option("--proposal-tool <ns.name>", "proposal tool name (default: NS.propose_OBJECT_update)")
    .option("--list-tool [ns.name]", "also a list tool (default name: NS.list_TABLE)")
    .option("--filters <a,b>", "list tool: columns to filter on by equality (each a required argument)")
    .option("--order-by <col[:asc|desc],…>", "list tool: ordering")
    .option("--max-rows <n>", "list tool: rows at most, 1-100 (default 20)")
    .addOption(new Option("--writeback <type>", "who applies approved changes (default: sql_update)").choices(["sql_update", "http_handler", "command_handler"]))
    .option("--handler-url-env <VAR>", "http_handler: env var holding the handler URL")
    .option("--handler-token-env <VAR>", "http_handler: env var holding the bearer token")
    .option("--handler-command-env <VAR>", "command_handler: env var holding the command line")
    .option("--emit-handler", "also write a typed handler stub for the http_handler/command_handler executor into handlers/")
    .option("--write-url-env <VAR>", "env var holding a database URL that may write (sql_update)")
    .option("--tenant-env <VAR>", "env var holding the trusted tenant id (default SYNAPSOR_TENANT_ID)")
    .option("--principal-env <VAR>", "env var holding the trusted principal (default SYNAPSOR_PRINCIPAL)")
    .option("--out <file>", "the config file to write", DEFAULT_CONFIG_FILE)
    .option("--force", "overwrite files that already exist")
    .option("--non-interactive", "never prompt (init only prompts with --wizard)")
    .option("--append", "add the capabilities to the existing config at --out, keeping everything in it")
    .option("--spec <file>", "an onboarding selection (schemas/onboarding-selection.v1.schema.json) instead of the selection flags")
    .option("--save-spec <file>", "also write this run's choices as an onboarding selection, to run the same init again with --spec (its paths are relative to the config's directory)")
    .option("--wizard", "choose interactively, step by step, with a preview before anything is written")
    .option("--json", "print what was written as JSON records")
    .action(async (flags: Flags) => runInitReportingJson(flags));
}

/** A refusal of the selection: its problems, each with the flag or spec path and the fix. */
class InitRefusal extends CliError {
  readonly problems: readonly SelectionProblem[];
  constructor(message: string, problems: readonly SelectionProblem[]) {
    super(message);
    this.problems = problems;
  }
}

/** With --json a refusal is also a record on stdout, as `recipes init --json` prints one; the exit code stays the refusal's. */
async function runInitReportingJson(flags: Flags): Promise<void> {
  try {
    await runInit(flags);
  } catch (err) {
    if (flags.json && err instanceof CliError) {
      const problems = err instanceof InitRefusal ? err.problems : [{ message: err.message }];
      printJson({ ok: false, problems });
    }
    throw err;
  }
}

async function runInit(flags: Flags): Promise<void> {
  checkEnvFlags(flags);
  if (flags.wizard) {
    if (flags.nonInteractive) throw new CliError("--wizard asks questions and --non-interactive forbids them: choose one.");
    const { out, force, json, wizard: _w, spec: _s, saveSpec, ...rest } = flags;
    return runWizard({ flags: rest, out, force: force === true, json: json === true, ...(saveSpec !== undefined ? { saveSpec } : {}) });
  }
  if (flags.fromEnv !== undefined && flags.inspectionJson !== undefined) {
    throw new CliError("Pass either --from-env VAR (inspect the live database) or --inspection-json FILE (a saved snapshot), not both.");
  }
  const configPath = resolve(flags.out);
  const configDir = dirname(configPath);
  const existing = flags.append ? loadExisting(flags.out) : undefined;

  const spec = flags.spec !== undefined ? specSelection(flags) : undefined;
  const schema = await obtainSchema(flags, spec, existing, configDir);
  const notes: string[] = [];

  let selection: OnboardingSelection;
  if (spec) {
    selection = { ...spec, ...(schema.snapshotPath !== undefined && spec.schema_snapshot === undefined ? { schema_snapshot: schema.snapshotPath } : {}) };
  } else {
    const fromFlags = selectionFromFlags(flags, schema.snapshot, {
      readUrlEnv: flags.fromEnv ?? firstReadEnv(existing) ?? DEFAULT_READ_URL_ENV,
      ...(schema.snapshotPath !== undefined ? { schemaSnapshot: schema.snapshotPath } : {}),
      ...(existing ? { defaults: existingDefaults(existing) } : {}),
    });
    if (!fromFlags.ok) throw refusal(fromFlags.problems, "flags");
    selection = fromFlags.selection;
    notes.push(...fromFlags.notes);
    if (flags.fromEnv === undefined && !existing) notes.push(`the config reads through ${DEFAULT_READ_URL_ENV} (pass --from-env NAME to name another variable)`);
  }

  const generated = generateContract(selection, schema.snapshot);
  if (!generated.ok) throw refusal(generated.problems, spec ? "spec" : "flags");
  notes.push(...generated.notes);

  let contract: Contract = generated.contract;
  if (existing) {
    const merged = appendContract(existing, contract);
    if (!merged.ok) throw refusal(merged.problems, "flags");
    const invalid = contractProblems(merged.contract, schema.snapshot);
    if (invalid.length > 0) throw refusal(invalid, "flags");
    contract = merged.contract;
    notes.push(...merged.notes);
    // The snapshot the new capabilities were checked against is the one build will read.
    if (schema.snapshotPath !== undefined && contract.build?.schema_snapshot !== schema.snapshotPath) {
      contract = { ...contract, build: { ...contract.build, schema_snapshot: schema.snapshotPath } };
    }
  }

  const handlerStubs = flags.emitHandler ? handlerStubsFor(contract, schema.snapshot, configPath) : undefined;
  const files = planOnboardingFiles({
    configPath,
    contract,
    ...(schema.live ? { snapshot: schema.snapshot } : {}),
    ...(existing ? { append: true } : {}),
    ...(handlerStubs ? { handlerStubs } : {}),
  });
  if (flags.saveSpec !== undefined) files.push(selectionFile(flags.saveSpec, selection));
  const outcome = writeAllOrNothing(files, flags.force === true);
  if (!outcome.ok) {
    if ("existing" in outcome) {
      const list = outcome.existing.map((p) => `  ${terminalSafe(relative(process.cwd(), p) || p)}`).join("\n");
      throw new CliError(`Refusing to overwrite existing files (nothing was written):\n${list}\nPass --force to replace them, --append to add to the existing config, or --out to write elsewhere.`);
    }
    throw new CliError(`Could not write ${terminalSafe(outcome.failed)} (${terminalSafe(outcome.code)}); nothing was written.`, EXIT.environment);
  }

  const tools = contract.capabilities.map((c) => ({ name: c.name, kind: c.kind }));
  if (flags.json) {
    printJson({ ok: true, written: outcome.written.map((w) => ({ kind: w.kind, path: w.path })), tools, notes });
    return;
  }
  printSummary(flags.out, outcome.written, tools, notes, contract);
}

function checkEnvFlags(flags: Flags): void {
  const named: Array<[string, string | undefined]> = [
    ["--from-env", flags.fromEnv],
    ["--write-url-env", flags.writeUrlEnv],
    ["--tenant-env", flags.tenantEnv],
    ["--principal-env", flags.principalEnv],
    ["--handler-url-env", flags.handlerUrlEnv],
    ["--handler-token-env", flags.handlerTokenEnv],
    ["--handler-command-env", flags.handlerCommandEnv],
  ];
  for (const [flag, value] of named) if (value !== undefined) envNameOrRefuse(flag, value);
}

const SELECTION_FLAGS: ReadonlyArray<keyof Flags> = [
  "engine", "schema", "table", "namespace", "objectName", "mode", "visibleColumns", "allowedColumns", "tenantColumn", "primaryKey",
  "conflictColumn", "idArg", "patch", "patchBounds", "statusGuards", "readTool", "proposalTool", "listTool", "filters", "orderBy",
  "maxRows", "writeback", "handlerUrlEnv", "handlerTokenEnv", "handlerCommandEnv", "writeUrlEnv", "tenantEnv", "principalEnv", "preconditions",
];

function specSelection(flags: Flags): OnboardingSelection {
  // A spec is the whole selection: mixing in flags would make the file not say what was generated.
  const mixed = SELECTION_FLAGS.filter((k) => flags[k] !== undefined).map((k) => `--${String(k).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (mixed.length > 0) throw new CliError(`--spec holds the whole selection; ${mixed.join(", ")} cannot be combined with it. Put those choices in the spec file.`);
  const read = readSelectionFile(flags.spec!);
  if (!read.ok) throw refusal(read.problems, "spec");
  return read.selection;
}

interface SchemaChoice {
  snapshot: SchemaSnapshot;
  /** build.schema_snapshot for the config, relative to the config's directory. */
  snapshotPath?: string;
  /** Inspected now: the snapshot file is written with the config. */
  live: boolean;
}

async function obtainSchema(flags: Flags, spec: OnboardingSelection | undefined, existing: Contract | undefined, configDir: string): Promise<SchemaChoice> {
  if (flags.inspectionJson !== undefined) {
    const read = readSnapshotFile(flags.inspectionJson);
    if (!read.ok) throw new CliError(`${read.diagnostic.message}\n${read.diagnostic.fix}`);
    const named = existing?.build?.schema_snapshot;
    if (named !== undefined && resolve(configDir, named) !== resolve(flags.inspectionJson)) {
      return appendedSnapshot(named, read.snapshot, flags, spec, configDir);
    }
    return { snapshot: read.snapshot, snapshotPath: relativeToConfig(configDir, resolve(flags.inspectionJson)), live: false };
  }
  const liveEnv = flags.fromEnv ?? (spec && process.env[spec.read_url_env] ? spec.read_url_env : undefined);
  if (liveEnv !== undefined) {
    const url = readEnvVar(liveEnv, "the database URL to inspect (postgres://… or mysql://…)");
    const schema = flags.schema ?? spec?.schema;
    const inspected = await inspectDatabase({
      engine: flags.engine ?? spec?.engine ?? "auto",
      url,
      urlEnvName: liveEnv,
      // MySQL's "schema" is the URL's database unless one is named; Postgres reads every user schema so a misspelt one gets a suggestion.
      ...(schema !== undefined && engineFromUrl(url) === "mysql" ? { schema } : {}),
    });
    if (!inspected.ok) throw new CliError(inspected.message, EXIT.environment);
    const snapshotPath = existing?.build?.schema_snapshot ?? spec?.schema_snapshot ?? DEFAULT_SNAPSHOT_FILE;
    const previous = existing?.build?.schema_snapshot !== undefined ? readSnapshotFile(resolve(configDir, existing.build.schema_snapshot)) : undefined;
    const snapshot = previous?.ok ? mergeSnapshots(previous.snapshot, inspected.snapshot) : inspected.snapshot;
    return { snapshot, snapshotPath, live: true };
  }
  const fromConfig = spec?.schema_snapshot ?? existing?.build?.schema_snapshot;
  if (fromConfig !== undefined) {
    const read = readSnapshotFile(resolve(configDir, fromConfig));
    if (!read.ok) throw new CliError(`${read.diagnostic.message}\n${read.diagnostic.fix}`);
    return { snapshot: read.snapshot, snapshotPath: fromConfig, live: false };
  }
  throw new CliError(
    spec
      ? `init needs the database schema: export ${spec.read_url_env} (the spec's read_url_env), or pass --from-env VAR or --inspection-json FILE.`
      : "init needs the database schema: pass --from-env VAR (the env var holding a read-only database URL) or --inspection-json FILE (from `synapsor-runner inspect --json --output`).",
  );
}

/**
 * --append with --inspection-json NEW while the config builds against another snapshot: build
 * reads the snapshot the config names, so the new table is checked against that one. When that
 * file is gone, the config is pointed at NEW (which must then hold the existing tables too).
 */
function appendedSnapshot(named: string, fresh: SchemaSnapshot, flags: Flags, spec: OnboardingSelection | undefined, configDir: string): SchemaChoice {
  const namedPath = resolve(configDir, named);
  if (!existsSync(namedPath)) return { snapshot: fresh, snapshotPath: relativeToConfig(configDir, resolve(flags.inspectionJson!)), live: false };
  const read = readSnapshotFile(namedPath);
  if (!read.ok) throw new CliError(`${read.diagnostic.message}\n${read.diagnostic.fix}`);
  const table = flags.table ?? spec?.table;
  const schema = flags.schema ?? spec?.schema;
  if (table === undefined || read.snapshot.tables.some((t) => t.name === table && (schema === undefined || t.schema === schema))) {
    return { snapshot: read.snapshot, snapshotPath: named, live: false };
  }
  throw new CliError(
    `The config builds against ${terminalSafe(named)}, which has no table ${terminalName(table)}; nothing was written.\n` +
      `fix: refresh that snapshot with \`synapsor-runner inspect --from-env VAR --output ${shellWord(terminalSafe(namedPath))}\`, then run init --append again without --inspection-json.`,
  );
}

/** The new inspection wins for the tables it has; tables only the old snapshot knew are kept, so --append never loses what the config already uses. */
function mergeSnapshots(previous: SchemaSnapshot, fresh: SchemaSnapshot): SchemaSnapshot {
  if (previous.engine !== fresh.engine) return fresh;
  const key = (t: { schema: string; name: string }) => `${t.schema}\u0000${t.name}`;
  const seen = new Set(fresh.tables.map(key));
  const tables = [...fresh.tables, ...previous.tables.filter((t) => !seen.has(key(t)))].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { ...fresh, tables };
}

function relativeToConfig(configDir: string, path: string): string {
  const rel = relative(configDir, path);
  return rel.startsWith("..") || rel.startsWith("/") ? rel : `./${rel}`;
}

function loadExisting(out: string): Contract {
  if (!existsSync(out)) throw new CliError(`--append adds to an existing config, and ${terminalSafe(out)} does not exist. Drop --append to create it.`);
  const loaded = loadContract(out);
  if (!loaded.ok) throw new CliError(`cannot append to ${terminalSafe(out)}, it does not validate.\n${formatDiagnostics(out, loaded.diagnostics)}`);
  return loaded.contract;
}

function firstReadEnv(existing: Contract | undefined): string | undefined {
  return existing ? Object.values(existing.sources)[0]?.read_url_env : undefined;
}

function existingDefaults(existing: Contract): { tenantEnv?: string; principalEnv?: string; writeUrlEnv?: string } {
  const values = existing.trusted_context?.values;
  const write = Object.values(existing.sources)[0]?.write_url_env;
  return {
    ...(values?.tenant_id_env !== undefined ? { tenantEnv: values.tenant_id_env } : {}),
    ...(values?.principal_env !== undefined ? { principalEnv: values.principal_env } : {}),
    ...(write !== undefined ? { writeUrlEnv: write } : {}),
  };
}

function handlerStubsFor(contract: Contract, snapshot: SchemaSnapshot, configPath: string) {
  const text = JSON.stringify(contract, null, 2) + "\n";
  const planned = planContract({ contract, snapshot, configPath, configSha256: createHash("sha256").update(text).digest("hex") });
  if (!planned.ok) throw new CliError(`cannot generate the handler stub.\n${formatDiagnostics(configPath, planned.diagnostics)}`);
  const stubs = buildHandlerStubs(contract, planned.plan);
  if (stubs.length === 0) throw new CliError("--emit-handler writes a stub for an http_handler or command_handler executor; add --writeback http_handler or command_handler.");
  return stubs;
}

/** All problems at once, each with the flag (or spec path) to change and the fix; values of env flags are never repeated. */
function refusal(problems: readonly SelectionProblem[], from: "flags" | "spec"): CliError {
  const lines = problems.map((p) => {
    const where = from === "spec" && p.field.startsWith("/") ? `spec ${p.field}` : flagOf(p.field);
    return `  ${where}: ${p.message}\n    fix: ${p.fix}`;
  });
  const noun = problems.length === 1 ? "problem" : "problems";
  return new InitRefusal(`init wrote nothing; ${problems.length} ${noun}:\n${lines.join("\n")}`, problems);
}

function printSummary(out: string, written: Array<{ path: string; kind: string }>, tools: Array<{ name: string; kind: string }>, notes: string[], contract: Contract): void {
  const rel = (p: string) => relative(process.cwd(), p) || p;
  const lines = written.map((w) => `wrote ${terminalSafe(rel(w.path))}  (${w.kind.replaceAll("_", " ")})`);
  if (notes.length > 0) lines.push("", "Decided for you (change with the flags named):", ...notes.map((n) => `  - ${terminalSafe(n)}`));
  lines.push("", "Tools the model will see:", ...tools.map((t) => `  ${terminalSafe(t.name)}  (${t.kind})`));
  // Absolute and quoted for a POSIX shell: the config's paths are relative to its directory, not to where this runs.
  const configPath = resolve(out);
  const dir = dirname(configPath);
  const q = (p: string) => shellWord(terminalSafe(p));
  const store = resolve(dir, contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH);
  const envExample = resolve(dir, ENV_EXAMPLE_FILE);
  const applyWritten = written.some((w) => w.kind === "apply_env_example");
  lines.push(
    "",
    "Next:",
    `  1. cp ${q(envExample)} ${q(resolve(dir, ".env"))}  and fill in the values (never commit .env)`,
    ...(applyWritten
      ? [`     cp ${q(resolve(dir, APPLY_ENV_EXAMPLE_FILE))} ${q(resolve(dir, ".env.apply"))}  for apply only: never in the .env the server loads`]
      : []),
    `  2. synapsor-runner build --config ${q(configPath)}`,
    `  3. synapsor-runner mcp serve --config ${q(configPath)} --store ${q(store)}    (client snippets are in ${q(resolve(dir, SNIPPET_DIR))})`,
    `     or: synapsor-runner mcp config claude-desktop --config ${q(configPath)} --store ${q(store)}`,
  );
  process.stdout.write(terminalSafeLines(lines.join("\n")) + "\n");
}

