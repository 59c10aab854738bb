// Where the wizard's schema comes from: the live database (read-only URL from an env var) or a
// saved snapshot file. Either way the person only chooses among tables that are really there.

import { inspectDatabase } from "../../../compiler/inspect/index.ts";
import { readSnapshotFile } from "../../../compiler/inspect/read-snapshot.ts";
import type { SchemaSnapshot } from "../../../compiler/inspect/snapshot.ts";
import type { Engine } from "../../../compiler/config/contract.ts";
import { CliError, EXIT } from "../../../cli/program.ts";

/** The snapshot, narrowed to `schema` when one is named; refuses one with nothing to choose from. */
function usable(snapshot: SchemaSnapshot, schema: string | undefined, where: string): SchemaSnapshot {
  const tables = snapshot.tables.filter((t) => schema === undefined || t.schema === schema);
  if (tables.length > 0) return { ...snapshot, tables };
  if (schema !== undefined) {
    const others = [...new Set(snapshot.tables.map((t) => t.schema))];
    throw new CliError(
      `No tables or views in schema ${JSON.stringify(schema)} in ${where}.` +
        (others.length > 0 ? ` Schemas with tables: ${others.map((s) => JSON.stringify(s)).join(", ")}; pass one of them to --schema.` : " Grant SELECT on the tables to that user, or check --schema."),
    );
  }
  throw new CliError(`No tables or views in ${where}. Grant SELECT on the tables to the user in the URL, or point it at another database.`);
}

export async function inspectLive(input: { envVar: string; url: string; schema?: string | undefined; engine?: "auto" | Engine | undefined }): Promise<SchemaSnapshot> {
  const inspected = await inspectDatabase({
    engine: input.engine ?? "auto",
    url: input.url,
    urlEnvName: input.envVar,
    ...(input.schema !== undefined ? { schema: input.schema } : {}),
  });
  if (!inspected.ok) throw new CliError(inspected.message, EXIT.environment);
  return usable(inspected.snapshot, input.schema, `the database named by ${input.envVar}`);
}

export function snapshotFromFile(path: string, schema: string | undefined): SchemaSnapshot {
  const read = readSnapshotFile(path);
  if (!read.ok) throw new CliError(`${read.diagnostic.message}\nfix: ${read.diagnostic.fix}`);
  return usable(read.snapshot, schema, path);
}
