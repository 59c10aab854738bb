// The config compiled as apply compiles it (operator/apply/compiled-capability.ts), for the
// commands that act on its plan: apply, writeback grants and doctor, proposals expire. A
// failure is one CliError listing every problem (exit 2 when the database did not answer,
// else 1); the note on where the schema came from goes to stderr.

import { formatDiagnostics } from "../compiler/diagnostics.ts";
import { compileCapabilities, type CompiledContract } from "../operator/apply/compiled-capability.ts";
import { schemaInputFromFlags } from "./build.ts";
import { CliError, EXIT } from "./program.ts";

export type Compiled = Extract<CompiledContract, { ok: true }>;

export async function compileForCommand(
  configPath: string,
  flags: { schema?: string; fromEnv?: string },
  /** How the command spells its snapshot flag, for the fix of a missing schema. */
  snapshotFlag?: string,
): Promise<Compiled> {
  const schema = schemaInputFromFlags(flags);
  const compiled = await compileCapabilities({ configPath, ...(snapshotFlag ? { snapshotFlag } : {}), ...(schema ? { schema } : {}) });
  if (!compiled.ok) {
    const environmental = compiled.diagnostics.some((d) => d.code === "DATABASE_UNREACHABLE");
    throw new CliError(
      `cannot compile the config (stage ${compiled.stage}).\n${formatDiagnostics(configPath, compiled.diagnostics)}`,
      environmental ? EXIT.environment : EXIT.invalid,
    );
  }
  if (compiled.schemaNote) process.stderr.write(`synapsor-runner: ${compiled.schemaNote}\n`);
  return compiled;
}
