// `start --from-env VAR` (alias `onboard db`): the guided path from a read-only URL to a served,
// smoke-tested capability. Inspect → wizard → write (init's writer) → build → preview → first
// call → the next commands. Each stage says what it is doing on its own line; nothing is written
// before the wizard's final confirmation, and the tenant and principal asked for the first call
// are never written anywhere. Lines carrying outside text (paths, database values in the smoke
// summary) are escaped one by one with terminalSafe, so such text cannot add a line break either.

import { dirname, join, resolve } from "node:path";
import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import { DEFAULT_STORE_PATH } from "../../../compiler/config/contract.ts";
import { formatDiagnostics } from "../../../compiler/diagnostics.ts";
import { inspectOutputDir } from "../../../compiler/output/output-dir.ts";
import { writeTreeAtomically } from "../../../compiler/output/write-tree.ts";
import { compile } from "../../../compiler/pipeline.ts";
import { terminalName, terminalSafe, terminalSafeLines } from "../../../runtime/text/terminal-safe.ts";
import { CliError, EXIT, readEnvVar } from "../../../cli/program.ts";
import { buildToolsPreview } from "../../preview/tools-preview.ts";
import { runSmokeCall } from "../../smoke/run-smoke-call.ts";
import { smokeSummary } from "../../smoke/summary.ts";
import { DEFAULT_OUT_DIR } from "../generate.ts";
import { DEFAULT_SNAPSHOT_FILE } from "../outputs.ts";
import type { OnboardingSelection } from "../selection.ts";
import { askSelection } from "../wizard/flow.ts";
import { inspectLive } from "../wizard/schema-source.ts";
import { askingNothingWritten, requireTerminal } from "../wizard/terminal.ts";
import { previewSelection } from "../wizard/preview.ts";
import { terminalAsker, WizardCancelled, type Asker } from "../wizard/prompt.ts";
import { refuseExistingConfig, writeSelection } from "../wizard/write.ts";
import { askSampleObjectId, trustedContextForSmoke, writeSmokeInput } from "./first-call.ts";
import { nextCommands } from "./next-commands.ts";

export interface StartOptions {
  fromEnv: string;
  schema?: string;
  /** The config file to write (default synapsor.runner.json in the working directory). */
  config: string;
  force: boolean;
}

const say = (line: string) => process.stdout.write(`${terminalSafeLines(line)}\n`);
const step = (line: string) => say(`\n==> ${line}`);

export async function runStart(options: StartOptions): Promise<void> {
  requireTerminal("start");
  const url = readEnvVar(options.fromEnv, "the read-only database URL to start from (postgres://… or mysql://…)");
  const configPath = resolve(options.config);
  refuseExistingConfig(configPath, options.force, DEFAULT_SNAPSHOT_FILE);
  await guided(options, url, configPath, terminalAsker);
}

