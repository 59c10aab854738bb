// The one way a config becomes a runnable server for `mcp serve` and `smoke call`: load the
// contract, choose and load its schema, then reuse or build the cached server.mjs. Both commands
// then run those verified bytes, so what a smoke call exercises is what a client is served.

import type { Contract } from "../../compiler/config/contract.ts";
import type { Diagnostic } from "../../compiler/diagnostics.ts";
import { loadContract, loadSchema, type SchemaInput } from "../../compiler/pipeline.ts";
import { RUNNER_VERSION } from "../../compiler/version.ts";
import { ensureCachedServer, type CachedServer } from "./bundle-cache.ts";
import { chooseServeSchema } from "./schema-source.ts";

export type PreparedServer =
  | { ok: true; contract: Contract; server: CachedServer }
  | { ok: false; stage: string; diagnostics: Diagnostic[] };

export async function prepareServer(options: {
  configPath: string;
  /** From --schema / --from-env; undefined: build.schema_snapshot, else the live schema. */
  schema?: SchemaInput;
  env?: NodeJS.ProcessEnv;
  /** Progress and notices, one line each, for the operator (stderr). */
  say: (line: string) => void;
}): Promise<PreparedServer> {
  const loaded = loadContract(options.configPath);
  if (!loaded.ok) return loaded;
  const { contract } = loaded;
  const choice = chooseServeSchema(options.schema, contract, options.configPath, options.env ?? process.env);
  if (!choice.ok) return { ok: false, stage: "resolve", diagnostics: [choice.diagnostic] };
  if (choice.note) options.say(choice.note);
  const snapshot = await loadSchema(choice.input, (m) => options.say(`… ${m}`));
  if (!snapshot.ok) return { ok: false, stage: "resolve", diagnostics: [snapshot.diagnostic] };
  const cached = await ensureCachedServer({
    configPath: options.configPath,
    schema: choice.input,
    snapshot: snapshot.snapshot,
    runnerVersion: RUNNER_VERSION,
    progress: (m) => options.say(`… ${m}`),
  });
  if (!cached.ok) return cached;
  if (cached.notice) options.say(cached.notice);
  return { ok: true, contract, server: cached.server };
}
