// The build, stage by stage: load → validate → resolve → plan → (verify live) → emit →
// type-check → bundle. Each stage is its own module; this file exports the stages grouped the
// way callers need them (a preview or `apply` stops after plan, `mcp serve` hands in the
// snapshot it already loaded) and `compile`, which runs them all. A failing stage stops the run
// and reports all of its own problems at once.

import { basename, dirname, resolve as resolvePath } from "node:path";
import { loadContractFile } from "./config/load.ts";
import { validateContract } from "./config/validate.ts";
import type { Contract } from "./config/contract.ts";
import type { Diagnostic } from "./diagnostics.ts";
import { emitSources, type FileMap } from "./emit/emit.ts";
import { typecheckSources, TypecheckUnavailableError, type TypeError as GeneratedTypeError } from "./emit/typecheck.ts";
import { bundleServer } from "./bundle/bundle.ts";
import { inspectDatabase } from "./inspect/index.ts";
import { readSnapshotFile } from "./inspect/read-snapshot.ts";
import type { SchemaSnapshot } from "./inspect/snapshot.ts";
import type { BuildPlan } from "./plan/capability-plan.ts";
import { planBuild } from "./plan/plan.ts";
import { loadReviewers } from "./config/reviewers.ts";
import { resolveContract } from "./resolve/resolve.ts";
import { verifyStatementsLive } from "./verify/live.ts";
import { describeFailure } from "./inspect/failure.ts";
import { CONNECT_TIMEOUT_MS } from "../runtime/db/limits.ts";
import { RUNNER_VERSION } from "./version.ts";
import { resolveConfigPath, storePathFromBundle } from "./config/paths.ts";

export type SchemaInput = { kind: "snapshot"; path: string } | { kind: "live"; envVar: string; url: string };

export type StageFailure = { ok: false; stage: string; diagnostics: Diagnostic[] };
type Progress = (message: string) => void;

const failed = (stage: string, diagnostics: Diagnostic[]): StageFailure => ({ ok: false, stage, diagnostics });

/** Stages 1–2: the config file, parsed and checked against the JSON Schema and the contract rules. */
export function loadContract(configPath: string): { ok: true; contract: Contract; sha256: string } | StageFailure {
  const loaded = loadContractFile(configPath);
  if (!loaded.ok) return failed("load", loaded.diagnostics);
  const validated = validateContract(loaded.raw);
  if (!validated.ok) return failed("validate", validated.diagnostics);
  return { ok: true, contract: validated.value, sha256: loaded.sha256 };
}

/** Where the schema comes from when the caller gave nothing: the config's build.schema_snapshot. */
export function defaultSchemaInput(contract: Contract, configPath: string): SchemaInput | undefined {
  const snapshot = contract.build?.schema_snapshot;
  return snapshot ? { kind: "snapshot", path: resolveConfigPath(configPath, snapshot) } : undefined;
}

export const NO_SCHEMA: Diagnostic = {
  code: "NO_SCHEMA",
  pointer: "",
  message: "The build needs the database schema, and none was given.",
  fix: "Pass --schema synapsor.schema.json (from `synapsor-runner inspect --json --output`), or --from-env VAR to read the live database, or set build.schema_snapshot in the config.",
};

/** Reads the snapshot file or inspects the live database; failures are diagnostics. */
export async function loadSchema(
  schema: SchemaInput,
  progress: Progress = () => undefined,
): Promise<{ ok: true; snapshot: SchemaSnapshot } | { ok: false; diagnostic: Diagnostic }> {
  if (schema.kind === "snapshot") return readSnapshotFile(schema.path);
  progress(`inspecting the live database named by ${schema.envVar}`);
  const inspected = await inspectDatabase({ engine: "auto", url: schema.url, urlEnvName: schema.envVar });
  if (!inspected.ok) {
    return { ok: false, diagnostic: { code: "DATABASE_UNREACHABLE", pointer: "", message: inspected.message, fix: `Check ${schema.envVar} and that the database is running.` } };
  }
  return { ok: true, snapshot: inspected.snapshot };
}

/** Stages 3–4: resolve the contract against the schema, then plan every statement. */
export function planContract(input: {
  contract: Contract;
  snapshot: SchemaSnapshot;
  configPath: string;
  configSha256: string;
}): { ok: true; plan: BuildPlan } | StageFailure {
  const { contract, snapshot } = input;
  const snapshots = Object.fromEntries(Object.keys(contract.sources).map((name) => [name, snapshot]));
  const resolved = resolveContract(contract, snapshots);
  if (!resolved.ok) return failed("resolve", resolved.diagnostics);
  // Whether reviewers are declared is part of the plan: proposals then refuse self-declared decisions.
  const reviewers = loadReviewers(input.configPath, contract);
  if (!reviewers.ok) return failed("validate", reviewers.diagnostics);
  const plan = planBuild({
    contract,
    reviewersDeclared: reviewers.declaration.declared,
    resolved: resolved.value,
    configFile: basename(input.configPath),
    configSha256: input.configSha256,
    runnerVersion: RUNNER_VERSION,
  });
  return { ok: true, plan };
}