async function guided(options: StartOptions, url: string, configPath: string, ask: Asker): Promise<void> {
  step(`Inspecting the database named by ${options.fromEnv}`);
  const snapshot = await inspectLive({ envVar: options.fromEnv, url, schema: options.schema });
  say(`  ${snapshot.engine} database ${JSON.stringify(snapshot.database)}: ${snapshot.tables.length} tables and views`);

  step("Choosing what the model may do (Ctrl-C at any question: nothing is written)");
  const chosen = await askingNothingWritten(() =>
    askSelection({
      snapshot,
      readUrlEnv: options.fromEnv,
      given: options.schema !== undefined ? { schema: options.schema } : {},
      preview: (s) => previewSelection(s, snapshot, terminalSafe(options.config)),
      ask,
    }),
  );
  const selection: OnboardingSelection = { ...chosen, schema_snapshot: chosen.schema_snapshot ?? DEFAULT_SNAPSHOT_FILE };

  step("Writing the files");
  const { contract, written } = writeSelection({ configPath, selection, snapshot, live: true, force: options.force });
  for (const w of written) say(`  wrote ${terminalSafe(w.path)}  (${w.kind.replaceAll("_", " ")})`);

  step("Building the server");
  const dir = dirname(configPath);
  const outDir = resolve(dir, contract.build?.out_dir ?? DEFAULT_OUT_DIR);
  const built = await build(configPath, outDir, options.fromEnv, url, snapshot);
  const storePath = resolve(dir, contract.storage?.sqlite_path ?? DEFAULT_STORE_PATH);
  say("  The model will see these tools (and nothing else: no SQL, no approve or apply tool, no tenant argument, no URL):");
  for (const tool of buildToolsPreview({ contract: built.contract, plan: built.plan, snapshot, aliasMode: "canonical" }).tools) {
    const args = Object.keys((tool.inputSchema.properties ?? {}) as Record<string, unknown>);
    say(`    ${tool.name}(${args.map(terminalName).join(", ")})`);
  }

  step("First call");
  const { context, id } = await firstCallAnswers(ask, selection, snapshot, url);
  const idArg = selection.id_arg ?? selection.primary_key;
  const tool = selection.read_tool ?? built.plan.capabilities.find((c) => c.kind === "read")?.name;
  let smokeArgs: Record<string, unknown> | undefined;
  let smokeOk = true;
  if (id !== undefined && tool !== undefined) {
    smokeArgs = { [idArg]: id };
    say(`  recorded the id in ${writeSmokeInput(configPath, { tool, args: { [idArg]: id } })}`);
    const outcome = await runSmokeCall({
      configPath,
      storePath,
      tool,
      args: smokeArgs,
      // For this call only: the server process gets them in its environment, no file does.
      env: { [selection.tenant_env]: context.tenant, [selection.principal_env]: context.principal },
      say: (line: string) => say(`  ${terminalSafe(line)}`),
    });
    if (outcome.called) {
      for (const line of smokeSummary(outcome, configPath)) say(`  ${terminalSafe(line)}`);
      smokeOk = outcome.envelope.ok === true;
    } else {
      say(`  the call was not made: ${terminalSafe(outcome.message)}`);
      smokeOk = false;
    }
  } else {
    say("  skipped; run the smoke call below once you know an id.");
  }

  step("Next");
  const commands = nextCommands({
    selection,
    configPath,
    storePath,
    serverPath: join(outDir, "server.mjs"),
    envExamplePath: join(dir, ".env.example"),
    ...(written.some((w) => w.kind === "apply_env_example") ? { applyEnvExamplePath: join(dir, ".env.apply.example") } : {}),
    ...(smokeArgs ? { smokeArgs } : {}),
  });
  for (const c of commands) say(`  # ${c.what}\n  ${c.command}\n`);
  if (!smokeOk) process.exitCode = EXIT.invalid;
}

/** A cancel here leaves the written files and the build in place, and says so. */
async function firstCallAnswers(ask: Asker, selection: OnboardingSelection, snapshot: SchemaSnapshot, url: string) {
  try {
    const context = await trustedContextForSmoke(ask, selection, snapshot, url);
    return { context, id: await askSampleObjectId(ask, selection, snapshot, url, context.tenant) };
  } catch (err) {
    if (err instanceof WizardCancelled) {
      throw new CliError("cancelled before the first call; the files above are written and the server is built. Run the smoke call later with `synapsor-runner smoke call`.");
    }
    throw err;
  }
}

async function build(configPath: string, outDir: string, envVar: string, url: string, snapshot: SchemaSnapshot) {
  const state = inspectOutputDir(outDir);
  if (!state.ok) throw new CliError(`build refused to write its output: ${state.refusal.message}\nfix: ${state.refusal.fix}`);
  const result = await compile({ configPath, schema: { kind: "live", envVar, url }, snapshot, progress: (m) => say(`  … ${m}`) });
  if (!result.ok) throw new CliError(`build failed at ${result.stage}.\n${formatDiagnostics(configPath, result.diagnostics)}`);
  const written = writeTreeAtomically(outDir, result.files);
  if (!written.ok) throw new CliError(`build refused to write its output: ${written.refusal.message}\nfix: ${written.refusal.fix}`);
  say(`  built ${result.plan.capabilities.length} capabilities into ${outDir}`);
  return result;
}
