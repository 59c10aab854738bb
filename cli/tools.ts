// `synapsor-runner tools preview`: plan the config (no code generation) and show what the model will
// see of each tool and, separately, what the server keeps from it. The schema is chosen as
// `apply` and `mcp serve` choose it, so a preview never needs more flags than serving does.

import { Option, type Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { compileCapabilities } from "../operator/apply/compiled-capability.ts";
import { buildToolsPreview, formatToolsPreview } from "../operator/preview/tools-preview.ts";
import { schemaInputFromFlags } from "./build.ts";
import { EXIT, printJson } from "./program.ts";

interface PreviewFlags {
  config: string;
  schema?: string;
  fromEnv?: string;
  aliasMode: "canonical" | "openai";
  json?: boolean;
}

/** The `tools` group, shared with any other `tools …` command. */
function toolsGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === "tools") ??
    program.command("tools").description("Inspect the tools a config compiles to")
  );
}

export function register(program: Command): void {
  toolsGroup(program)
    .command("preview")
    .description("Show each tool exactly as the model sees it, and what it never sees (SQL, trusted bindings, hidden columns, secrets)")
    .requiredOption("--config <file>", "the contract, e.g. synapsor.runner.json")
    .option("--schema <file>", "schema snapshot from `inspect --json --output` (default: build.schema_snapshot, else the live schema of the first source)")
    .option("--from-env <VAR>", "env var holding a database URL: preview against the live schema")
    .addOption(new Option("--alias-mode <mode>", "tool names as the client will see them").choices(["canonical", "openai"]).default("canonical"))
    .option("--json", "print { tools, never_exposed } as JSON")
    .action(async (flags: PreviewFlags) => runPreview(flags));
}

async function runPreview(flags: PreviewFlags): Promise<void> {
  const schema = schemaInputFromFlags(flags);
  const compiled = await compileCapabilities({ configPath: flags.config, ...(schema ? { schema } : {}) });
  if (!compiled.ok) return fail(flags, compiled.stage, compiled.diagnostics);
  if (compiled.schemaNote) process.stderr.write(`synapsor-runner: ${compiled.schemaNote}\n`);

  // The snapshot the plan was resolved against also lists the columns the tools leave out.
  const preview = buildToolsPreview({ contract: compiled.contract, plan: compiled.plan, snapshot: compiled.snapshot, aliasMode: flags.aliasMode });
  if (flags.json) printJson({ tools: preview.tools, never_exposed: preview.never_exposed });
  else process.stdout.write(formatToolsPreview(preview, flags.config));
}

function fail(flags: PreviewFlags, stage: string, diagnostics: Parameters<typeof formatDiagnostics>[1]): void {
  if (flags.json) printJson({ ok: false, stage, diagnostics });
  else process.stderr.write(`tools preview failed at ${stage}.\n${formatDiagnostics(flags.config, diagnostics)}\n`);
  process.exitCode = diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE") ? EXIT.environment : EXIT.invalid;
}
