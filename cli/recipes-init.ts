// `synapsor-runner recipes init NAME --output F`: map a recipe onto one's own table (inspected live
// or from a snapshot file), check every role against the schema, and write the config and its
// .env.example with the same generator and all-or-nothing writer as `init`.

import { dirname, relative, resolve } from "node:path";
import { Option, type Command } from "commander";
import { engineFromUrl, inspectDatabase } from "../compiler/inspect/index.ts";
import { readSnapshotFile } from "../compiler/inspect/read-snapshot.ts";
import type { SchemaSnapshot } from "../compiler/inspect/snapshot.ts";
import { DEFAULT_SNAPSHOT_FILE, planOnboardingFiles } from "../operator/onboard/outputs.ts";
import type { WritebackChoice } from "../operator/onboard/selection.ts";
import { writeAllOrNothing } from "../operator/onboard/write-files.ts";
import { applyRecipe } from "../operator/recipes/apply.ts";
import { findRecipe } from "../operator/recipes/catalogue/index.ts";
import { parseRoleMap } from "../operator/recipes/mapping.ts";
import { formatProblems, type RecipeProblem } from "../operator/recipes/problems.ts";
import { terminalSafeLines } from "../runtime/text/terminal-safe.ts";
import { envNameOrRefuse } from "./env-name.ts";
import { CliError, EXIT, printJson, readEnvVar } from "./program.ts";

interface RecipeInitFlags {
  output: string;
  force?: boolean;
  json?: boolean;
  fromEnv?: string;
  inspectionJson?: string;
  engine: "auto" | "postgres" | "mysql";
  readUrlEnv?: string;
  schema?: string;
  table?: string;
  map?: string;
  primaryKey?: string;
  tenantColumn?: string;
  conflictColumn?: string;
  tenantEnv?: string;
  principalEnv?: string;
  writeUrlEnv?: string;
  writeback: WritebackChoice["type"];
  handlerUrlEnv?: string;
  handlerTokenEnv?: string;
  handlerCommandEnv?: string;
  readTool?: string;
  proposalTool?: string;
}

export function registerInit(recipes: Command): void {
  recipes
    .command("init")
    .description("Map a recipe onto your table and write the config and .env.example (names of env vars only, never values)")
    .argument("<name>", "recipe name, e.g. billing.late_fee_waiver (see recipes list)")
    .requiredOption("--output <file>", "config file to write, e.g. synapsor.runner.json (.env.example is written beside it)")
    .option("--force", "replace the config and .env.example when they exist")
    .option("--from-env <VAR>", "env var holding a read-only database URL to inspect")
    .option("--inspection-json <file>", "schema snapshot from `synapsor-runner inspect --output FILE`, instead of a live database")
    .addOption(new Option("--engine <engine>", "engine of the --from-env database").choices(["auto", "postgres", "mysql"]).default("auto"))
    .option("--read-url-env <VAR>", "env var the server reads the database URL from (default: the --from-env name, or DATABASE_URL)")
    .option("--schema <name>", "Postgres schema (MySQL: database) that holds the table")
    .option("--table <name>", "your table (default: the recipe's usual table name, e.g. invoices)")
    .option("--map <ROLE=COLUMN,...>", "the recipe's column roles mapped onto your columns, e.g. late_fee=late_fee_cents,status=state")
    .option("--primary-key <column>", "row id column (default: the table's primary key)")
    .option("--tenant-column <column>", "column scoping rows to a tenant (default: the suggested tenant key)")
    .option("--conflict-column <column>", "timestamp or version column guarding against stale rows (default: the suggested version column)")
    .option("--tenant-env <VAR>", "env var holding the trusted tenant id", "SYNAPSOR_TENANT_ID")
    .option("--principal-env <VAR>", "env var holding the trusted principal", "SYNAPSOR_PRINCIPAL")
    .option("--write-url-env <VAR>", "env var holding the writer's database URL (direct sql_update writeback)")
    .addOption(new Option("--writeback <type>", "who applies approved changes").choices(["sql_update", "http_handler", "command_handler"]).default("sql_update"))
    .option("--handler-url-env <VAR>", "http_handler: env var holding your app's handler URL")
    .option("--handler-token-env <VAR>", "http_handler: env var holding the bearer token")
    .option("--handler-command-env <VAR>", "command_handler: env var holding the handler command")
    .option("--read-tool <name>", "rename the read tool (namespace.verb_object)")
    .option("--proposal-tool <name>", "rename the proposal tool (namespace.verb_object)")
    .option("--json", "print the outcome (files written, or every problem) as JSON")
    .action(async (name: string, flags: RecipeInitFlags) => runRecipeInit(name, flags));
}

