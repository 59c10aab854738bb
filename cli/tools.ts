// `synapsor-runner tools preview`: plan the config (no code generation) and show what the model will
// see of each tool and, separately, what the server keeps from it.

import { Option, type Command } from "commander";
import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { defaultSchemaInput, loadContract, loadSchema, NO_SCHEMA, planContract } from "../compiler/pipeline.ts";
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
    .option("--schema <file>", "schema snapshot from `inspect --json --output`")
    .option("--from-env <VAR>", "env var holding a database URL: preview against the live schema")
    .addOption(new Option("--alias-mode <mode>", "tool names as the client will see them").choices(["canonical", "openai"]).default("canonical"))
    .option("--json", "print { tools, never_exposed } as JSON")
    .action(async (flags: PreviewFlags) => runPreview(flags));
}

async function runPreview(flags: PreviewFlags): Promise<void> {
  const loaded = loadContract(flags.config);
  if (!loaded.ok) return fail(flags, loaded.stage, loaded.diagnostics);
  const input = schemaInputFromFlags(flags) ?? defaultSchemaInput(loaded.contract, flags.config);
  if (!input) return fail(flags, "resolve", [NO_SCHEMA]);
  // One snapshot serves both the plan and the hidden-column listing.
  const snapshot = await loadSchema(input);
  if (!snapshot.ok) return fail(flags, "resolve", [snapshot.diagnostic]);
  const planned = planContract({ contract: loaded.contract, snapshot: snapshot.snapshot, configPath: flags.config, configSha256: loaded.sha256 });
  if (!planned.ok) return fail(flags, planned.stage, planned.diagnostics);

  const preview = buildToolsPreview({ contract: loaded.contract, plan: planned.plan, snapshot: snapshot.snapshot, aliasMode: flags.aliasMode });
  if (flags.json) printJson({ tools: preview.tools, never_exposed: preview.never_exposed });
  else process.stdout.write(formatToolsPreview(preview, flags.config));
}

function fail(flags: PreviewFlags, stage: string, diagnostics: Parameters<typeof formatDiagnostics>[1]): void {
  if (flags.json) printJson({ ok: false, stage, diagnostics });
  else process.stderr.write(`tools preview failed at ${stage}.\n${formatDiagnostics(flags.config, diagnostics)}\n`);
  process.exitCode = diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE") ? EXIT.environment : EXIT.invalid;
}
