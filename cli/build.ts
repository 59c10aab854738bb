// `synapsor-runner build`: compile the contract into DIR/src, DIR/manifest.json and DIR/server.mjs,
// or with --check, prove that DIR already holds exactly that.

import { existsSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import type { Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { compareTree, type TreeDifference } from "../compiler/output/compare-tree.ts";
import { inspectOutputDir, type OutputDirRefusal } from "../compiler/output/output-dir.ts";
import { writeTreeAtomically } from "../compiler/output/write-tree.ts";
import { compile, loadContract, type SchemaInput } from "../compiler/pipeline.ts";
import type { Contract } from "../compiler/config/contract.ts";
import { defaultStorePath, resolveConfigPath } from "../compiler/config/paths.ts";
import { terminalSafe } from "../runtime/text/terminal-safe.ts";
import { CliError, EXIT, printJson, readEnvVar } from "./program.ts";

interface BuildFlags {
  config: string;
  out?: string;
  schema?: string;
  fromEnv?: string;
  check?: boolean;
  json?: boolean;
}

export function schemaInputFromFlags(flags: { schema?: string; fromEnv?: string }): SchemaInput | undefined {
  if (flags.schema && flags.fromEnv) throw new CliError("Use either --schema or --from-env, not both.");
  if (flags.schema) return { kind: "snapshot", path: flags.schema };
  if (flags.fromEnv) return { kind: "live", envVar: flags.fromEnv, url: readEnvVar(flags.fromEnv, "the database URL to build against") };
  return undefined;
}

export function register(program: Command): void {
  program
    .command("build")
    .description("Compile synapsor.runner.json into a typed, bundled MCP server")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--out <dir>", "output directory (default: the config's build.out_dir)")
    .option("--schema <file>", "schema snapshot from `inspect --json --output`")
    .option("--from-env <VAR>", "env var holding a database URL: resolve against the live schema and prepare every statement")
    .option("--check", "do not write; exit 1 if DIR differs from what the config produces")
    .option("--json", "print the result as JSON")
    .action(async (flags: BuildFlags) => runBuild(flags));
}

async function runBuild(flags: BuildFlags): Promise<void> {
  const schema = schemaInputFromFlags(flags);
  // A directory the build may not replace is refused before the (slow) compile; the write checks again.
  const configured = flags.out === undefined ? loadContract(flags.config) : undefined;
  const targetOut = flags.out ?? (configured?.ok ? configOutDir(configured.contract, flags.config) : undefined);
  // Said before the compile, which would otherwise run to the end for nothing. A config that does
  // not load is left to the compile, which reports all of its problems.
  if (targetOut === undefined && configured?.ok) throw new CliError(NO_OUTPUT_DIR);
  const earlyOut = flags.check ? undefined : targetOut;
  if (earlyOut !== undefined) {
    const state = inspectOutputDir(earlyOut);
    if (!state.ok) return refuseOutput(flags, earlyOut, state.refusal);
  }
  const progress = flags.json ? undefined : (m: string) => process.stderr.write(`  … ${m}\n`);
  const result = await compile({
    configPath: flags.config,
    ...(schema ? { schema } : {}),
    ...(progress ? { progress } : {}),
    // server.mjs finds its default ledger relative to where it is written (or compared, for --check).
    ...(targetOut !== undefined ? { outDir: resolvePath(targetOut) } : {}),
  });
  if (!result.ok) {
    if (flags.json) printJson({ ok: false, stage: result.stage, diagnostics: result.diagnostics });
    else process.stderr.write(`build failed at ${result.stage}.\n${formatDiagnostics(flags.config, result.diagnostics)}\n`);
    const environmental = result.diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE");
    process.exitCode = environmental ? EXIT.environment : EXIT.invalid;
    return;
  }
  const outDir = flags.out ?? configOutDir(result.contract, flags.config);
  if (!outDir) throw new CliError(NO_OUTPUT_DIR);

  if (flags.check) {
    // server.mjs is build output that many teams do not commit (the reviewed code is src/ and
    // manifest.json); it is compared when it is there and otherwise left out, saying so.
    const skipped = existsSync(join(outDir, "server.mjs")) ? [] : ["server.mjs"];
    for (const path of skipped) result.files.delete(path);
    const differences = compareTree(outDir, result.files);
    if (flags.json) printJson({ ok: differences.length === 0, out: outDir, differences, skipped });
    else {
      if (skipped.length > 0) process.stderr.write(`  … ${terminalSafe(outDir)} has no server.mjs: comparing src/ and manifest.json only\n`);
      printCheck(outDir, flags.config, differences);
    }
    if (differences.length > 0) process.exitCode = EXIT.invalid;
    return;
  }

  const written = writeTreeAtomically(outDir, result.files);
  if (!written.ok) return refuseOutput(flags, outDir, written.refusal);
  if (written.leftover) process.stderr.write(`  … files appeared in the old output while building; it was kept at ${terminalSafe(written.leftover)}\n`);
  const summary = {
    ok: true,
    out: outDir,
    config_sha256: result.plan.config.sha256,
    capabilities: result.plan.capabilities.map((c) => ({ name: c.name, kind: c.kind, sql_sha256: c.statement.sha256 })),
    files: [...result.files.keys()],
  };
  if (flags.json) {
    printJson(summary);
    return;
  }
  const size = Math.round((result.files.get("server.mjs")?.length ?? 0) / 1024);
  process.stdout.write(
    `Built ${summary.capabilities.length} capabilities into ${terminalSafe(outDir)}:\n` +
      summary.capabilities.map((c) => `  ${c.kind.padEnd(8)} ${c.name}\n`).join("") +
      `  src/ (${summary.files.filter((f) => f.startsWith("src/")).length} files), manifest.json, server.mjs (${size} KiB)\n` +
      `Run it: node ${terminalSafe(join(outDir, "server.mjs"))} serve --transport stdio\n` +
      (result.contract.storage?.postgres_url_env
        ? `  (its ledger: the Postgres database in ${result.contract.storage.postgres_url_env}; review it with --store-url-env ${result.contract.storage.postgres_url_env})\n`
        : `  (its ledger: ${terminalSafe(defaultStorePath(result.contract, flags.config))}, next to the config, from any working directory)\n`),
  );
}

const NO_OUTPUT_DIR = "No output directory: pass --out DIR or set build.out_dir in the config.";

/** build.out_dir, relative to the config file (compiler/config/paths.ts). */
function configOutDir(contract: Contract, configPath: string): string | undefined {
  const written = contract.build?.out_dir;
  return written === undefined ? undefined : resolveConfigPath(configPath, written);
}

function refuseOutput(flags: BuildFlags, outDir: string, refusal: OutputDirRefusal): void {
  if (flags.json) printJson({ ok: false, out: outDir, error: refusal });
  else process.stderr.write(`build refused to write its output: ${refusal.message}\n  fix: ${refusal.fix}\n`);
  process.exitCode = EXIT.invalid;
}

function printCheck(outDir: string, configPath: string, differences: TreeDifference[]): void {
  if (differences.length === 0) {
    process.stdout.write(`${terminalSafe(outDir)} is up to date with ${terminalSafe(configPath)}.\n`);
    return;
  }
  process.stdout.write(`${terminalSafe(outDir)} differs from what ${terminalSafe(configPath)} produces (${differences.length} file(s)):\n`);
  for (const d of differences) {
    process.stdout.write(`  ${d.change.padEnd(10)} ${d.path}\n`);
    if (d.firstDifference) {
      process.stdout.write(`    line ${d.firstDifference.line}\n    - ${d.firstDifference.actual}\n    + ${d.firstDifference.expected}\n`);
    }
  }
  process.stdout.write(`Run: synapsor-runner build --config ${configPath} --out ${outDir}\n`);
}