async function runRecipeInit(name: string, flags: RecipeInitFlags): Promise<void> {
  const found = findRecipe(name);
  if (!found.ok) return refuse(flags, [found.problem]);
  const map = parseRoleMap(flags.map ?? "");
  if (map.problems.length > 0) return refuse(flags, map.problems);

  const writeback = writebackFromFlags(flags);
  const { snapshot, live } = await loadSnapshot(flags);
  const output = resolve(flags.output);
  const readUrlEnv = envNameOrRefuse("--read-url-env", flags.readUrlEnv ?? flags.fromEnv ?? "DATABASE_URL");
  const applied = applyRecipe(
    found.recipe,
    snapshot,
    {
      ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
      ...(flags.table !== undefined ? { table: flags.table } : {}),
      map: map.map,
      ...(flags.primaryKey !== undefined ? { primary_key: flags.primaryKey } : {}),
      ...(flags.tenantColumn !== undefined ? { tenant_column: flags.tenantColumn } : {}),
      ...(flags.conflictColumn !== undefined ? { conflict_column: flags.conflictColumn } : {}),
    },
    {
      read_url_env: readUrlEnv,
      ...(flags.writeUrlEnv !== undefined ? { write_url_env: envNameOrRefuse("--write-url-env", flags.writeUrlEnv) } : {}),
      writeback,
      tenant_env: envNameOrRefuse("--tenant-env", flags.tenantEnv ?? "SYNAPSOR_TENANT_ID"),
      principal_env: envNameOrRefuse("--principal-env", flags.principalEnv ?? "SYNAPSOR_PRINCIPAL"),
      ...(flags.readTool !== undefined ? { read_tool: flags.readTool } : {}),
      ...(flags.proposalTool !== undefined ? { proposal_tool: flags.proposalTool } : {}),
      // Later builds read the same schema: the given snapshot file, or the one written beside the config.
      schema_snapshot: flags.inspectionJson !== undefined ? relativeTo(output, resolve(flags.inspectionJson)) : DEFAULT_SNAPSHOT_FILE,
    },
  );
  if (!applied.ok) return refuse(flags, applied.problems);

  // The same files as `init`: config, .env.example, client snippets, and the snapshot when inspected live.
  const files = planOnboardingFiles({ configPath: output, contract: applied.contract, ...(live ? { snapshot } : {}) });
  const written = writeAllOrNothing(files, flags.force === true);
  if (!written.ok) {
    if ("existing" in written) {
      throw new CliError(`Not overwriting ${written.existing.join(" and ")}: ${written.existing.length > 1 ? "they exist" : "it exists"}. Pass --force to replace, or choose another --output.`);
    }
    throw new CliError(`Could not write ${written.failed} (${written.code}); nothing was written.`, EXIT.environment);
  }

  const tools = applied.contract.capabilities.map((c) => c.name);
  const roles = Object.entries(applied.mapped.columns).map(([role, column]) => ({ role, column: column.name }));
  if (flags.json) {
    printJson({
      ok: true,
      recipe: found.recipe.name,
      written: written.written,
      table: `${applied.mapped.table.schema}.${applied.mapped.table.name}`,
      tools,
      roles,
      skipped: applied.mapped.skipped,
      notes: applied.notes,
    });
    return;
  }
  // The config names its snapshot, so a plain build works; against the live database it also prepares every statement.
  const buildSource = flags.fromEnv !== undefined ? ` --from-env ${flags.fromEnv}` : "";
  const shown = (path: string) => relative(process.cwd(), path) || path;
  const lines = [
    `Applied ${found.recipe.name} to ${applied.mapped.table.schema}.${applied.mapped.table.name}. Wrote:`,
    ...written.written.map((w) => `  ${shown(w.path)} (${w.kind.replaceAll("_", " ")})`),
    `Tools: ${tools.join(", ")}`,
    `Keys: row id ${applied.mapped.primary_key}, tenant ${applied.mapped.tenant_column}, ${
      applied.mapped.conflict_column !== undefined ? `stale-row guard ${applied.mapped.conflict_column}` : "no stale-row guard (--conflict-column COLUMN adds one)"
    }`,
    "Columns:",
    ...roles.map((r) => `  ${r.role} -> ${r.column}`),
    ...applied.mapped.skipped.map((s) => `  ${s.role} left out (optional): ${s.reason}`),
    ...applied.notes.map((n) => `Note: ${n}`),
    "",
    `Next: copy ${shown(resolve(dirname(output), ".env.example"))} to .env beside it and fill in the values, then`,
    ...(written.written.some((w) => w.kind === "apply_env_example")
      ? [`  (${shown(resolve(dirname(output), ".env.apply.example"))} holds what only apply needs: copy it to .env.apply, never into the .env the server loads)`]
      : []),
    `  synapsor-runner build --config ${flags.output}${buildSource}`,
  ];
  process.stdout.write(terminalSafeLines(lines.join("\n")) + "\n");
}

