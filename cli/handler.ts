// `synapsor-runner handler stub | template`: starting points for app-owned executors.
// Generated files belong to the app team once written, so nothing is overwritten without --force.

import { Argument, Option, type Command } from "commander";
import { basename } from "node:path";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { STUB_LANGUAGES, buildHandlerStubs, type StubLanguage } from "../operator/handler-stub/stub.ts";
import { HANDLER_TEMPLATES, renderHandlerTemplate, type HandlerTemplateKind } from "../operator/handler-stub/templates.ts";
import { writeGeneratedFiles } from "../operator/handler-stub/write.ts";
import { compileCapabilities } from "../operator/apply/compiled-capability.ts";
import { schemaInputFromFlags } from "./build.ts";
import { CliError, EXIT } from "./program.ts";

interface StubFlags {
  config: string;
  out: string;
  schema?: string;
  fromEnv?: string;
  force?: boolean;
  language: StubLanguage;
}

interface TemplateFlags {
  out?: string;
  force?: boolean;
}

export function register(program: Command): void {
  const group = program.command("handler").description("Starting points for app-owned writeback handlers (http_handler, command_handler)");
  group
    .command("stub")
    .description(
      "Write a typed handler for every http_handler or command_handler executor in the config: TypeScript using synapsor-runner/handler, or Python using synapsor_handler (--language python)",
    )
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .requiredOption("--out <dir>", "directory for the generated files (one per executor)")
    .option("--schema <file>", "schema snapshot from `inspect --json --output` (default: build.schema_snapshot, else the live schema of the first source)")
    .option("--from-env <VAR>", "env var holding a database URL: type against the live schema")
    .addOption(new Option("--language <language>", "language of the generated files").choices([...STUB_LANGUAGES]).default("typescript"))
    .option("--force", "overwrite files that already exist")
    .action(async (flags: StubFlags) => runStub(flags));
  group
    .command("template")
    .description("Write a plain handler template")
    .addArgument(new Argument("<kind>", "template").choices(Object.keys(HANDLER_TEMPLATES)))
    .option("--out <file>", "where to write it (default: a file named after the kind in the current directory)")
    .option("--force", "overwrite the file if it exists")
    .action(async (kind: HandlerTemplateKind, flags: TemplateFlags) => runTemplate(kind, flags));
}

async function runStub(flags: StubFlags): Promise<void> {
  const schema = schemaInputFromFlags(flags);
  // The stubs are typed from the plan alone; generating and type-checking the server's own
  // sources would add seconds and nothing the stubs use.
  const result = await compileCapabilities({ configPath: flags.config, ...(schema ? { schema } : {}) });
  if (!result.ok) {
    process.stderr.write(`handler stub failed at ${result.stage}.\n${formatDiagnostics(flags.config, result.diagnostics)}\n`);
    process.exitCode = result.diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE") ? EXIT.environment : EXIT.invalid;
    return;
  }
  if (result.schemaNote) process.stderr.write(`synapsor-runner: ${result.schemaNote}\n`);
  const stubs = buildHandlerStubs(result.contract, result.plan, flags.language);
  if (stubs.length === 0) {
    throw new CliError(`${basename(flags.config)} has no proposal capability whose executor is http_handler or command_handler; there is nothing to generate.`);
  }
  const outcome = writeGeneratedFiles(flags.out, stubs, flags.force === true);
  if (!outcome.ok) throw new CliError(refusal(outcome.existing));
  for (const stub of stubs) {
    process.stdout.write(`wrote ${flags.out.replace(/\/$/, "")}/${stub.file}  (executor ${stub.executor}: ${stub.capabilities.join(", ")})\n`);
  }
}

async function runTemplate(kind: HandlerTemplateKind, flags: TemplateFlags): Promise<void> {
  const out = flags.out ?? HANDLER_TEMPLATES[kind].defaultOut;
  const outcome = writeGeneratedFiles(".", [{ file: out, text: renderHandlerTemplate(kind) }], flags.force === true);
  if (!outcome.ok) throw new CliError(refusal(outcome.existing));
  process.stdout.write(`wrote ${out}\n`);
}

function refusal(existing: string[]): string {
  return `Refusing to overwrite ${existing.join(", ")}: generated handlers are meant to be edited and committed. Move the file away, or pass --force to replace it.`;
}
