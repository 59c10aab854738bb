// The build, stage by stage: load → validate → resolve → plan → (verify live) → emit →
// type-check → bundle. Each stage is its own module; this file only sequences them and
// stops at the first stage that reports problems (a stage reports all of its own at once).

import { basename, dirname, resolve as resolvePath } from "node:path";
import { loadContractFile } from "./config/load.ts";
import { validateContract } from "./config/validate.ts";
import type { Contract } from "./config/contract.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { emitSources, type FileMap } from "./emit/emit.ts";
import { typecheckSources } from "./emit/typecheck.ts";
import { bundleServer } from "./bundle/bundle.ts";
import { inspectDatabase } from "./inspect/index.ts";
import { readSnapshotFile } from "./inspect/read-snapshot.ts";
import type { SchemaSnapshot } from "./inspect/snapshot.ts";
import type { BuildPlan } from "./plan/capability-plan.ts";
import { planBuild } from "./plan/plan.ts";
import { resolveContract } from "./resolve/resolve.ts";
import { verifyStatementsLive } from "./verify/live.ts";
import { RUNNER_VERSION } from "./version.ts";

export type SchemaInput = { kind: "snapshot"; path: string } | { kind: "live"; envVar: string; url: string };

export interface CompileOptions {
  configPath: string;
  /** Where the schema comes from; undefined means the config's build.schema_snapshot. */
  schema?: SchemaInput;
  /** Skip esbuild (e.g. for previews and golden tests of sources). */
  bundle?: boolean;
  /** Progress lines for slow stages. */
  progress?: (message: string) => void;
}

export type CompileResult =
  | { ok: true; contract: Contract; plan: BuildPlan; files: FileMap }
  | { ok: false; stage: string; diagnostics: Diagnostic[] };

export async function compile(options: CompileOptions): Promise<CompileResult> {
  const progress = options.progress ?? (() => undefined);
  const failed = (stage: string, diagnostics: Diagnostic[]): CompileResult => ({ ok: false, stage, diagnostics });

  const loaded = loadContractFile(options.configPath);
  if (!loaded.ok) return failed("load", loaded.diagnostics);
  const validated = validateContract(loaded.raw);
  if (!validated.ok) return failed("validate", validated.diagnostics);
  const contract = validated.value;

  const schema = options.schema ?? defaultSchemaInput(contract, options.configPath);
  if (!schema) {
    return failed("resolve", [
      {
        code: "NO_SCHEMA",
        pointer: "",
        message: "The build needs the database schema, and none was given.",
        fix: "Pass --schema synapsor.schema.json (from `synapsor-runner inspect --json --output`), or --from-env VAR to read the live database, or set build.schema_snapshot in the config.",
      },
    ]);
  }
  const snapshot = await loadSchema(schema, progress);
  if (!snapshot.ok) return failed("resolve", [snapshot.diagnostic]);
  const snapshots = Object.fromEntries(Object.keys(contract.sources).map((name) => [name, snapshot.snapshot]));

  const resolved = resolveContract(contract, snapshots);
  if (!resolved.ok) return failed("resolve", resolved.diagnostics);

  const plan = planBuild({
    contract,
    resolved: resolved.value,
    configFile: basename(options.configPath),
    configSha256: loaded.sha256,
    runnerVersion: RUNNER_VERSION,
  });

  if (schema.kind === "live") {
    progress(`verifying ${plan.capabilities.length} statements against the live database`);
    const index = (name: string) => contract.capabilities.findIndex((c) => c.name === name);
    let problems: Diagnostic[];
    try {
      problems = await verifyStatementsLive(plan, schema.url, index);
    } catch {
      problems = [unreachable(schema.envVar)];
    }
    if (problems.length > 0) return failed("verify", problems);
  }

  const files = emitSources(plan);
  progress("type-checking the generated sources");
  const typeErrors = await typecheckSources(files);
  if (typeErrors.length > 0) {
    return failed(
      "type-check",
      typeErrors.map((e) => ({
        code: "GENERATED_CODE_TYPE_ERROR",
        pointer: "",
        message: `${e.file}:${e.line}: ${e.message}`,
        fix: "This is a bug in synapsor-runner's code generation; please report it with the config.",
      })),
    );
  }
  if (options.bundle !== false) {
    progress("bundling server.mjs");
    files.set("server.mjs", await bundleServer(files));
  }
  return { ok: true, contract, plan, files };
}

function defaultSchemaInput(contract: Contract, configPath: string): SchemaInput | undefined {
  const snapshot = contract.build?.schema_snapshot;
  return snapshot ? { kind: "snapshot", path: resolvePath(dirname(configPath), snapshot) } : undefined;
}

async function loadSchema(
  schema: SchemaInput,
  progress: (m: string) => void,
): Promise<{ ok: true; snapshot: SchemaSnapshot } | { ok: false; diagnostic: Diagnostic }> {
  if (schema.kind === "snapshot") return readSnapshotFile(schema.path);
  progress(`inspecting the live database named by ${schema.envVar}`);
  const inspected = await inspectDatabase({ engine: "auto", url: schema.url, urlEnvName: schema.envVar });
  if (!inspected.ok) {
    return { ok: false, diagnostic: { code: "DATABASE_UNREACHABLE", pointer: "", message: inspected.message, fix: `Check ${schema.envVar} and that the database is running.` } };
  }
  return { ok: true, snapshot: inspected.snapshot };
}

function unreachable(envVar: string): Diagnostic {
  return {
    code: "DATABASE_UNREACHABLE",
    pointer: "",
    message: `Could not verify statements: the database named by ${envVar} stopped answering.`,
    fix: `Check ${envVar} and that the database is running, then build again.`,
  };
}