function refuse(flags: RecipeInitFlags, problems: readonly RecipeProblem[]): void {
  if (flags.json) printJson({ ok: false, problems });
  else process.stderr.write(terminalSafeLines(`synapsor-runner: the recipe cannot be applied; nothing was written.\n${formatProblems(problems)}`) + "\n");
  process.exitCode = EXIT.invalid;
}

function writebackFromFlags(flags: RecipeInitFlags): WritebackChoice {
  switch (flags.writeback) {
    case "sql_update":
      return { type: "sql_update" };
    case "http_handler":
      if (flags.handlerUrlEnv === undefined) throw new CliError("--writeback http_handler needs --handler-url-env VAR (the variable holding your handler's URL).");
      return {
        type: "http_handler",
        url_env: envNameOrRefuse("--handler-url-env", flags.handlerUrlEnv),
        ...(flags.handlerTokenEnv !== undefined ? { token_env: envNameOrRefuse("--handler-token-env", flags.handlerTokenEnv) } : {}),
      };
    case "command_handler":
      if (flags.handlerCommandEnv === undefined) throw new CliError("--writeback command_handler needs --handler-command-env VAR (the variable holding the handler command).");
      return { type: "command_handler", command_env: envNameOrRefuse("--handler-command-env", flags.handlerCommandEnv) };
  }
}

async function loadSnapshot(flags: RecipeInitFlags): Promise<{ snapshot: SchemaSnapshot; live: boolean }> {
  if ((flags.fromEnv === undefined) === (flags.inspectionJson === undefined)) {
    throw new CliError(
      "A recipe is checked against your schema: pass either --from-env VAR (a variable holding a read-only database URL) or --inspection-json FILE (from `synapsor-runner inspect --from-env VAR --output FILE`).",
    );
  }
  if (flags.inspectionJson !== undefined) {
    const read = readSnapshotFile(flags.inspectionJson);
    if (!read.ok) throw new CliError(`${read.diagnostic.message} ${read.diagnostic.fix}`);
    return { snapshot: read.snapshot, live: false };
  }
  const envName = envNameOrRefuse("--from-env", flags.fromEnv!);
  const url = readEnvVar(envName, "the read-only database URL to inspect");
  // As init does: MySQL's schema is a database to connect to; Postgres is read whole, so a misspelt schema gets a suggestion.
  const mysqlDatabase = flags.schema !== undefined && engineFromUrl(url) === "mysql" ? { schema: flags.schema } : {};
  const outcome = await inspectDatabase({ engine: flags.engine, url, urlEnvName: envName, ...mysqlDatabase });
  if (!outcome.ok) throw new CliError(outcome.message, EXIT.environment);
  return { snapshot: outcome.snapshot, live: true };
}

function relativeTo(configPath: string, file: string): string {
  const path = relative(dirname(configPath), file);
  return path.startsWith(".") ? path : `./${path}`;
}
