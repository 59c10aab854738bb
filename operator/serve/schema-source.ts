// Where `mcp serve` gets the database schema from, and every command that compiles a config
// without building it (operator/apply/compiled-capability.ts: apply, writeback, tools preview,
// handler stub). The cache key needs the snapshot's content, so the caller loads it
// (compiler/pipeline.ts loadSchema) once, before any build happens.

import type { Contract } from "../../compiler/config/contract.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { defaultSchemaInput, type SchemaInput } from "../../compiler/pipeline.ts";

/** The schema for a serve build, plus a note when it was chosen without being asked for. */
export type ServeSchemaChoice =
  | { ok: true; input: SchemaInput; note?: string }
  | { ok: false; diagnostic: Diagnostic };

/**
 * Flags first, then the config's build.schema_snapshot, then the live database of the
 * first source: the server is about to connect to it anyway, so building against it
 * needs nothing the operator has not already set.
 */
export function chooseServeSchema(
  fromFlags: SchemaInput | undefined,
  contract: Contract,
  configPath: string,
  env: NodeJS.ProcessEnv = process.env,
  /** The command's own name for the snapshot flag (`writeback grants` uses --schema for the receipts schema). */
  snapshotFlag = "--schema",
): ServeSchemaChoice {
  const given = fromFlags ?? defaultSchemaInput(contract, configPath);
  if (given) return { ok: true, input: given };
  const [sourceName, source] = Object.entries(contract.sources)[0] ?? [];
  if (!sourceName || !source) {
    return { ok: false, diagnostic: { code: "NO_SCHEMA", pointer: "/sources", message: "The config names no source to read the schema from.", fix: `Add a source, or pass ${snapshotFlag} synapsor.schema.json.` } };
  }
  const url = env[source.read_url_env];
  if (!url) {
    return {
      ok: false,
      diagnostic: {
        code: "NO_SCHEMA",
        pointer: "/build/schema_snapshot",
        message: `No schema snapshot was given and ${source.read_url_env} (read URL of source '${sourceName}') is not set, so the live schema cannot be read either.`,
        fix: `Export ${source.read_url_env}, or pass ${snapshotFlag} synapsor.schema.json, or set build.schema_snapshot in the config.`,
      },
    };
  }
  return {
    ok: true,
    input: { kind: "live", envVar: source.read_url_env, url },
    note: `no --schema, --from-env or build.schema_snapshot: building against the live schema of source '${sourceName}' (${source.read_url_env})`,
  };
}