/** Optional stage, run by `compile` for a live schema: every planned statement prepared against the database, rolled back. */
async function verifyPlanLive(
  plan: BuildPlan,
  contract: Contract,
  schema: { envVar: string; url: string },
  progress: Progress = () => undefined,
): Promise<Diagnostic[]> {
  const index = (name: string) => contract.capabilities.findIndex((c) => c.name === name);
  try {
    return await verifyStatementsLive(plan, schema.url, index, progress);
  } catch (err) {
    return [unreachable(schema.envVar, err)];
  }
}

/** Stages 5–7: generated sources, type-checked, and (unless asked not to) the bundle. */
export async function emitPlan(
  plan: BuildPlan,
  options: { bundle?: boolean; typecheck?: boolean; progress?: Progress; storeFromBundle?: string } = {},
): Promise<{ ok: true; files: FileMap } | StageFailure> {
  const progress = options.progress ?? (() => undefined);
  const files = emitSources(plan, options.storeFromBundle !== undefined ? { storeFromBundle: options.storeFromBundle } : {});
  if (options.typecheck !== false) progress("type-checking the generated sources");
  let typeErrors: GeneratedTypeError[] = [];
  if (options.typecheck !== false) {
    try {
      typeErrors = await typecheckSources(files);
    } catch (err) {
      if (!(err instanceof TypecheckUnavailableError)) throw err;
      return failed("type-check", [{ code: "TYPECHECK_UNAVAILABLE", pointer: "", message: err.message, fix: err.fix }]);
    }
  }
  if (typeErrors.length > 0) {
    return failed(
      "type-check",
      typeErrors.map((e) => ({
        code: "GENERATED_CODE_TYPE_ERROR",
        pointer: "",
        message: `The generated code does not type-check (a bug in synapsor-runner's code generator, not in your config): ${e.file}:${e.line}: ${e.message}`,
        fix: "Please report it with the config and this message. Until it is fixed, changing the capability this file belongs to may avoid it.",
      })),
    );
  }
  if (options.bundle !== false) {
    progress("bundling server.mjs");
    const engines = new Set(Object.values(plan.sources).map((s) => s.engine));
    files.set("server.mjs", await bundleServer(files, { engines, httpJwt: plan.trustedContext.httpJwt !== undefined }));
  }
  return { ok: true, files };
}

export interface CompileOptions {
  configPath: string;
  /** Where the schema comes from; undefined means the config's build.schema_snapshot. */
  schema?: SchemaInput;
  /** The snapshot `schema` names, when the caller already loaded it (it is not read again). */
  snapshot?: SchemaSnapshot;
  /** Skip esbuild (e.g. for golden tests of sources). */
  bundle?: boolean;
  /**
   * Skip the type-check of the generated sources (the slowest stage; it checks the code generator
   * and changes no byte of the output). Only for callers that measure a bundle and never ship it,
   * such as `benchmark mcp-efficiency`; `build` and `mcp serve` always type-check.
   */
  typecheck?: boolean;
  /** Progress lines for slow stages. */
  progress?: Progress;
  /** The directory server.mjs is written to (its default ledger path is baked relative to it); default: the config's directory. */
  outDir?: string;
}

export type CompileResult = { ok: true; contract: Contract; plan: BuildPlan; files: FileMap } | StageFailure;

/** Every stage, start to finish. */
export async function compile(options: CompileOptions): Promise<CompileResult> {
  const progress = options.progress ?? (() => undefined);
  const loaded = loadContract(options.configPath);
  if (!loaded.ok) return loaded;
  const { contract } = loaded;

  const schema = options.schema ?? defaultSchemaInput(contract, options.configPath);
  if (!schema) return failed("resolve", [NO_SCHEMA]);
  let snapshot = options.snapshot;
  if (!snapshot) {
    const read = await loadSchema(schema, progress);
    if (!read.ok) return failed("resolve", [read.diagnostic]);
    snapshot = read.snapshot;
  }

  const planned = planContract({ contract, snapshot, configPath: options.configPath, configSha256: loaded.sha256 });
  if (!planned.ok) return planned;
  const { plan } = planned;

  if (schema.kind === "live") {
    progress(`verifying ${plan.capabilities.length} statements against the live database`);
    const problems = await verifyPlanLive(plan, contract, schema, progress);
    if (problems.length > 0) return failed("verify", problems);
  }

  const storeFromBundle = storePathFromBundle(options.outDir ?? dirname(resolvePath(options.configPath)), contract, options.configPath);
  const emitted = await emitPlan(plan, {
    ...(options.bundle !== undefined ? { bundle: options.bundle } : {}),
    ...(options.typecheck !== undefined ? { typecheck: options.typecheck } : {}),
    progress,
    storeFromBundle,
  });
  if (!emitted.ok) return emitted;
  return { ok: true, contract, plan, files: emitted.files };
}

function unreachable(envVar: string, err: unknown): Diagnostic {
  return {
    code: "DATABASE_UNREACHABLE",
    pointer: "",
    // Our words for what failed (refused URL, login, timeout...) and the driver's code only.
    message: `Could not verify statements: ${describeFailure("connect", err, envVar, CONNECT_TIMEOUT_MS)}.`,
    fix: `Check ${envVar} and that the database is running, then build again.`,
  };
}
